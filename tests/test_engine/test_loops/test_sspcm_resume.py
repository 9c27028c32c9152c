"""SSPCM resumes exactly: a run interrupted after epoch 1 and resumed with
``resume=True`` ends with the same A, B, C and snapshots A', B' as an
uninterrupted run. What must come back: the optimizer, the LR schedule, the
snapshots (PCMSnapshotHook), the labeled sampler's position (a function of
the epoch, see SemiSupervisedEpochBasedTrainLoop) and the RNG states that
draw the augmentation, the hard-view affine and the cut-occlude patches
(RandomStateHook)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmpose_kd  # noqa: F401
import sspcm_testing
from toy_models import CrashAfterEpoch

torch.set_num_threads(1)

MAX_EPOCHS = 3


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('synthetic'), num_train=8, num_labeled=3)


def _cfg(data_root, work_dir, scheme='joint', resume=False):
    cfg = Config.fromfile(
        osp.join(sspcm_testing.CONFIG_DIR,
                 f'sspcm_synthetic_tiny-resnet_{scheme}.py'))
    # labeled 2 of 3 people per batch, so the labeled loader is cycled
    # across the unlabeled epoch and its position matters on resume
    sspcm_testing.point_config_at(
        cfg,
        data_root,
        work_dir,
        max_epochs=MAX_EPOCHS,
        labeled_bs=2,
        unlabeled_bs=2,
        drop_last=False)
    sspcm_testing.shrink_input(cfg)
    cfg.param_scheduler = [
        dict(
            type='LinearLR', begin=0, end=4, start_factor=0.1, by_epoch=False),
        dict(
            type='MultiStepLR',
            begin=0,
            end=MAX_EPOCHS,
            milestones=[2],
            gamma=0.5,
            by_epoch=True)
    ]
    cfg.randomness = dict(seed=0, deterministic=True)
    if not any(h['type'] == 'RandomStateHook' for h in cfg.custom_hooks):
        cfg.custom_hooks.append(dict(type='RandomStateHook'))
    cfg.custom_hooks = [
        h for h in cfg.custom_hooks if h['type'] != 'SSPCMVisualizationHook'
    ]
    cfg.resume = resume
    return cfg


def _final_states(runner):
    model = runner.model
    states = {
        f'{k}.{n}': v.detach().clone()
        for k in 'ABC' for n, v in model.get_network(k).state_dict().items()
    }
    for key, snap in zip('AB', model.snapshots):
        states.update({
            f'{key}_prev.{n}': v.detach().clone()
            for n, v in snap.state_dict().items()
        })
    return states


@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_interrupted_and_resumed_equals_uninterrupted(data_root, tmp_path,
                                                      scheme):
    full = sspcm_testing.build_runner(
        _cfg(data_root, tmp_path / 'full', scheme))
    full.train()
    expected = _final_states(full)

    part = sspcm_testing.build_runner(
        _cfg(data_root, tmp_path / 'part', scheme))
    part.register_hook(CrashAfterEpoch(1))
    with pytest.raises(KeyboardInterrupt):
        part.train()
    resumed = sspcm_testing.build_runner(
        _cfg(data_root, tmp_path / 'part', scheme, resume=True))
    resumed.train()
    assert resumed.iter == full.iter
    got = _final_states(resumed)
    assert got.keys() == expected.keys()
    differ = [k for k in expected if not torch.equal(expected[k], got[k])]
    assert not differ, differ[:5]
