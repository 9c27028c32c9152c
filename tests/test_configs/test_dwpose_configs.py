"""Every DWPose config builds, and runs a few iterations of a real Runner on
the synthetic data with its data section overridden (teacher weights are
random stand-ins written to a temp dir: nothing is downloaded)."""
import copy
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose.registry import MODELS
from mmpose_kd.models.distillers.dwpose_distiller import (
    _drop_pretrained_init, _model_cfg)
from mmpose_kd.utils.runtime import apply_runtime_defaults

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DWPOSE = sorted(glob.glob(osp.join(ROOT, 'configs', 'dwpose', 'dwpose-*.py')))
SYNTHETIC = sorted(glob.glob(osp.join(ROOT, 'configs', 'synthetic', 'dwpose-*.py')))


def test_all_pairs_present():
    names = {osp.basename(p) for p in DWPOSE}
    for data in ('coco-wholebody', 'coco-ubody'):
        for pair, size in (('x-dis-l', '384x288'), ('l-dis-m', '256x192'),
                           ('l-dis-s', '256x192'), ('l-dis-t', '256x192')):
            assert f'dwpose-s1_{pair}_{data}-{size}.py' in names
            s = pair[-1]
            assert f'dwpose-s2_{s}-{s}{s}_{data}-{size}.py' in names


@pytest.fixture(scope='module')
def weights_dir(tmp_path_factory):
    return tmp_path_factory.mktemp('stand_in_weights')


def stand_in_ckpt(spec, weights_dir, what):
    """Random weights for the architecture ``spec`` (cached per arch)."""
    cfg = _drop_pretrained_init(_model_cfg(spec, what))
    cfg.pop('data_preprocessor', None)
    key = str(abs(hash(repr(cfg))))
    path = weights_dir / f'{key}.pth'
    if not path.exists():
        torch.save({'state_dict': MODELS.build(cfg).state_dict()}, path)
    return str(path)


def with_stand_in_teacher(cfg, weights_dir):
    m = cfg.model
    spec = m.teacher if m.stage == 1 else m.student
    m.teacher_ckpt = stand_in_ckpt(spec, weights_dir, 'teacher')
    if m.stage == 1:
        m.student = dict(config=m.student['config'],
                         overrides=dict(backbone=dict(init_cfg=None))) \
            if isinstance(m.student, dict) and 'config' in m.student \
            else m.student
    return cfg


def synthetic_data(cfg, coco_root, ubody_root=None):
    """Replace the data section by the tiny synthetic sets, keeping the
    config's input size and codec (Albumentations is not installed here)."""
    student = _model_cfg(cfg.model.student, 'student')
    codec = student.head.decoder
    size = codec['input_size']
    pipeline = [
        dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='TopdownAffine', input_size=size),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs')]
    coco = dict(type='CocoWholeBodyDataset', data_root=str(coco_root),
                data_mode='topdown',
                ann_file='annotations/coco_wholebody_train_v1.0.json',
                data_prefix=dict(img='train2017/'), pipeline=[])
    ds = cfg.train_dataloader.dataset
    if ds.type == 'CombinedDataset':
        ubody = copy.deepcopy(ds.datasets[1])
        ubody.update(data_root=str(ubody_root), scenes=None)
        dataset = dict(type='CombinedDataset', metainfo=ds.metainfo,
                       datasets=[coco, ubody], pipeline=pipeline)
    else:
        dataset = dict(coco, pipeline=pipeline)
    cfg.train_dataloader = dict(
        batch_size=2, num_workers=0, persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=True), dataset=dataset)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2,
                         val_interval=100)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h.type != 'mmdet.PipelineSwitchHook']
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2,
                                        by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def tiny_ubody(tmp_path_factory):
    from mmpose_kd.datasets.synthetic import generate_ubody_dataset
    root = tmp_path_factory.mktemp('tiny_ubody')
    generate_ubody_dataset(str(root), scenes=('Fitness', 'TalkShow'),
                           videos_per_scene=2, frames_per_video=12,
                           img_size=(96, 96), seed=0)
    return root


@pytest.mark.parametrize('path', DWPOSE + SYNTHETIC,
                         ids=lambda p: osp.basename(p))
def test_config_builds_and_runs(path, weights_dir, tiny_wholebody,
                                tiny_ubody, tmp_path):
    cfg = with_stand_in_teacher(Config.fromfile(path), weights_dir)
    model = MODELS.build(copy.deepcopy(cfg.model))
    assert type(model).__name__ == 'DWPoseTwoStageDistiller'
    if cfg.model.stage == 2:
        # the stage-2 schedule fires inside its own, shorter run
        max_epochs = cfg.train_cfg.max_epochs
        for switch in [h for h in cfg.custom_hooks
                       if h.type == 'mmdet.PipelineSwitchHook']:
            assert 0 < switch.switch_epoch < max_epochs
        cosine = [s for s in cfg.param_scheduler
                  if s.type == 'CosineAnnealingLR'][0]
        assert cosine.begin < max_epochs and cosine.end == max_epochs
    cfg = synthetic_data(cfg, tiny_wholebody, tiny_ubody)
    cfg.work_dir = str(tmp_path)
    cfg.experiment_name = osp.basename(path) + str(id(tmp_path))
    apply_runtime_defaults(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(osp.join(tmp_path, 'iter_2.pth'))
    assert osp.isfile(osp.join(tmp_path, 'exported_student.pth'))
