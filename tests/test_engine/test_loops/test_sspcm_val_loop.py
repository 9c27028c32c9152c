"""SSPCMValLoop / SSPCMTestLoop on real Runners: A, B, the A+B ensemble
and C scored in one pass with the evaluator as configured (MPII PCKh,
COCO AP), metrics prefixed per network, the best checkpoint chosen by a
configurable key, test hooks at test time, and single-network models."""
import copy
import glob
import json
import os
import os.path as osp
import uuid

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import load
from mmengine.hooks import Hook
from mmengine.runner import Runner
from scipy.io import savemat

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.loops.sspcm_val_loop import SSPCMTestLoop, SSPCMValLoop
import sspcm_testing
from toy_models import heatmap_cfg

torch.set_num_threads(1)

MPII_K = 16
SIZE = 64


class Recorder(Hook):
    """Which epoch hooks ran, with their metrics, and the iteration
    outputs' type."""

    def __init__(self):
        self.epochs = []
        self.outputs = []

    def after_val_epoch(self, runner, metrics=None):
        self.epochs.append(('val', dict(metrics or {})))

    def after_test_epoch(self, runner, metrics=None):
        self.epochs.append(('test', dict(metrics or {})))

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append(outputs)

    after_test_iter = after_val_iter


def make_mpii(root, num=4, seed=0):
    """A tiny MPII-format validation set: images, mpii_val.json (centre,
    scale / 200, 16 joints, 1-based like the MATLAB originals) and the
    head boxes in a .mat file, as mmpose's MpiiDataset reads them."""
    rng = np.random.RandomState(seed)
    (root / 'images').mkdir(parents=True)
    anns, heads = [], []
    for index in range(num):
        name = f'{index:09d}.jpg'
        cv2.imwrite(
            str(root / 'images' / name),
            rng.randint(0, 255, (SIZE, SIZE, 3), dtype=np.uint8))
        joints = rng.uniform(12, 52, (MPII_K, 2))
        anns.append(
            dict(
                image=name,
                center=[33., 33.],
                scale=0.25,
                joints=joints.tolist(),
                joints_vis=[1] * MPII_K))
        heads.append([[20., 10.], [30., 20.]])  # (x1, y1), (x2, y2)
    (root / 'mpii_val.json').write_text(json.dumps(anns))
    # [2, 2, N]: MpiiDataset transposes it to [N, 2, 2]
    savemat(
        str(root / 'mpii_gt_val.mat'),
        dict(headboxes_src=np.transpose(np.array(heads), (1, 2, 0))))
    return root


def mpii_runner(tmp_path,
                data_root,
                model,
                val_cfg,
                test_cfg=None,
                hooks=(),
                test_evaluator=None):
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(SIZE, SIZE)),
        dict(type='PackPoseInputs')
    ]
    loader = dict(
        batch_size=3,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type='MpiiDataset',
            data_root=str(data_root),
            data_mode='topdown',
            ann_file='mpii_val.json',
            headbox_file=str(data_root / 'mpii_gt_val.mat'),
            data_prefix=dict(img='images/'),
            test_mode=True,
            pipeline=pipeline))
    name = f'sspcm_val_{uuid.uuid4().hex}'
    return Runner(
        model=model,
        work_dir=str(tmp_path / name),
        val_dataloader=loader,
        val_evaluator=dict(type='MpiiPCKAccuracy'),
        val_cfg=val_cfg,
        test_dataloader=copy.deepcopy(loader) if test_cfg else None,
        test_evaluator=(test_evaluator or dict(type='MpiiPCKAccuracy'))
        if test_cfg else None,
        test_cfg=test_cfg,
        default_hooks=dict(checkpoint=None),
        custom_hooks=list(hooks),
        default_scope='mmpose',
        experiment_name=name)


def sspcm_model(num_keypoints=MPII_K):
    return dict(
        type='SSPCMPoseEstimator',
        network_a=heatmap_cfg(
            num_keypoints=num_keypoints, input_size=(SIZE, SIZE)))


@pytest.fixture(scope='module')
def mpii_root(tmp_path_factory):
    return make_mpii(tmp_path_factory.mktemp('mpii'))


