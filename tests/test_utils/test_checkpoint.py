"""Checkpoint loading stays weights_only=True and still reads mmengine's
checkpoints; writes are atomic."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmpose_kd.utils.checkpoint import (load_checkpoint_file,
                                        save_checkpoint_atomic)


def test_reads_mmengine_style_checkpoint(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.5)
    ckpt = dict(
        state_dict={'w': torch.ones(2)},
        meta=dict(
            dataset_meta=dict(sigmas=np.ones(3, np.float32)),
            seed=np.int64(3)),
        message_hub=dict(log_scalars={'train/loss': buf}))
    path = tmp_path / 'c.pth'
    torch.save(ckpt, path)
    out = load_checkpoint_file(str(path))
    assert torch.equal(out['state_dict']['w'], torch.ones(2))
    assert out['message_hub']['log_scalars']['train/loss'].current() == 1.5
    np.testing.assert_array_equal(out['meta']['dataset_meta']['sigmas'],
                                  np.ones(3))
    # mmengine's own loader (plain torch.load) works too
    from mmengine.runner.checkpoint import _load_checkpoint
    assert 'message_hub' in _load_checkpoint(str(path))


class Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


def test_refuses_arbitrary_code(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, path)
    with pytest.raises(RuntimeError, match='not allowed to be unpickled'):
        load_checkpoint_file(str(path))


def test_getattr_stand_in_only_resolves_history_buffer_methods():
    from mmpose_kd.utils.checkpoint import _history_buffer_getattr
    assert _history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        _history_buffer_getattr(np, 'load')
    with pytest.raises(pickle.UnpicklingError):
        _history_buffer_getattr(HistoryBuffer, '__init_subclass__')


def test_missing_file_names_path_and_key(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'nope\.pth.*`model.x`'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'), 'model.x')


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / 'latest.pth'
    save_checkpoint_atomic({'a': torch.zeros(1)}, str(path))

    def crash(obj, f, *a, **k):
        with open(f, 'wb') as fh:
            fh.write(b'trunc')
        raise OSError('disk full')

    monkeypatch.setattr(torch, 'save', crash)
    with pytest.raises(OSError):
        save_checkpoint_atomic({'a': torch.ones(1)}, str(path))
    monkeypatch.undo()
    # the previous complete checkpoint is intact
    assert torch.equal(load_checkpoint_file(str(path))['a'], torch.zeros(1))
