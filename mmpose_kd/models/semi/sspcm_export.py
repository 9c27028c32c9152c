"""One network of an SSPCM checkpoint as a plain mmpose checkpoint."""
from collections import OrderedDict

from mmpose_kd.utils.export import sspcm_network_prefix
from .sspcm_config import NETWORK_ATTRS


def export_sspcm_student(checkpoint: dict, which: str = 'C') -> 'OrderedDict':
    """Turn an SSPCM state dict (or a whole checkpoint with ``state_dict``)
    into the state dict of one plain mmpose ``TopdownPoseEstimator``.

    Keys ``network_c.<rest>`` (for ``which='C'``) become ``<rest>``; keys of
    the other networks are dropped; a DDP ``module.`` prefix is removed
    first. Raises KeyError if the state dict holds no such network.
    """
    if which not in NETWORK_ATTRS:
        raise ValueError(f'export_sspcm_student: which must be one of '
                         f'{list(NETWORK_ATTRS)}, got {which!r}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    prefix = sspcm_network_prefix(which)
    exported = OrderedDict()
    for key, value in state_dict.items():
        if key.startswith('module.'):
            key = key[len('module.'):]
        if key.startswith(prefix):
            exported[key[len(prefix):]] = value
    if not exported:
        some = list(state_dict)[:5]
        raise KeyError(f'export_sspcm_student: no {prefix!r} keys in the '
                       f'state dict (first keys: {some}); is this an '
                       'SSPCMPoseEstimator checkpoint?')
    return exported