def test_val_and_test_score_every_network_with_mpii_pckh(tmp_path, mpii_root):
    recorder = Recorder()
    runner = mpii_runner(
        tmp_path,
        mpii_root,
        sspcm_model(),
        val_cfg=dict(type='SSPCMValLoop'),
        test_cfg=dict(type='SSPCMTestLoop', networks=('AB', 'C')),
        hooks=[recorder],
        # what tools/test.py --out adds
        test_evaluator=[
            dict(type='MpiiPCKAccuracy'),
            dict(
                type='DumpResults', out_file_path=str(tmp_path / 'preds.pkl'))
        ])
    assert isinstance(runner.val_loop, SSPCMValLoop)
    metrics = runner.val()
    names = ('PCK', 'PCK@0.1', 'Head PCK')
    for network in ('A', 'B', 'AB', 'C'):
        for name in names:
            assert f'{network}/{name}' in metrics
    assert not any('/' not in key for key in metrics)
    assert recorder.epochs == [('val', metrics)]
    # the hooks see the predictions of predict_on (C)
    assert len(recorder.outputs) == 2  # 4 samples, batch 3
    assert all(
        type(o[0]).__name__ == 'PoseDataSample' for o in recorder.outputs)

    # C's numbers equal mmengine's own ValLoop on the same model
    plain = mpii_runner(tmp_path, mpii_root, runner.model, val_cfg=dict())
    plain_metrics = plain.val()
    for name in names:
        assert metrics[f'C/{name}'] == pytest.approx(plain_metrics[name])
    # ... and A's, with predict_on='A'
    runner.model.semi_test_cfg['predict_on'] = 'A'
    assert plain.val()['PCK'] == pytest.approx(metrics['A/PCK'])
    runner.model.semi_test_cfg['predict_on'] = 'C'

    # test time: the test loop, the test hooks, only the chosen networks
    assert isinstance(runner.test_loop, SSPCMTestLoop)
    test_metrics = runner.test()
    assert set(test_metrics) == {
        f'{n}/{m}'
        for n in ('AB', 'C') for m in plain_metrics
    }
    assert recorder.epochs[-1] == ('test', test_metrics)
    assert [stage for stage, _ in recorder.epochs] == ['val', 'test']
    assert test_metrics['AB/PCK'] == pytest.approx(metrics['AB/PCK'])
    # each network's predictions in its own file
    dumped = {n: load(str(tmp_path / f'preds.{n}.pkl')) for n in ('AB', 'C')}
    assert all(len(d) == 4 for d in dumped.values())
    assert not osp.exists(str(tmp_path / 'preds.pkl'))


def test_single_network_model_is_scored_unprefixed(tmp_path, mpii_root):
    network = heatmap_cfg(num_keypoints=MPII_K, input_size=(SIZE, SIZE))
    runner = mpii_runner(
        tmp_path, mpii_root, network, val_cfg=dict(type='SSPCMValLoop'))
    metrics = runner.val()
    assert 'PCK' in metrics and not any('/' in key for key in metrics)


def test_bad_network_names_raise(tmp_path, mpii_root):
    runner = mpii_runner(
        tmp_path,
        mpii_root,
        sspcm_model(),
        val_cfg=dict(type='SSPCMValLoop', networks=('A', 'D')))
    with pytest.raises(ValueError, match=r"networks must be .*'D'"):
        runner.val()


def test_best_checkpoint_by_a_on_coco_after_official_training(tmp_path):
    """The synthetic SSPCM config trained for one epoch with the official
    semi_train_cfg (snapshots every iteration, so their batch-statistics
    mode runs), validated by SSPCMValLoop with CocoMetric: COCO AP of A, B,
    A+B and C, the best checkpoint named after 'A/coco/AP', result files
    per network."""
    data_root = sspcm_testing.make_synthetic_data(
        tmp_path / 'data', num_train=8, num_val=3, num_labeled=3)
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    sspcm_testing.point_config_at(
        cfg,
        data_root,
        tmp_path / 'work',
        max_epochs=1,
        labeled_bs=2,
        unlabeled_bs=2,
        with_val=True,
        drop_last=True)
    sspcm_testing.shrink_input(cfg)
    official = Config.fromfile(
        osp.join(sspcm_testing.CONFIG_DIR, '_base_',
                 'sspcm_official_training.py'))
    cfg.model.semi_train_cfg.update(official.sspcm_semi_train_cfg)
    cfg.val_cfg = official.sspcm_val_cfg
    cfg.test_cfg = official.sspcm_test_cfg
    (tmp_path / 'results').mkdir()
    cfg.val_evaluator.outfile_prefix = str(tmp_path / 'results' / 'val')
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        interval=1,
        save_best=official.sspcm_save_best,
        rule='greater')
    cfg.custom_hooks = [
        dict(h, interval=1) if h['type'] == 'PCMSnapshotHook' else h
        for h in cfg.custom_hooks if h['type'] != 'SSPCMVisualizationHook'
    ]
    recorder = Recorder()
    runner = sspcm_testing.build_runner(cfg)
    runner.register_hook(recorder)
    runner.train()
    assert runner.model.semi_train_cfg['snapshot_bn_mode'] == 'train'
    assert runner.model.snapshots is not None
    (stage, metrics), = recorder.epochs
    assert stage == 'val'
    for network in ('A', 'B', 'AB', 'C'):
        assert f'{network}/coco/AP' in metrics
        assert osp.isfile(
            str(tmp_path / 'results' / f'val.{network}.keypoints.json'))
    best = glob.glob(osp.join(runner.work_dir, 'best_A_coco_AP_epoch_1.pth'))
    assert len(best) == 1
    assert runner.message_hub.get_info('best_score') == \
        metrics['A/coco/AP']


