"""Real two-process training on the CPU (gloo) through the user's entry
points: ``tools/dist_train.sh CONFIG 2`` (torchrun, ``--launcher pytorch``)
for DWPose stage 1, DWPose stage 2 (from the stage-1 run's exported
student) and SSPCM (both update schemes), and ``tools/slurm_train.sh`` for
DWPose stage 1, with a fake ``srun`` that starts the two
``tools/train.py --launcher slurm`` processes with SLURM's variables.

Each run uses tiny models at 64x64 (SSPCM 48x64) on tiny synthetic data,
batch 2 per rank, 2 epochs of 2-3 iterations. ``tests/dist_record_hook.py``
(imported by the configs through ``custom_imports``) dumps per rank the
sample ids, the final weights and the files the rank wrote; the tests check

1. both ranks end with byte-identical weights (``torch.equal``): DWPose's
   ``student.`` keys (and the rest of the trained model), SSPCM's networks
   C, A and B; BN running statistics included, through ``SyncBuffersHook``
   (SyncBN is not an option on the CPU: torch's SyncBatchNorm needs a GPU);
2. within an epoch the ranks saw different samples, together all of them;
3. rank 0 alone wrote the checkpoints, the exported student, the config and
   the logs (one timestamped log dir, one log file; rank 1's logger has no
   file handler at mmengine's default log level INFO);

and that the frozen networks (DWPose teacher, SSPCM snapshots A', B') share
no tensor with the DDP-wrapped model, i.e. nothing of them is all-reduced.

Besides: ``tools/dist_test.sh CONFIG CHECKPOINT 2`` on the stage-1 exported
student gives the metrics and predictions of one ``tools/test.py`` (every
sample once), and ``SkippedImageCountHook`` logs on rank 0 the skipped image
loads of both ranks.
"""
import glob
import json
import math
import os
import os.path as osp
import re
import socket
import subprocess
import sys

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from mmpose_kd.utils.checkpoint import load_checkpoint_file
import sspcm_testing
from bad_input_testing import damaged_copy
from toy_models import heatmap_cfg, runner_cfg, save_weights, tiny_pipelines

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TESTS_DIR = osp.join(ROOT, 'tests')
NPROC = 2
TIMEOUT_S = 300
INPUT_SIZE = (64, 64)
CODEC = dict(
    type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(16, 16), sigma=2)
TEACHER = heatmap_cfg(base_channels=16)  # 128 channels in the last stage
STUDENT = heatmap_cfg(base_channels=8)  # 64
# Variables of an enclosing launcher that would confuse the children.
LAUNCHER_VARS = ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE',
                 'GROUP_RANK', 'MASTER_ADDR', 'MASTER_PORT',
                 'TORCHELASTIC_RUN_ID')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in LAUNCHER_VARS and not k.startswith(('SLURM_', 'OMPI_'))
    }
    # dist_train.sh runs `python`: this interpreter's.
    env['PATH'] = os.pathsep.join(
        (osp.dirname(sys.executable), env.get('PATH', '')))
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, TESTS_DIR, env.get('PYTHONPATH')) if p)
    env['OMP_NUM_THREADS'] = '1'
    env['CUDA_VISIBLE_DEVICES'] = ''  # the CPU path even on a GPU machine
    env.update(extra)
    return env


def _check_ok(returncode, output, what):
    assert returncode == 0, f'{what} failed ({returncode}):\n{output[-6000:]}'


def dist_train(config, work_dir, *args):
    """``tools/dist_train.sh CONFIG 2 --work-dir WORK_DIR ARGS``."""
    proc = subprocess.run([
        'bash',
        osp.join(ROOT, 'tools', 'dist_train.sh'), config,
        str(NPROC), '--work-dir',
        str(work_dir), *args
    ],
                          env=_env(PORT=str(_free_port())),
                          cwd=str(work_dir.parent),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=TIMEOUT_S)
    _check_ok(proc.returncode, proc.stdout, 'tools/dist_train.sh')
    return proc.stdout


