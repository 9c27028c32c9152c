"""tools/benchmark_distill.py: ours and mmpose's distiller train through a
real Runner, and a --work-dir that does not exist yet is created (on the
GPU machine the tool died saving the teacher into a new folder)."""
import os.path as osp
import sys

import torch

from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
from tool_loading import load_tool

benchmark_distill = load_tool('benchmark_distill')

SYN = 'configs/synthetic/'


def test_checkpoint_rows_in_a_new_work_dir(tmp_path, monkeypatch, capsys):
    torch.set_num_threads(1)
    data_root = str(tmp_path / 'data')
    generate_wholebody_dataset(
        data_root, num_train=4, num_val=1, img_size=128, progress=False)
    work_dir = tmp_path / 'not' / 'yet' / 'there'
    monkeypatch.setattr(sys, 'argv', [
        'benchmark_distill.py', '--student',
        SYN + 'rtmpose-t_synthetic-wholebody-128x96.py', '--teacher',
        SYN + 'rtmpose-s_synthetic-wholebody-128x96.py', '--student-channels',
        '128', '--teacher-channels', '256', '--batch-size', '2', '--device',
        'cpu', '--checkpoints-only', '--data-root', data_root, '--work-dir',
        str(work_dir)
    ])
    benchmark_distill.main()
    for row in ('(b) ours', '(c) mmpose'):
        assert osp.getsize(work_dir / row / 'bench.pth') > 0
    out = capsys.readouterr().out
    (line, ) = [ln for ln in out.splitlines() if ln.startswith('| rtmpose-s')]
    ours, theirs, ratio = (float(x) for x in line.strip('| ').split('|')[3:])
    # ours stores the student only; mmpose's stores the teacher too
    assert 0 < ours < theirs and ratio < 0.75
