"""Checkpoint reading that stays safe under torch>=2.6 (``weights_only=True``
by default) and the state-dict surgery both methods need.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``. From torch 2.6
that means ``weights_only=True``, and an mmengine/mmpose checkpoint then fails
to load because it pickles numpy arrays (``dataset_meta``) and mmengine's
``HistoryBuffer`` (the message hub). Instead of turning ``weights_only`` off,
which would let any pickled code run, we add exactly those types to torch's
allow-list of safe globals. Every ``torch.load`` (ours and mmengine's) keeps
refusing arbitrary objects.
"""
import os.path as osp
import pickle
from collections import OrderedDict
from typing import Dict, Iterable

import numpy as np
import torch

from .atomic_io import atomic_target

_REGISTERED = False


def _numpy_safe_globals():
    """The numpy types a pickled ndarray/np scalar refers to."""
    found = [np.ndarray, np.dtype]
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            mod = __import__(mod_name, fromlist=['_reconstruct'])
        except ImportError:
            continue
        found += [mod._reconstruct, mod.scalar]
        break
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return found


def _history_buffer_getattr(obj, name):
    """Stands in for ``builtins.getattr`` while unpickling.

    mmengine pickles each ``HistoryBuffer`` with its statistics methods,
    which pickle refers to as ``getattr(HistoryBuffer, 'mean')``. Allowing
    the real ``getattr`` would open every attribute of every allowed object;
    this one resolves only the methods of ``HistoryBuffer``."""
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and callable(HistoryBuffer.__dict__.get(name)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint')


def register_checkpoint_safe_globals() -> None:
    """Allow (only) the types mmengine and mmpose write into checkpoints."""
    global _REGISTERED
    if _REGISTERED or not hasattr(torch.serialization, 'add_safe_globals'):
        return
    from mmengine.logging.history_buffer import HistoryBuffer
    torch.serialization.add_safe_globals(_numpy_safe_globals() + [
        HistoryBuffer, OrderedDict,
        (_history_buffer_getattr, 'builtins.getattr')
    ])
    _REGISTERED = True


def load_checkpoint_file(path: str,
                         config_key: str = 'checkpoint',
                         map_location='cpu') -> dict:
    """Load a checkpoint with ``weights_only=True``; errors name the file and
    the config key it came from."""
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'Checkpoint {path!r} (config key `{config_key}`) does not exist.')
    register_checkpoint_safe_globals()
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        # torch's message is long; keep its reason.
        reason = str(e).split('WeightsUnpickler error:')[-1].strip()
        reason = reason.split('\n')[0].strip() or str(e)[:200]
        raise RuntimeError(
            f'Checkpoint {path!r} (config key `{config_key}`) could not be '
            'read: it is not a torch checkpoint, or it holds objects that are '
            f'not allowed to be unpickled safely ({reason}).') from e
    except Exception as e:  # truncated, not a torch file, ...
        raise RuntimeError(
            f'Checkpoint {path!r} (config key `{config_key}`) could not be '
            f'read: {type(e).__name__}: {e}') from e


def extract_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The model weights of a checkpoint (``state_dict`` key or the dict
    itself), with DDP's ``module.`` prefix removed."""
    sd = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else checkpoint
    if not isinstance(sd, dict):
        raise ValueError('checkpoint has no state_dict')
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in sd.items())


def strip_prefix(state_dict: Dict[str, torch.Tensor],
                 prefix: str) -> Dict[str, torch.Tensor]:
    """Keys under ``prefix`` (e.g. ``'student.'``), with the prefix removed."""
    return OrderedDict((k[len(prefix):], v) for k, v in state_dict.items()
                       if k.startswith(prefix))


def summarize_keys(keys: list, most: int = 5) -> str:
    """The first ``most`` of ``keys`` for an error message (with the count
    when there are more), or ``'none'``."""
    more = f' ... ({len(keys)} in all)' if len(keys) > most else ''
    return (', '.join(keys[:most]) + more) or 'none'


def load_into(module: torch.nn.Module,
              state_dict: Dict[str, torch.Tensor],
              source: str,
              config_key: str,
              ignore_prefixes: Iterable[str] = ()) -> None:
    """Strictly load ``state_dict`` into ``module``; a mismatch raises one
    error naming the source, the config key, and the missing/unexpected keys
    (the usual sign of a checkpoint for another architecture)."""
    state_dict = OrderedDict((k, v) for k, v in state_dict.items()
                             if not k.startswith(tuple(ignore_prefixes)))
    own = module.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shape = [
        f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state_dict.items()
        if k in own and tuple(v.shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shape:
        raise ValueError(
            f'Checkpoint {source!r} (config key `{config_key}`) does not '
            f'match the model built from the config: missing keys: '
            f'{summarize_keys(missing)}; unexpected keys: '
            f'{summarize_keys(unexpected)}; shape mismatches: '
            f'{summarize_keys(shape)}.')
    module.load_state_dict(state_dict, strict=True)


def save_checkpoint_atomic(checkpoint: dict, path: str) -> None:
    """Write to a temporary file beside ``path`` then rename: a crash while
    writing never leaves a truncated file at ``path``."""
    with atomic_target(path) as tmp:
        torch.save(checkpoint, tmp)