def run_test(config, checkpoint, work_dir, *args, nproc=NPROC):
    """``tools/dist_test.sh CONFIG CHECKPOINT 2 --work-dir WORK_DIR ARGS``,
    or with ``nproc=None`` the single-process ``python tools/test.py``;
    returns the output and the metrics of the ``Epoch(test)`` log line."""
    if nproc is None:
        cmd = [
            sys.executable,
            osp.join(ROOT, 'tools', 'test.py'), config, checkpoint
        ]
    else:
        cmd = [
            'bash',
            osp.join(ROOT, 'tools', 'dist_test.sh'), config, checkpoint,
            str(nproc)
        ]
    proc = subprocess.run([*cmd, '--work-dir',
                           str(work_dir), *args],
                          env=_env(PORT=str(_free_port())),
                          cwd=str(work_dir.parent),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=TIMEOUT_S)
    _check_ok(proc.returncode, proc.stdout, ' '.join(cmd[:2]))
    lines = [
        line for line in proc.stdout.splitlines() if 'Epoch(test)' in line
    ]
    assert len(lines) == 1, proc.stdout[-6000:]
    metrics = dict(re.findall(r'(\S+/\S+): (-?[\d.]+)', lines[0]))
    return proc.stdout, {k: float(v) for k, v in metrics.items()}


FAKE_SRUN = """#!{python}
# A stand-in for srun on one machine: start --ntasks copies of the command
# with SLURM's per-task variables, as srun does; stop all when one fails.
import json, os, subprocess, sys, time
args, opts = sys.argv[1:], {{}}
while args and args[0].startswith('-'):
    if args[0] == '-p':
        opts['partition'], args = args[1], args[2:]
        continue
    key, _, value = args.pop(0).lstrip('-').partition('=')
    opts[key] = value
with open(os.environ['FAKE_SRUN_LOG'], 'w') as f:
    json.dump(dict(opts=opts, cmd=args), f)
ntasks = int(opts['ntasks'])
procs = [subprocess.Popen(args, env=dict(
    os.environ, SLURM_PROCID=str(r), SLURM_NTASKS=str(ntasks),
    SLURM_LOCALID=str(r), SLURM_NODELIST='localhost'))
    for r in range(ntasks)]
while any(p.poll() is None for p in procs):
    if any(p.poll() for p in procs):
        for p in procs:
            p.kill()
    time.sleep(0.2)
sys.exit(max(abs(p.returncode) for p in procs))
"""


def slurm_train(config, work_dir, tmp_path):
    """``tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR`` with a fake
    ``srun`` on PATH that starts the two ``tools/train.py --launcher slurm``
    processes here, with SLURM_PROCID=0/1, SLURM_NTASKS=2, SLURM_LOCALID,
    SLURM_NODELIST=localhost (and MASTER_ADDR/PORT from the environment);
    returns the srun options and command it got."""
    bin_dir = tmp_path / 'fake_bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN.format(python=sys.executable))
    srun.chmod(0o755)
    env = _env(
        GPUS=str(NPROC),
        GPUS_PER_NODE=str(NPROC),
        CPUS_PER_TASK='1',
        GRES='',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(_free_port()),
        FAKE_SRUN_LOG=str(tmp_path / 'srun.json'))
    env['PATH'] = f'{bin_dir}{os.pathsep}{env["PATH"]}'
    proc = subprocess.run([
        'bash',
        osp.join(ROOT, 'tools', 'slurm_train.sh'), 'cpu', 'kd-test', config,
        str(work_dir)
    ],
                          env=env,
                          cwd=str(tmp_path),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT,
                          text=True,
                          timeout=TIMEOUT_S)
    _check_ok(proc.returncode, proc.stdout, 'tools/slurm_train.sh')
    with open(tmp_path / 'srun.json') as f:
        return json.load(f)


def write_config(cfg: dict, path) -> str:
    """A whole config file, one ``name = repr(value)`` line per key."""
    with open(path, 'w') as f:
        for key, value in cfg.items():
            f.write(f'{key} = {value!r}\n')
    return str(path)


def with_recording(cfg: dict, record_dir, hooks=()) -> dict:
    """Import and add DistRecordHook; SyncBuffersHook averages BN running
    statistics over the ranks at every epoch end (the last one before the
    final checkpoint), which makes them identical; SyncBN would instead sync
    batch statistics in every forward, but torch's needs a GPU."""
    cfg['custom_imports'] = dict(
        imports=['mmpose_kd', 'dist_record_hook'], allow_failed_imports=False)
    cfg['custom_hooks'] = list(hooks) + [
        dict(type='SyncBuffersHook'),
        dict(type='DistRecordHook', out_dir=str(record_dir)),
    ]
    cfg['log_level'] = 'INFO'  # mmengine's default: rank 0 alone logs
    return cfg