def _run_test_tool(config, checkpoint, work_dir, out, nproc=None):
    """``python tools/test.py`` or ``tools/dist_test.sh ... 2`` (gloo, CPU),
    with ``--out``; returns the logged ``<network>/<metric>`` values."""
    import re
    import socket
    import subprocess
    import sys
    root = sspcm_testing.ROOT
    if nproc is None:
        cmd = [sys.executable, osp.join(root, 'tools', 'test.py')]
    else:
        cmd = ['bash', osp.join(root, 'tools', 'dist_test.sh')]
    cmd += [config, checkpoint] + ([str(nproc)] if nproc else [])
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                     'MASTER_PORT', 'LOCAL_WORLD_SIZE', 'GROUP_RANK',
                     'TORCHELASTIC_RUN_ID')
    }
    env.update(
        PORT=str(port),
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='',
        PYTHONPATH=os.pathsep.join(
            p for p in (root, osp.join(root, 'tests'), env.get('PYTHONPATH'))
            if p),
        PATH=os.pathsep.join((osp.dirname(sys.executable), env.get('PATH',
                                                                   ''))))
    proc = subprocess.run(
        [*cmd, '--work-dir',
         str(work_dir), '--out',
         str(out)],
        env=env,
        cwd=str(work_dir.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:]
    lines = [
        line for line in proc.stdout.splitlines() if 'Epoch(test)' in line
    ]
    assert len(lines) == 1, proc.stdout[-6000:]
    return {
        k: float(v)
        for k, v in re.findall(r'(\S+/\S+): (-?[\d.]+)', lines[0])
    }


def test_dist_test_scores_every_network_like_one_process(tmp_path, mpii_root):
    """``tools/dist_test.sh CONFIG CKPT 2`` with SSPCMTestLoop: each
    network's evaluator gathers every sample once from both ranks; metrics
    and dumped predictions equal those of one ``tools/test.py``."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    model_cfg = sspcm_model()
    model = MODELS.build(copy.deepcopy(model_cfg))
    checkpoint = str(tmp_path / 'sspcm.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(SIZE, SIZE)),
        dict(type='PackPoseInputs')
    ]
    cfg = Config(
        dict(
            default_scope='mmpose',
            model=model_cfg,
            custom_imports=dict(
                imports=['mmpose_kd'], allow_failed_imports=False),
            test_dataloader=dict(
                batch_size=1,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(
                    type='MpiiDataset',
                    data_root=str(mpii_root),
                    data_mode='topdown',
                    ann_file='mpii_val.json',
                    headbox_file=str(mpii_root / 'mpii_gt_val.mat'),
                    data_prefix=dict(img='images/'),
                    test_mode=True,
                    pipeline=pipeline)),
            test_cfg=dict(type='SSPCMTestLoop', networks=('A', 'AB', 'C')),
            test_evaluator=dict(type='MpiiPCKAccuracy'),
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
            log_level='INFO'))
    config = str(tmp_path / 'sspcm_test.py')
    cfg.dump(config)
    results = {}
    for name, nproc in (('dist', 2), ('single', None)):
        out = tmp_path / f'{name}.pkl'
        metrics = _run_test_tool(
            config, checkpoint, tmp_path / name, out, nproc=nproc)
        assert {'A/PCK', 'AB/PCK', 'C/PCK'} <= set(metrics), metrics
        preds = {
            n: load(str(tmp_path / f'{name}.{n}.pkl'))
            for n in ('A', 'AB', 'C')
        }
        results[name] = metrics, preds
    (dist_metrics, dist_preds), (one_metrics, one_preds) = \
        results['dist'], results['single']
    assert dist_metrics == one_metrics
    for network in ('A', 'AB', 'C'):
        assert len(dist_preds[network]) == len(one_preds[network]) == 4
        for ours, theirs in zip(dist_preds[network], one_preds[network]):
            assert ours['img_path'] == theirs['img_path']
            np.testing.assert_allclose(
                np.asarray(ours['pred_instances']['keypoints']),
                np.asarray(theirs['pred_instances']['keypoints']),
                rtol=1e-5,
                atol=1e-4)
