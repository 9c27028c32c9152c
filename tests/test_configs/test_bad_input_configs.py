"""The shipped configs read images with CheckedLoadImage (on_error='raise')
and annotations with the checked dataset classes, count skips with
SkippedImageCountHook, and the documented switch to skipping works."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA_BASE = osp.join(ROOT, 'configs', '_base_', 'datasets',
                     'coco_wholebody_ubody.py')
CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'dwpose', 'dwpose-*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'synthetic', '*.py')) +
    glob.glob(osp.join(ROOT, 'configs', 'sspcm', '*.py'))) + [DATA_BASE]
STOCK_DATASETS = {
    'CocoDataset', 'CocoWholeBodyDataset', 'AicDataset', 'MpiiDataset',
    'UBody2dDataset'
}


def typed_dicts(node):
    """Every dict with a 'type' anywhere in a config."""
    if isinstance(node, dict):
        if 'type' in node:
            yield node
        for value in node.values():
            yield from typed_dicts(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from typed_dicts(value)


def used(cfg):
    """What a run builds: the dataloaders and the hooks (a pipeline switch
    holds a pipeline), not a base's leftover variables."""
    return [
        cfg.get(key) for key in ('train_dataloader', 'val_dataloader',
                                 'test_dataloader', 'custom_hooks')
    ]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_configs_use_the_checked_loader_and_datasets(path):
    cfg = Config.fromfile(path)
    typed = list(typed_dicts(used(cfg.to_dict())))
    types = [d['type'] for d in typed]
    assert 'LoadImage' not in types
    assert not STOCK_DATASETS & set(types), STOCK_DATASETS & set(types)
    loaders = [d for d in typed if d['type'] == 'CheckedLoadImage']
    assert loaders and all(d['on_error'] == 'raise' for d in loaders)
    if path != DATA_BASE:  # a data-only base defines no hooks
        assert 'SkippedImageCountHook' in [h['type'] for h in cfg.custom_hooks]


def test_documented_switch_to_skip():
    path = osp.join(ROOT, 'configs', 'dwpose',
                    'dwpose-s1_l-dis-m_coco-ubody-256x192.py')
    cfg = Config.fromfile(path)
    cfg.merge_from_dict({
        'train_dataloader.dataset.pipeline.0.on_error': 'skip',
        'custom_hooks.1.switch_pipeline.0.on_error': 'skip'
    })
    loaders = [
        d for d in typed_dicts(used(cfg.to_dict()))
        if d['type'] == 'CheckedLoadImage'
    ]
    assert cfg.custom_hooks[1].type == 'mmdet.PipelineSwitchHook'
    # the training pipeline and the stage-2 one skip, val and test raise
    assert sorted(d['on_error'] for d in loaders) == \
        ['raise', 'raise', 'skip', 'skip']
    assert cfg.val_dataloader.dataset.pipeline[0].on_error == 'raise'