def load_records(record_dir):
    records = [
        torch.load(osp.join(record_dir, f'rank{r}.pt'), weights_only=False)
        for r in range(NPROC)
    ]
    assert [r['rank'] for r in records] == list(range(NPROC))
    assert all(r['world_size'] == NPROC for r in records)
    return records


def assert_identical(records, prefixes=('', )):
    """Byte-identical tensors on every rank for the keys with a prefix."""
    state0 = records[0]['state']
    keys = [k for k in state0 if k.startswith(tuple(prefixes))]
    assert keys
    assert any('running_mean' in k for k in keys)  # BN statistics included
    for record in records[1:]:
        assert record['state'].keys() == state0.keys()
        differing = [
            k for k in keys if not torch.equal(record['state'][k], state0[k])
        ]
        assert not differing, f'differ across ranks: {differing[:5]}'
    return keys


def assert_disjoint_shards(records, part=''):
    """Per epoch the ranks' samples are disjoint but for DefaultSampler's
    round-up padding (up to NPROC - 1 repeats), and cover the dataset."""
    dataset_ids = set(records[0]['dataset_ids'])
    n = len(records[0]['dataset_ids'])
    padding = (-n) % NPROC
    epochs = sorted({it['epoch'] for it in records[0]['seen']})
    assert epochs == list(range(records[0]['epochs']))
    for epoch in epochs:
        per_rank = [[
            i for it in r['seen'] if it['epoch'] == epoch
            for i in it['ids'][part]
        ] for r in records]
        assert all(per_rank)
        sets = [set(ids) for ids in per_rank]
        assert len(sets[0] & sets[1]) <= padding, (epoch, sets)
        assert set().union(*sets) == dataset_ids, epoch


def assert_rank0_alone_wrote(records, work_dir, expected_files):
    work_dir = osp.abspath(str(work_dir))
    # rank 1 opened nothing under the work dir; rank 0 wrote what we expect
    assert records[1]['writes'] == []
    written = {osp.relpath(p, work_dir) for p in records[0]['writes']}
    for pattern in expected_files:
        assert any(re.fullmatch(pattern, p) for p in written), \
            (pattern, sorted(written))
    # one run, one timestamped log dir, one log file, rank 0's
    log_dirs = [
        d for d in os.listdir(work_dir) if re.fullmatch(r'\d{8}_\d{6}', d)
    ]
    assert len(log_dirs) == 1, os.listdir(work_dir)
    log_dir = osp.join(work_dir, log_dirs[0])
    logs = glob.glob(osp.join(log_dir, '**', '*.log'), recursive=True)
    assert [osp.basename(p) for p in logs] == [f'{log_dirs[0]}.log']
    assert records[0]['log_files'] == [logs[0]]
    assert records[1]['log_files'] == []
    assert not glob.glob(osp.join(work_dir, '**', '*rank*'), recursive=True)
    with open(logs[0]) as f:
        log = f.read()
    assert 'Epoch(train)' in log and 'Saving checkpoint' in log
    # scalars of rank 0 only: one line per logged iteration
    scalars = glob.glob(osp.join(log_dir, 'vis_data', 'scalars.json'))
    assert scalars
    with open(scalars[0]) as f:
        steps = [json.loads(line)['step'] for line in f if 'loss' in line]
    assert steps == sorted(set(steps)), steps
    return written


# --------------------------------------------------------------- DWPose


@pytest.fixture(scope='module')
def wholebody8(tmp_path_factory):
    """8 one-person images: 2 ranks x batch 2 = 2 iterations per epoch;
    3 validation images: an odd number, so DDP's sampler pads a test run."""
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    root = tmp_path_factory.mktemp('wholebody8')
    generate_wholebody_dataset(
        str(root),
        num_train=8,
        num_val=3,
        img_size=64,
        seed=0,
        progress=False,
        max_people=1)
    return root


