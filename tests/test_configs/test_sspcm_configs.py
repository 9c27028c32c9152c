"""Every config in configs/sspcm builds; the real-scale ones take a training
step on a small fake batch; the synthetic ones run a real Runner for a few
iterations on generated data."""
import copy
import glob
import math
import os.path as osp

import pytest
import sspcm_testing
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpose.registry import (DATASETS, HOOKS, LOOPS, MODELS,
                             OPTIM_WRAPPER_CONSTRUCTORS, TRANSFORMS)
from mmpose.testing import get_packed_inputs

import mmpose_kd  # noqa: F401

torch.set_num_threads(1)

CONFIGS = sorted(glob.glob(osp.join(sspcm_testing.CONFIG_DIR, '*.py')))
SYNTHETIC = [c for c in CONFIGS if 'synthetic' in osp.basename(c)]
REAL = [c for c in CONFIGS if c not in SYNTHETIC]
ids = lambda paths: [osp.basename(p) for p in paths]  # noqa: E731


def test_the_paper_settings_are_all_there():
    names = ' '.join(ids(CONFIGS))
    for setting in ('coco-1k', 'coco-5k', 'coco-10k', 'coco-train-wild',
                    'mpii-aic', 'res18', 'res50', 'hrnet-w32', 'synthetic'):
        assert setting in names, setting
    assert len(SYNTHETIC) >= 2


def _without_pretrained(cfg):
    """Drop init_cfg (local ImageNet checkpoints a user provides)."""
    if isinstance(cfg, dict):
        return {k: _without_pretrained(v) for k, v in cfg.items()
                if k != 'init_cfg'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_without_pretrained(v) for v in cfg)
    return cfg


def _check_structure(cfg):
    assert cfg.model.type == 'SSPCMPoseEstimator'
    assert LOOPS.get(cfg.train_cfg.type) is not None
    assert cfg.train_cfg.type == 'SemiSupervisedEpochBasedTrainLoop'
    assert set(cfg.train_dataloader) == {'labeled', 'unlabeled'}
    for part in ('labeled', 'unlabeled'):
        dataset = cfg.train_dataloader[part].dataset
        assert DATASETS.get(dataset.type) is not None, dataset.type
        for transform in dataset.pipeline:
            assert TRANSFORMS.get(transform['type']) is not None
        types = [t['type'] for t in dataset.pipeline]
        # labeled samples get targets, unlabeled ones do not need them
        assert ('GenerateTarget' in types) == (part == 'labeled')
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'PCMSnapshotHook' in hooks
    assert all(HOOKS.get(h) is not None for h in hooks)
    if cfg.model.get('update_scheme', 'joint') == 'separate':
        assert OPTIM_WRAPPER_CONSTRUCTORS.get(
            cfg.optim_wrapper.constructor) is not None


@pytest.mark.parametrize('path', REAL, ids=ids(REAL))
def test_real_config_builds_and_takes_a_step(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    _check_structure(cfg)
    # Pretrained backbones name local files a user provides.
    backbone = cfg.model.network_a.backbone
    assert backbone.init_cfg.checkpoint.startswith('checkpoints/')
    model = MODELS.build(_without_pretrained(copy.deepcopy(cfg.model)))
    num_keypoints = model.get_network('C').head.out_channels
    # The networks are fully convolutional: a 64 x 64 input (16 x 16
    # heatmaps at stride 4) checks the whole step at a fraction of the cost.
    kwargs = dict(num_keypoints=num_keypoints, img_shape=(64, 64),
                  input_size=(64, 64), heatmap_size=(16, 16),
                  with_reg_label=False, with_simcc_label=False)
    batch = dict(labeled=get_packed_inputs(1, **kwargs),
                 unlabeled=get_packed_inputs(2, **kwargs))
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.))
    log_vars = model.train_step(batch, wrapper)
    assert math.isfinite(float(log_vars['loss']))
    assert 'loss_pcm_c' in log_vars


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('synthetic'))


@pytest.mark.parametrize('path', SYNTHETIC, ids=ids(SYNTHETIC))
def test_synthetic_config_runs_a_runner(path, data_root, tmp_path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    _check_structure(cfg)
    sspcm_testing.point_config_at(cfg, data_root, tmp_path, max_epochs=1,
                                  with_val=True)
    runner = sspcm_testing.build_runner(cfg)
    runner.train()
    assert runner.iter == 2  # 9 unlabeled people // 4 (drop_last)
    hub = runner.message_hub
    assert math.isfinite(hub.get_scalar('train/loss').current())
    assert 'val/coco/AP' in hub.log_scalars  # C was evaluated
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))
