"""Test-only: what each rank of a multi-process training run did.

A config of ``tests/test_tools/test_dist_train.py`` imports this module with
``custom_imports`` (the test puts ``tests/`` on the subprocesses'
PYTHONPATH) and adds ``dict(type='DistRecordHook', out_dir=...)``. At the
end of training every rank writes ``<out_dir>/rank<r>.pt`` with:

* ``seen``: per iteration, the epoch and the ids of the samples of its
  batch (``labeled``/``unlabeled`` parts for SSPCM's dict batches);
* ``dataset_ids``: the ids of the epoch-defining dataset;
* ``state``: the model's state dict (unwrapped from DDP), on the CPU;
* ``frozen``: the state dicts of the networks that must never be synced
  (DWPose's ``teacher``, SSPCM's snapshots ``A'``, ``B'``), and
  ``frozen_shared``: those of them with a tensor that is also a tensor of
  the DDP-wrapped model (what DDP and ``SyncBuffersHook`` all-reduce);
* ``skipped``: per epoch end, this rank's count of image loads skipped by
  ``CheckedLoadImage(on_error='skip')`` so far (its own skip counters, not
  summed over ranks);
* ``log_files``: the files the rank's logger writes to;
* ``writes``: every file under the work dir that this process opened for
  writing or renamed to (``open``/``io.open``/``cv2.imwrite``/``os.replace``
  /``os.rename`` are audited from the import of this module on, which
  precedes the Runner).
"""
import builtins
import io
import logging
import os
import os.path as osp
from itertools import chain

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

#: absolute paths this process opened for writing, in order
WRITES = []


def _audit(path) -> None:
    if isinstance(path, (str, bytes, os.PathLike)):
        WRITES.append(osp.abspath(os.fsdecode(path)))


def _install_write_audit() -> None:
    real_open = builtins.open
    if getattr(real_open, 'dist_record_audit', False):
        return

    def audited_open(file, mode='r', *args, **kwargs):
        if any(flag in mode for flag in 'wax+'):
            _audit(file)
        return real_open(file, mode, *args, **kwargs)

    audited_open.dist_record_audit = True
    builtins.open = io.open = audited_open
    for name in ('replace', 'rename'):  # atomic writes: temporary -> final
        real = getattr(os, name)

        def audited_move(src, dst, *args, _real=real, **kwargs):
            _audit(dst)
            return _real(src, dst, *args, **kwargs)

        setattr(os, name, audited_move)
    try:
        import cv2
    except ImportError:
        return
    real_imwrite = cv2.imwrite

    def audited_imwrite(filename, *args, **kwargs):
        _audit(filename)
        return real_imwrite(filename, *args, **kwargs)

    cv2.imwrite = audited_imwrite


_install_write_audit()


def _batch_ids(data_batch) -> dict:
    if 'data_samples' in data_batch:
        return {'': [s.id for s in data_batch['data_samples']]}
    return {
        part: [s.id for s in batch['data_samples']]
        for part, batch in data_batch.items()
    }


def _frozen_networks(model) -> dict:
    teacher = getattr(model, 'teacher', None)
    if teacher is not None:
        return {'teacher': teacher}
    snapshots = getattr(model, 'snapshots', None)
    if snapshots is not None:
        return {"A'": snapshots[0], "B'": snapshots[1]}
    return {}


def _cpu_state(module) -> dict:
    return {
        k: v.detach().cpu().clone()
        for k, v in module.state_dict().items()
    }


@HOOKS.register_module()
class DistRecordHook(Hook):
    """Write what this rank saw and ended with (see the module docstring)."""

    priority = 'LOWEST'  # after_train: after every other hook

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.seen = []
        self.skipped = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.seen.append(
            dict(
                epoch=runner.epoch,
                iter=runner.iter,
                ids=_batch_ids(data_batch)))

    def after_train_epoch(self, runner):
        from mmpose_kd.engine.hooks.skipped_image_count_hook import \
            find_skip_counters
        self.skipped.append(
            sum(
                c.value
                for c in find_skip_counters([runner.train_dataloader])))

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        synced = {
            t.data_ptr()
            for t in chain(runner.model.parameters(), runner.model.buffers())
            if t.numel()
        }
        frozen = _frozen_networks(model)
        frozen_shared = [
            name for name, net in frozen.items()
            if any(t.data_ptr() in synced
                   for t in chain(net.parameters(), net.buffers())
                   if t.numel())
        ]
        dataset = runner.train_dataloader.dataset
        work_dir = osp.abspath(runner.work_dir) + os.sep
        record = dict(
            rank=runner.rank,
            world_size=runner.world_size,
            iters=runner.iter,
            epochs=runner.epoch,
            seen=self.seen,
            dataset_ids=[
                dataset.get_data_info(i)['id'] for i in range(len(dataset))
            ],
            state=_cpu_state(model),
            frozen={name: _cpu_state(net)
                    for name, net in frozen.items()},
            frozen_shared=frozen_shared,
            skipped=self.skipped,
            log_files=[
                h.baseFilename for h in runner.logger.handlers
                if isinstance(h, logging.FileHandler)
            ],
            writes=[p for p in WRITES if p.startswith(work_dir)],
        )
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(record, osp.join(self.out_dir, f'rank{runner.rank}.pt'))