def dwpose_config(model, data_root, tmp_path, name, max_epochs=2):
    cfg = runner_cfg(
        model,
        data_root,
        tmp_path / name,
        max_epochs=max_epochs,
        batch_size=2,
        codec=CODEC)
    cfg.pop('experiment_name')
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=max_epochs, by_epoch=True)
    with_recording(
        cfg,
        tmp_path / f'{name}_records',
        hooks=[
            dict(type='DistillScheduleHook'),
            dict(type='ExportStudentHook')
        ])
    return write_config(cfg, tmp_path / f'{name}.py')


def stage1_model(teacher_ckpt):
    return dict(
        type='DWPoseTwoStageDistiller',
        stage=1,
        student=STUDENT,
        teacher=TEACHER,
        teacher_ckpt=teacher_ckpt,
        feature_distill=dict(
            type='FeatureDistillLoss',
            student_channels=64,
            teacher_channels=128,
            alpha=5e-5),
        logit_distill=dict(type='HeatmapLogitDistillLoss', loss_weight=1.0))


def check_dwpose_run(work_dir, record_dir, teacher_ckpt, teacher_prefix=''):
    records = load_records(record_dir)
    assert [r['iters'] for r in records] == [4, 4]  # 2 epochs x 2
    keys = assert_identical(records)
    assert any(k.startswith('student.') for k in keys)
    assert_disjoint_shards(records)
    # the frozen teacher: outside DDP and SyncBuffersHook, unchanged
    teacher_sd = load_checkpoint_file(teacher_ckpt)['state_dict']
    for r in records:
        assert r['frozen_shared'] == []
        for k, v in r['frozen']['teacher'].items():
            assert torch.equal(v, teacher_sd[teacher_prefix + k]), k
    assert_rank0_alone_wrote(records, work_dir, [
        r'epoch_2\.pth', 'last_checkpoint', r'exported_student\.pth',
        r'dwpose_s\d\.py', r'\d{8}_\d{6}/\d{8}_\d{6}\.log',
        r'\d{8}_\d{6}/vis_data/scalars\.json'
    ])
    # the checkpoint holds the weights the ranks ended with
    ckpt = load_checkpoint_file(osp.join(work_dir, 'epoch_2.pth'))
    for k, v in records[0]['state'].items():
        assert torch.equal(ckpt['state_dict'][k], v), k
    return records


