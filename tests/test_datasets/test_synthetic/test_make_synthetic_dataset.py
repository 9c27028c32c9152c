"""tools/make_synthetic_dataset.py as a user runs it."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from tool_loading import load_tool

TOOL = osp.join(
    osp.dirname(__file__), '..', '..', '..', 'tools',
    'make_synthetic_dataset.py')


def _run(*args):
    return subprocess.run([sys.executable, TOOL, *args],
                          capture_output=True,
                          text=True,
                          timeout=300)


def test_cli_writes_a_tiny_dataset(tmp_path):
    out = tmp_path / 'data'
    proc = _run('--out', str(out), '--num-train', '2', '--num-val', '1',
                '--img-size', '128', '96', '--seed', '7', '--no-progress')
    assert proc.returncode == 0, proc.stderr
    for split, num in (('train', 2), ('val', 1)):
        ann = out / 'annotations' / f'coco_wholebody_{split}_v1.0.json'
        coco = json.loads(ann.read_text())
        assert len(coco['images']) == num
        for img in coco['images']:
            assert (img['width'], img['height']) == (128, 96)
            assert (out / f'{split}2017' / img['file_name']).is_file()
    assert 'wrote 2 train + 1 val images' in proc.stdout


def test_cli_rejects_a_bad_size_with_a_clear_message(tmp_path):
    # in-process: a second interpreter start-up would cost ~10 s
    tool = load_tool('make_synthetic_dataset')
    with pytest.raises(SystemExit) as exc:
        tool.main(
            ['--out',
             str(tmp_path), '--img-size', '16', '--no-progress'])
    assert 'img_size' in str(exc.value.code) and '16' in str(exc.value.code)
    with pytest.raises(SystemExit):  # argparse: three sizes
        tool.main(['--img-size', '1', '2', '3'])
