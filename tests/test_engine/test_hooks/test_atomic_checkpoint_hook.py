"""AtomicCheckpointHook: a crash while saving never breaks ``--resume``.

The crash is simulated inside the file write of epoch 2's checkpoint, after
half of its bytes reached the disk, with ``max_keep_ckpts=1`` (the setting
where mmengine's stock hook has already deleted epoch 1's checkpoint). The
stock hook is run through the same crash to show what the test guards."""
import os
import os.path as osp
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import LocalBackend
from mmengine.runner import Runner
from mmengine.testing.runner_test_case import ToyDataset, ToyModel

from mmpose_kd.utils import atomic_io
from mmpose_kd.utils.runtime import apply_runtime_defaults


class SimulatedCrash(BaseException):
    """Not an Exception, like KeyboardInterrupt: nothing may swallow it."""


def _runner(work_dir, hook_type, max_epochs=3, resume=False):
    name = f'atomic_{uuid.uuid4().hex[:8]}'
    torch.manual_seed(0)  # the same initial weights in every run
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=name,
        visualizer=dict(type='Visualizer', name=name),
        train_dataloader=dict(
            dataset=ToyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=4,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(type=hook_type, interval=1, max_keep_ckpts=1),
            logger=dict(type='LoggerHook', interval=100)),
        randomness=dict(seed=0),
        resume=resume,
        default_scope='mmpose')


def _crash_half_way_through_epoch_2(monkeypatch, backend_cls):
    """Make the backend's ``put`` write half of epoch_2.pth, then crash."""
    original = backend_cls.put

    def put(self, obj, filepath):
        if osp.basename(str(filepath)) == 'epoch_2.pth':
            if backend_cls is LocalBackend:  # in place, as the stock put
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
            else:  # into the temporary file, as the atomic put
                with atomic_io.atomic_target(filepath) as tmp:
                    with open(tmp, 'wb') as f:
                        f.write(obj[:len(obj) // 2])
                    raise SimulatedCrash
            raise SimulatedCrash
        return original(self, obj, filepath)

    monkeypatch.setattr(backend_cls, 'put', put)


def test_crash_while_saving_keeps_the_last_checkpoint_resumable(
        tmp_path, monkeypatch):
    _crash_half_way_through_epoch_2(monkeypatch, atomic_io.AtomicLocalBackend)
    with pytest.raises(SimulatedCrash):
        _runner(tmp_path, 'AtomicCheckpointHook').train()
    monkeypatch.undo()

    files = sorted(os.listdir(tmp_path))
    assert 'epoch_1.pth' in files and 'epoch_2.pth' not in files
    assert not [f for f in files if f.endswith('.tmp')], files
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_1.pth')
    ckpt = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)
    assert ckpt['meta']['epoch'] == 1

    runner = _runner(tmp_path, 'AtomicCheckpointHook', resume=True)
    runner.train()
    assert runner.epoch == 3
    # max_keep_ckpts=1 still holds after the resumed run
    assert sorted(f for f in os.listdir(tmp_path)
                  if f.endswith('.pth')) == ['epoch_3.pth']


def test_stock_hook_loses_the_run_in_the_same_crash(tmp_path, monkeypatch):
    """Why the hook exists: mmengine's hook deletes epoch 1 first, then
    writes epoch 2 in place."""
    _crash_half_way_through_epoch_2(monkeypatch, LocalBackend)
    with pytest.raises(SimulatedCrash):
        _runner(tmp_path, 'CheckpointHook').train()
    monkeypatch.undo()
    assert not (tmp_path / 'epoch_1.pth').exists()
    with pytest.raises(Exception):
        torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    with pytest.raises(Exception):
        _runner(tmp_path, 'CheckpointHook', resume=True).train()


def test_checkpoints_match_the_stock_hook(tmp_path):
    """Same files, same contents (apart from timestamps), same pointer."""
    stock, ours = tmp_path / 'stock', tmp_path / 'ours'
    _runner(stock, 'CheckpointHook', max_epochs=2).train()
    _runner(ours, 'AtomicCheckpointHook', max_epochs=2).train()
    names = sorted(f for f in os.listdir(ours) if f.endswith('.pth'))
    assert names == ['epoch_2.pth']
    assert names == sorted(f for f in os.listdir(stock) if f.endswith('.pth'))
    a = torch.load(stock / 'epoch_2.pth', weights_only=False)
    b = torch.load(ours / 'epoch_2.pth', weights_only=False)
    for key in a['state_dict']:
        assert torch.equal(a['state_dict'][key], b['state_dict'][key])
    assert (a['message_hub']['runtime_info']['keep_ckpt_ids'] ==
            b['message_hub']['runtime_info']['keep_ckpt_ids'] == [2])


def test_remote_out_dir_keeps_its_backend():
    from mmpose_kd.engine.hooks import AtomicCheckpointHook

    class FakeRunner:
        work_dir = 's3://bucket/run'

    hook = AtomicCheckpointHook(interval=1)
    hook.out_dir = 's3://bucket/run'
    try:
        hook.before_train(FakeRunner())
    except Exception:
        pass  # no s3 client here; only the backend choice matters
    assert hook.backend_args is None


def test_train_tool_swaps_the_stock_hook_and_adds_random_states():
    cfg = Config(
        dict(
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=5))))
    apply_runtime_defaults(cfg)
    assert cfg.default_hooks.checkpoint == dict(
        type='AtomicCheckpointHook', interval=5)
    assert [h['type'] for h in cfg.custom_hooks] == ['RandomStateHook']
    apply_runtime_defaults(cfg)  # idempotent
    assert [h['type'] for h in cfg.custom_hooks] == ['RandomStateHook']
    custom = Config(
        dict(default_hooks=dict(checkpoint=dict(type='MyCheckpointHook'))))
    apply_runtime_defaults(custom)
    assert custom.default_hooks.checkpoint.type == 'MyCheckpointHook'
