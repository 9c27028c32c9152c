"""tools/run_dwpose_demo.py, the main job, end to end at a tiny size: the
shipped RTMPose-s teacher (a file in the repo, nothing downloaded) teaches
the RTMPose-t student for one epoch on 6 generated images; the table has
the four models and every per-part column (AP and median keypoint error),
and the picture and plot are
written. A second run reuses the data; a teacher file that is missing is a
clear error. The student's backbone loads the shipped body-17 model, and
the commands that made the shipped files (``--train-student-init``, the
teacher's second round with ``--teacher-load-from``) run at a tiny size."""
import json
import os.path as osp

import cv2
import pytest

from tool_loading import load_tool

demo = load_tool('run_dwpose_demo')
PARTS = ('AP', 'AR', 'body AP', 'foot AP', 'face AP', 'hand AP')


@pytest.fixture(scope='module')
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('dwpose_demo')
    argv = [
        '--work-dir',
        str(root / 'work'), '--data-root',
        str(root / 'data'), '--num-train', '6', '--num-val', '3', '--epochs',
        '1'
    ]
    demo.main(argv)
    return root, argv


def test_shipped_teacher_exists_and_loads():
    ckpt = demo.FAMILIES['rtmpose']['teacher_ckpt']
    assert osp.isfile(ckpt), ckpt
    import torch
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['dataset_meta']['num_keypoints'] == 133
    assert any(k.startswith('head.') for k in state['state_dict'])


def _state_dict(path):
    import torch
    return torch.load(path, map_location='cpu', weights_only=True)