@pytest.fixture(scope='module')
def stage1_run(wholebody8, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('dwpose_s1')
    torch.manual_seed(1)
    teacher = MODELS.build(TEACHER)
    teacher.train()
    with torch.no_grad():  # non-trivial BN statistics: drift would show
        teacher.extract_feat(torch.randn(4, 3, *INPUT_SIZE))
    teacher_ckpt = save_weights(teacher, tmp_path / 'teacher.pth')
    config = dwpose_config(
        stage1_model(teacher_ckpt), wholebody8, tmp_path, 'dwpose_s1')
    dist_train(config, tmp_path / 'dwpose_s1')
    return tmp_path, teacher_ckpt


def test_dwpose_stage1_dist_train(stage1_run):
    tmp_path, teacher_ckpt = stage1_run
    check_dwpose_run(tmp_path / 'dwpose_s1', tmp_path / 'dwpose_s1_records',
                     teacher_ckpt)


def test_dwpose_stage2_dist_train(stage1_run, wholebody8):
    s1_dir, _ = stage1_run
    exported = str(s1_dir / 'dwpose_s1' / 'exported_student.pth')
    tmp_path = s1_dir
    model = dict(
        type='DWPoseTwoStageDistiller',
        stage=2,
        student=STUDENT,
        teacher_ckpt=exported,
        logit_distill=dict(type='HeatmapLogitDistillLoss', loss_weight=1.0))
    config = dwpose_config(model, wholebody8, tmp_path, 'dwpose_s2')
    dist_train(config, tmp_path / 'dwpose_s2')
    # the stage-2 teacher is the stage-1 student's head
    records = check_dwpose_run(
        tmp_path / 'dwpose_s2',
        tmp_path / 'dwpose_s2_records',
        exported,
        teacher_prefix='head.')
    # ... and the frozen trunk is the stage-1 student's, on both ranks
    trunk = load_checkpoint_file(exported)['state_dict']
    for r in records:
        for k, v in r['state'].items():
            if k.startswith('student.backbone.'):
                assert torch.equal(v, trunk[k[len('student.'):]]), k


def test_dwpose_stage1_slurm_launcher(wholebody8, stage1_run, tmp_path):
    _, teacher_ckpt = stage1_run
    config = dwpose_config(
        stage1_model(teacher_ckpt), wholebody8, tmp_path, 'dwpose_s1')
    srun = slurm_train(config, tmp_path / 'dwpose_s1', tmp_path)
    assert srun['opts'] == {
        'partition': 'cpu',
        'job-name': 'kd-test',
        'ntasks': '2',
        'ntasks-per-node': '2',
        'cpus-per-task': '1',
        'kill-on-bad-exit': '1'
    }
    assert srun['cmd'][:3] == [
        'python', '-u', osp.join(ROOT, 'tools', 'train.py')
    ]
    assert srun['cmd'][-2:] == ['--launcher', 'slurm']
    check_dwpose_run(tmp_path / 'dwpose_s1', tmp_path / 'dwpose_s1_records',
                     teacher_ckpt)


def test_dist_test_gathers_every_sample_once(stage1_run, wholebody8):
    """``tools/dist_test.sh CONFIG CHECKPOINT 2`` on the stage-1 run's
    exported student with a stock-student test config: 3 test images over
    2 ranks (the sampler pads rank 1 with a repeat), batch 1; the metrics
    and the dumped predictions equal those of one ``tools/test.py``."""
    s1_dir, _ = stage1_run
    exported = str(s1_dir / 'dwpose_s1' / 'exported_student.pth')
    tmp_path = s1_dir / 'dist_test'
    tmp_path.mkdir()
    _, val_pipeline = tiny_pipelines(codec=CODEC)
    ann_file = 'annotations/coco_wholebody_val_v1.0.json'
    cfg = dict(
        default_scope='mmpose',
        model=STUDENT,
        test_dataloader=dict(
            batch_size=1,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='CocoWholeBodyDataset',
                data_root=str(wholebody8),
                data_mode='topdown',
                ann_file=ann_file,
                data_prefix=dict(img='val2017/'),
                test_mode=True,
                pipeline=val_pipeline)),
        test_cfg=dict(),
        test_evaluator=dict(
            type='CocoWholeBodyMetric',
            ann_file=osp.join(str(wholebody8), ann_file)),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='INFO')
    config = write_config(cfg, tmp_path / 'student_test.py')
    with open(osp.join(str(wholebody8), ann_file)) as f:
        num_instances = len(json.load(f)['annotations'])
    assert num_instances == 3

    results = {}
    for name, nproc in (('dist', NPROC), ('single', None)):
        out = tmp_path / f'{name}.pkl'
        _, metrics = run_test(
            config, exported, tmp_path / name, '--out', str(out), nproc=nproc)
        assert 'coco-wholebody/AP' in metrics, metrics
        preds = mmengine.load(str(out))
        results[name] = metrics, preds
    (dist_metrics, dist_preds), (one_metrics, one_preds) = \
        results['dist'], results['single']
    assert dist_metrics == one_metrics
    # every test sample exactly once, padding dropped, in dataset order
    assert len(dist_preds) == len(one_preds) == num_instances
    assert [p['id'] for p in dist_preds] == [p['id'] for p in one_preds]
    assert len({p['id'] for p in dist_preds}) == num_instances
    for a, b in zip(dist_preds, one_preds):
        np.testing.assert_allclose(
            a['pred_instances']['keypoints'],
            b['pred_instances']['keypoints'],
            rtol=0,
            atol=1e-5)


EPOCH_SKIPS = re.compile(r'SkippedImageCountHook: epoch (\d+): (\d+) image '
                         r'load\(s\) skipped in this epoch, (\d+) so far')


