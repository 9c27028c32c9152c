"""Turn a training checkpoint into a plain mmpose checkpoint of the model that
is used at test time (DWPose: the student; SSPCM: network C)."""
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from .checkpoint import (extract_state_dict, save_checkpoint_atomic,
                         strip_prefix)

#: SSPCM's three networks: key (as ``--which`` names it) -> attribute of
#: ``SSPCMPoseEstimator`` (and key of its config); a network's weights live
#: under ``<attribute>.`` in the estimator's state dict. The shipped one, C,
#: is also the estimator's ``deploy_prefix``; A and B are exported on
#: request (``export_sspcm_student(which=...)``,
#: ``tools/export_student.py --which``).
SSPCM_NETWORK_ATTRS = OrderedDict(A='network_a', B='network_b', C='network_c')


def sspcm_network_prefix(which: str) -> str:
    """State-dict prefix of SSPCM network ``which`` ('A', 'B' or 'C'), for
    exporting a network other than the shipped C."""
    return SSPCM_NETWORK_ATTRS[which] + '.'


def model_class(model) -> Optional[type]:
    """The class of ``model``: a model, a class or a type name registered in
    mmpose's ``MODELS`` (this package's models included); ``None`` for an
    unknown name."""
    if isinstance(model, type):
        return model
    if not isinstance(model, str):
        return type(model)
    from mmpose.registry import MODELS

    import mmpose_kd.models  # noqa: F401  (registers this package's models)
    try:
        found = MODELS.get(model)
    except KeyError:
        found = None
    return found if isinstance(found, type) else None


def deploy_prefix(model) -> Optional[str]:
    """State-dict prefix of the network that ``model`` (a model, a class or
    a registered type name) ships: its class attribute ``deploy_prefix``
    (``TrainableWrapper`` subclasses: ``'student.'`` for
    ``DWPoseTwoStageDistiller``, ``'network_c.'`` for
    ``SSPCMPoseEstimator``); ``None`` when it names none (a plain
    estimator, an unknown name)."""
    cls = model_class(model)
    prefix = getattr(cls, 'deploy_prefix', None)
    if isinstance(prefix, str) and prefix:
        return prefix
    return None


def training_prefixes() -> Tuple[str, ...]:
    """Every state-dict prefix under which a known training model keeps its
    networks (deploy prefixes and SSPCM's A, B, C), sorted: keys under one
    of them mark a training (wrapper) checkpoint."""
    from mmpose_kd.models.base import TrainableWrapper
    prefixes = {sspcm_network_prefix(key) for key in SSPCM_NETWORK_ATTRS}
    todo = list(TrainableWrapper.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if isinstance(cls.deploy_prefix, str) and cls.deploy_prefix:
            prefixes.add(cls.deploy_prefix)
    return tuple(sorted(prefixes))


def deploy_state_dict(state_dict: Dict[str, torch.Tensor],
                      prefix: str) -> Dict[str, torch.Tensor]:
    """Keys of the deployed network, without the prefix and without the
    training-only data_preprocessor buffers (stock estimators have none)."""
    sd = strip_prefix(extract_state_dict(state_dict), prefix)
    if not sd:
        raise ValueError(f'No weights under {prefix!r} in the checkpoint.')
    return OrderedDict((k, v) for k, v in sd.items()
                       if not k.startswith('data_preprocessor.'))


def export_checkpoint(checkpoint: dict, out_path: str, prefix: str) -> dict:
    """Write ``{'state_dict', 'meta'}`` for the deployed network; the meta
    keeps ``dataset_meta`` so ``mmpose.apis.init_model`` finds keypoint
    names and flip pairs."""
    meta = dict(checkpoint.get('meta', {}) or {})
    exported = dict(
        state_dict=deploy_state_dict(checkpoint, prefix),
        meta={
            k: meta[k]
            for k in ('dataset_meta', 'epoch', 'iter', 'mmengine_version')
            if k in meta
        })
    exported['meta']['exported_from_prefix'] = prefix
    save_checkpoint_atomic(exported, out_path)
    return exported
