"""PCMSnapshotHook on a real Runner with the synthetic SSPCM config:
snapshots taken at epoch end, used in the next epoch, kept out of the
optimizer and state dict, saved in checkpoints and restored on resume."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmpose.registry import MODELS

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.hooks.pcm_snapshot_hook import (CHECKPOINT_KEY,
                                                      PCMSnapshotHook)
import sspcm_testing

torch.set_num_threads(1)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('synthetic'))


class SnapshotProbe(Hook):
    """After the first iteration of every epoch, records the snapshots the
    model used in it and the (by then updated) live A, as CPU state dicts."""

    def __init__(self):
        self.seen = {}

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if batch_idx != 0:
            return
        model = runner.model
        snapshots = model.snapshots
        self.seen[runner.epoch] = dict(
            snapshot_a=None if snapshots is None else _state(snapshots[0]),
            snapshot_b=None if snapshots is None else _state(snapshots[1]),
            live_a=_state(model.get_network('A')),
            snapshot_ids=None if snapshots is None else tuple(
                id(p) for s in snapshots for p in s.parameters()),
            snapshot_modes=None if snapshots is None else tuple(
                s.training for s in snapshots))


def load_checkpoint_file(path):
    # our own files, written by the test: no need for weights_only
    return torch.load(path, map_location='cpu', weights_only=False)


def _state(module):
    return {
        k: v.detach().cpu().clone()
        for k, v in module.state_dict().items()
    }


def _network_state(state_dict, attr='network_a'):
    prefix = attr + '.'
    return {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _runner(data_root, work_dir, probe, max_epochs=2, **overrides):
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    sspcm_testing.point_config_at(
        cfg, data_root, work_dir, max_epochs=max_epochs)
    sspcm_testing.shrink_input(cfg)
    cfg.custom_hooks = [
        dict(type='SyncBuffersHook'),
        dict(type='TrainingProgressHook'),
        dict(type='PCMSnapshotHook')
    ]
    cfg.merge_from_dict(overrides)
    runner = sspcm_testing.build_runner(cfg)
    runner.register_hook(probe)
    return runner


def _pcm_hook(runner):
    hooks = [h for h in runner.hooks if isinstance(h, PCMSnapshotHook)]
    assert len(hooks) == 1
    return hooks[0]


def test_snapshots_follow_epochs_and_stay_out_of_training(data_root, tmp_path):
    probe = SnapshotProbe()
    runner = _runner(data_root, tmp_path / 'run', probe)
    runner.train()
    hook = _pcm_hook(runner)
    epoch1 = load_checkpoint_file(str(tmp_path / 'run' / 'epoch_1.pth'))
    epoch2 = load_checkpoint_file(str(tmp_path / 'run' / 'epoch_2.pth'))

    # epoch 0 ran without snapshots (A' = A); epoch 1 with the end-of-epoch-0
    # A', which differs from the live A it runs beside
    assert probe.seen[0]['snapshot_a'] is None
    seen = probe.seen[1]
    assert _equal(seen['snapshot_a'],
                  _network_state(epoch1['state_dict'], 'network_a'))
    assert _equal(seen['snapshot_b'],
                  _network_state(epoch1['state_dict'], 'network_b'))
    assert not _equal(seen['snapshot_a'], seen['live_a'])
    assert seen['snapshot_modes'] == (False, False)

    # the checkpoint of an epoch holds that epoch's snapshots
    assert _equal(epoch1[CHECKPOINT_KEY]['A'],
                  _network_state(epoch1['state_dict'], 'network_a'))
    assert _equal(epoch2[CHECKPOINT_KEY]['B'],
                  _network_state(epoch2['state_dict'], 'network_b'))
    assert not _equal(epoch1[CHECKPOINT_KEY]['A'], epoch2[CHECKPOINT_KEY]['A'])

    # the snapshots are the model's (the hook keeps none), frozen, in no
    # optimizer and not in the state dict
    model = runner.model
    assert not hasattr(hook, 'snapshots')
    optimized = {
        id(p)
        for group in runner.optim_wrapper.optimizer.param_groups
        for p in group['params']
    }
    assert optimized.isdisjoint(seen['snapshot_ids'])
    assert all(not p.requires_grad for s in model.snapshots
               for p in s.parameters())
    assert {k.split('.')[0]
            for k in model.state_dict()
            } == {'network_a', 'network_b', 'network_c'}

    # PCM statistics: per iteration from the model, per epoch from the hook
    hub = runner.message_hub
    for name in ('pcm_kept_fraction', 'pcm_inconsistency'):
        assert f'train/{name}' in hub.log_scalars
        assert f'train/{name}_epoch' in hub.log_scalars
    kept = hub.get_scalar('train/pcm_kept_fraction_epoch').current()
    assert 0. <= kept <= 1.


def test_resume_restores_the_snapshots_exactly(data_root, tmp_path):
    first = _runner(
        data_root, tmp_path / 'first', SnapshotProbe(), max_epochs=1)
    first.train()
    ckpt_path = str(tmp_path / 'first' / 'epoch_1.pth')
    saved = load_checkpoint_file(ckpt_path)[CHECKPOINT_KEY]

    probe = SnapshotProbe()
    resumed = _runner(
        data_root,
        tmp_path / 'resumed',
        probe,
        max_epochs=2,
        resume=True,
        load_from=ckpt_path)
    resumed.train()
    seen = probe.seen[1]  # the resumed run starts at epoch 1
    assert 0 not in probe.seen
    assert _equal(seen['snapshot_a'], saved['A'])
    assert _equal(seen['snapshot_b'], saved['B'])
    assert seen['snapshot_modes'] == (False, False)


def test_checkpoint_before_first_epoch_end_has_no_snapshots():
    hook = PCMSnapshotHook()
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    runner = SimpleNamespace(model=MODELS.build(cfg.model))
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    assert CHECKPOINT_KEY not in checkpoint
    hook.after_load_checkpoint(None, checkpoint)
    assert hook._restored_state is None
    with pytest.raises(KeyError, match='keys A and B'):
        hook.after_load_checkpoint(None, {CHECKPOINT_KEY: dict(A={})})


class EveryIterationProbe(Hook):
    """Records, after every iteration, the snapshot A' the model used and the
    live A after the update (runs before PCMSnapshotHook: NORMAL priority)."""

    def __init__(self):
        self.records = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        snapshots = runner.model.snapshots
        self.records.append(
            dict(
                snapshot_a=None if snapshots is None else _state(snapshots[0]),
                live_a=_state(runner.model.get_network('A'))))


def test_iteration_interval_takes_snapshots_every_n_iterations(
        data_root, tmp_path):
    probe = EveryIterationProbe()
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    sspcm_testing.point_config_at(cfg, data_root, tmp_path, max_epochs=2)
    sspcm_testing.shrink_input(cfg)
    cfg.custom_hooks = [
        dict(type='TrainingProgressHook'),
        dict(type='PCMSnapshotHook', interval=1)
    ]
    runner = sspcm_testing.build_runner(cfg)
    runner.register_hook(probe)
    runner.train()
    records = probe.records
    assert len(records) == 4 and records[0]['snapshot_a'] is None
    for previous, current in zip(records, records[1:]):
        # iteration i ran with the snapshot taken after iteration i - 1
        assert _equal(current['snapshot_a'], previous['live_a'])
        assert not _equal(current['snapshot_a'], current['live_a'])
    with pytest.raises(ValueError, match='interval'):
        PCMSnapshotHook(interval=0)