def test_skipped_image_count_sums_over_ranks(wholebody8, tmp_path):
    """A 2-process run on a copy of the data with the first training image
    deleted and the second truncated, ``CheckedLoadImage(on_error='skip')``
    and ``SkippedImageCountHook``: rank 0's log has, at each epoch end, the
    skips of both ranks (each rank's own count recorded by DistRecordHook).
    Without shuffling rank 0 draws image 0 and rank 1 image 1 every epoch,
    so both ranks skip."""
    data_root = tmp_path / 'data'
    damaged_copy(wholebody8, data_root)
    work_dir = tmp_path / 'work'
    cfg = runner_cfg(
        STUDENT, data_root, work_dir, max_epochs=2, batch_size=2, codec=CODEC)
    cfg.pop('experiment_name')
    cfg.pop('work_dir')
    loader = cfg['train_dataloader']
    loader['sampler']['shuffle'] = False
    dataset = loader['dataset']
    dataset['type'] = 'CheckedCocoWholeBodyDataset'
    assert dataset['pipeline'][0]['type'] == 'LoadImage'
    dataset['pipeline'][0] = dict(type='CheckedLoadImage', on_error='skip')
    with_recording(
        cfg, tmp_path / 'records', hooks=[dict(type='SkippedImageCountHook')])
    dist_train(write_config(cfg, tmp_path / 'skip.py'), work_dir)

    records = load_records(tmp_path / 'records')
    per_rank = [r['skipped'] for r in records]  # cumulative, per epoch
    assert all(len(s) == 2 for s in per_rank), per_rank
    assert all(s[0] >= 1 and s[1] - s[0] >= 1 for s in per_rank), per_rank
    expected = [sum(s[e] for s in per_rank) for e in range(2)]
    (log_file, ) = records[0]['log_files']
    with open(log_file) as f:
        log = f.read()
    epochs = [tuple(map(int, m)) for m in EPOCH_SKIPS.findall(log)]
    assert epochs == [(1, expected[0], expected[0]),
                      (2, expected[1] - expected[0], expected[1])], \
        (epochs, per_rank)
    assert re.search(rf'skipped_images: {expected[1]}\b', log)


# ---------------------------------------------------------------- SSPCM


@pytest.fixture(scope='module')
def sspcm_data(tmp_path_factory):
    return sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('sspcm_data'), img_size=64)


@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_sspcm_dist_train(scheme, sspcm_data, tmp_path):
    cfg = Config.fromfile(
        osp.join(sspcm_testing.CONFIG_DIR,
                 f'sspcm_synthetic_tiny-resnet_{scheme}.py'))
    work_dir = tmp_path / 'sspcm'
    sspcm_testing.point_config_at(
        cfg,
        sspcm_data,
        work_dir,
        max_epochs=2,
        labeled_bs=2,
        unlabeled_bs=2,
        drop_last=False)
    sspcm_testing.shrink_input(cfg)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2)
    hooks = [
        h for h in cfg.custom_hooks
        if h['type'] in ('TrainingProgressHook', 'PCMSnapshotHook')
    ]
    hooks.append(
        dict(type='SSPCMVisualizationHook', interval=1, max_samples=1))
    cfg = with_recording(cfg.to_dict(), tmp_path / 'records', hooks=hooks)
    cfg.pop('work_dir')
    config = write_config(cfg, tmp_path / f'sspcm_{scheme}.py')
    dist_train(config, work_dir)

    records = load_records(tmp_path / 'records')
    # 2 epochs over the rank's share of the unlabeled set, batch 2
    share = math.ceil(len(records[0]['dataset_ids']) / NPROC)
    iters = 2 * math.ceil(share / 2)
    assert [r['iters'] for r in records] == [iters] * NPROC
    keys = assert_identical(
        records, prefixes=('network_a.', 'network_b.', 'network_c.'))
    assert {k.split('.')[0]
            for k in keys} == {'network_a', 'network_b', 'network_c'}
    assert_disjoint_shards(records, part='unlabeled')
    # the snapshots A', B' (taken at the last epoch end, after the buffer
    # sync): outside DDP, equal on the ranks and to the final A and B
    # (under MMSeparateDistributedDataParallel each network is a DDP: the
    # model's keys have `.module.` in them)
    state = records[0]['state']
    for r in records:
        assert r['frozen_shared'] == []
        for name, prefix in (("A'", 'network_a.'), ("B'", 'network_b.')):
            if scheme == 'separate':
                prefix += 'module.'
            for k, v in r['frozen'][name].items():
                assert torch.equal(v, state[prefix + k]), k
    written = assert_rank0_alone_wrote(records, work_dir, [
        r'epoch_2\.pth', 'last_checkpoint', rf'sspcm_{scheme}\.py',
        r'\d{8}_\d{6}/\d{8}_\d{6}\.log', r'sspcm_vis/iter_1\.png'
    ])
    assert sum(p.startswith('sspcm_vis/') for p in written) == iters
