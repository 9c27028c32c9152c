"""Turn a training checkpoint into a plain mmpose checkpoint of the model that
is used at test time (DWPose: the student; SSPCM: network C)."""
from collections import OrderedDict
from typing import Dict

import torch

from .checkpoint import (extract_state_dict, save_checkpoint_atomic,
                         strip_prefix)

#: SSPCM's three networks: key (as ``--which`` names it) -> attribute of
#: ``SSPCMPoseEstimator`` (and key of its config); a network's weights live
#: under ``<attribute>.`` in the estimator's state dict.
SSPCM_NETWORK_ATTRS = OrderedDict(A='network_a', B='network_b', C='network_c')

#: Prefix of the test-time network inside each training model's state dict:
#: the one table of deploy prefixes (ExportStudentHook,
#: tools/export_student.py and mmpose_kd.deploy read it).
DEPLOY_PREFIXES = {
    'DWPoseTwoStageDistiller': 'student.',
    # only C is used at test time
    'SSPCMPoseEstimator': SSPCM_NETWORK_ATTRS['C'] + '.',
}


def sspcm_network_prefix(which: str) -> str:
    """State-dict prefix of SSPCM network ``which`` ('A', 'B' or 'C')."""
    return SSPCM_NETWORK_ATTRS[which] + '.'


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