def test_student_backbone_starts_from_the_shipped_body17_model():
    """The demo's student config loads the shipped body-17 model's backbone
    (its ``Pretrained`` init), as the released students load a body-pose
    CSPNeXt; the pretraining config itself starts from scratch."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    family = demo.FAMILIES['rtmpose']
    cfg = Config.fromfile(osp.join(demo.CFG_DIR, family['student']))
    ckpt = cfg.model.backbone.init_cfg.checkpoint
    assert osp.isfile(ckpt), ckpt
    assert osp.basename(ckpt) == family['student_init'].replace('.py', '.pth')
    shipped = _state_dict(ckpt)
    assert shipped['meta']['dataset_meta']['num_keypoints'] == 17
    student = MODELS.build(cfg.model)
    student.init_weights()
    backbone = student.backbone.state_dict()
    for key, value in backbone.items():
        torch.testing.assert_close(
            value.float(), shipped['state_dict']['backbone.' + key].float())
    # the head is not loaded (133 keypoints, not 17)
    assert student.head.final_layer.out_channels == 133
    init_cfg = Config.fromfile(osp.join(demo.CFG_DIR, family['student_init']))
    assert init_cfg.model.backbone.init_cfg is None


def test_train_student_init_writes_a_compact_body17_checkpoint(tmp_path):
    import torch
    argv = [
        '--work-dir',
        str(tmp_path / 'w'), '--data-root',
        str(tmp_path / 'd'), '--num-train', '4', '--num-val', '2', '--epochs',
        '1', '--train-student-init'
    ]
    demo.main(argv)
    name = demo.FAMILIES['rtmpose']['student_init'].replace('.py', '.pth')
    state = _state_dict(tmp_path / 'w' / 'student_init' / name)
    assert state['meta']['dataset_meta']['num_keypoints'] == 17
    assert all(v.dtype != torch.float32 for v in state['state_dict'].values())
    assert not (tmp_path / 'w' / 'student_alone').exists()  # it stopped


def test_teacher_load_from_starts_the_teacher_from_those_weights(tmp_path):
    """The teacher's second round: one warm-up iteration (learning rate
    4e-6) from the shipped teacher leaves it almost unchanged, where a
    teacher from scratch is nowhere near it."""
    import torch
    shipped = demo.FAMILIES['rtmpose']['teacher_ckpt']
    argv = [
        '--work-dir',
        str(tmp_path / 'w'), '--data-root',
        str(tmp_path / 'd'), '--num-train', '2', '--num-val', '1',
        '--train-teacher', '--teacher-only', '--teacher-epochs', '1',
        '--teacher-load-from', shipped
    ]
    demo.main(argv)
    trained = _state_dict(tmp_path / 'w' / 'teacher' /
                          osp.basename(shipped))['state_dict']
    start = _state_dict(shipped)['state_dict']
    weights = [k for k in start if k.endswith('conv.weight')]
    assert len(weights) > 10
    moved = torch.stack([(trained[k].float() - start[k].float()).norm()
                         for k in weights]).norm()
    size = torch.stack([start[k].float().norm() for k in weights]).norm()
    # a teacher from scratch differs by about its own size
    assert moved < 0.01 * size, (moved, size)


def test_demo_writes_table_picture_and_plot(demo_run):
    root, _ = demo_run
    work = root / 'work'
    with open(work / 'results.json') as f:
        summary = json.load(f)
    names = [row['model'] for row in summary['rows']]
    assert names == [
        'teacher (RTMPose-s)', 'student alone (baseline)',
        'DWPose stage 1 student', 'DWPose stage 1+2 student'
    ]
    for row in summary['rows']:
        for part in PARTS:
            assert 0.0 <= row[part] <= 100.0, (row['model'], part)
        # the median keypoint error of each part, input px of the 128x96
        # crop: positive, and not beyond the crop's diagonal
        for part in ('body', 'foot', 'face', 'hand'):
            assert 0.0 < row[f'{part} err'] < 160.0, (row['model'], part)
    assert summary['rows'][0]['schedule'] == 'shipped'
    assert summary['peak_rss_gib'] > 0
    assert set(summary['train_seconds']) == {
        'student alone', 'DWPose stage 1', 'DWPose stage 2'
    }
    table = (work / 'results.md').read_text()
    # the AP table (header + 4 rows) and the error table (header + 4 rows)
    assert table.count('\n') == 15 and 'face AP' in table
    assert '| model | body err | foot err | face err | hand err |' in table
    picture = cv2.imread(summary['figures']['picture'])
    # three panels of 480-pixel height side by side
    assert picture.shape[0] == 480 and picture.shape[1] > 3 * 100
    assert cv2.imread(summary['figures']['plot']) is not None
    # the data carries its framing: half the images are close-ups
    with open(root / 'data' / 'annotations' /
              'coco_wholebody_train_v1.0.json') as f:
        info = json.load(f)['info']
    assert info['upper_body_fraction'] == demo.DATA['upper_body_fraction']


def test_data_is_reused_only_when_settings_match(demo_run):
    root, argv = demo_run
    val = root / 'data' / 'annotations' / 'coco_wholebody_val_v1.0.json'
    before = val.stat().st_mtime_ns
    demo.make_data(demo.parse_args(argv))
    assert val.stat().st_mtime_ns == before  # reused
    num_val = argv.index('--num-val') + 1
    demo.make_data(
        demo.parse_args(argv[:num_val] + ['2'] + argv[num_val + 1:]))
    with open(val) as f:
        assert len(json.load(f)['images']) == 2  # written again


def test_missing_teacher_is_a_clear_error(tmp_path):
    argv = [
        '--work-dir',
        str(tmp_path / 'w'), '--data-root',
        str(tmp_path / 'd'), '--num-train', '2', '--num-val', '1',
        '--teacher-ckpt',
        str(tmp_path / 'nope.pth')
    ]
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        demo.main(argv)


def test_seed_table_reads_runs_and_passes_demo_args(demo_run, tmp_path):
    """tools/experiments/dwpose_demo_seeds.py: per-seed values, mean and
    spread from each seed's results.json; arguments after ``--`` go to the
    demo."""
    seeds = load_tool('experiments/dwpose_demo_seeds')
    args = seeds.parse_args(
        ['0', '1', '--work-dir', 'w', '--', '--epochs', '3'])
    assert args.seeds == [0, 1] and args.work_dir == 'w'
    assert args.demo_args == ['--epochs', '3']
    root, _ = demo_run
    with open(root / 'work' / 'results.json') as f:
        one = json.load(f)
    other = json.loads(json.dumps(one))
    other['rows'][1]['face AP'] = one['rows'][1]['face AP'] + 2.0
    table = seeds.summarize({0: one, 1: other})
    row = next(line for line in table.splitlines()
               if line.startswith('| student alone (baseline) | face AP |'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    base = one['rows'][1]['face AP']
    assert cells[2] == f'{base:.1f} / {base + 2.0:.1f}'
    assert cells[3] == f'{base + 1.0:.1f}' and cells[4] == '2.0'
    err = one['rows'][2]['hand err']
    row = next(line for line in table.splitlines()
               if line.startswith('| DWPose stage 1 student | hand err |'))
    assert f'{err:.2f} / {err:.2f}' in row


def test_teacher_load_from_without_training_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='--train-teacher'):
        demo.main([
            '--work-dir',
            str(tmp_path / 'w'), '--data-root',
            str(tmp_path / 'd'), '--teacher-load-from', 'x.pth'
        ])
    assert not (tmp_path / 'd').exists()  # before any data is written


def test_num_workers_reaches_every_loader_of_every_run(tmp_path):
    """``--num-workers`` (for a GPU machine) sets the train, val and test
    loaders of each config the demo loads; without it the configs' own
    count stays."""
    family = demo.FAMILIES['rtmpose']
    for key in ('teacher', 'student', 'stage1', 'stage2'):
        path = osp.join(demo.CFG_DIR, family[key])
        for argv, expected in ((['--num-workers', '6'], 6), ([], 1)):
            args = demo.parse_args(argv)
            cfg = demo.load_cfg(path, args, str(tmp_path / key), epochs=2)
            assert cfg.train_dataloader.num_workers == expected, key
            # the demo evaluates once, from the saved checkpoint
            assert cfg.test_dataloader.num_workers == expected, key
