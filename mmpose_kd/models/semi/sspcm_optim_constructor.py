"""One optimizer wrapper per SSPCM network (the 'separate' update scheme)."""
import copy
from collections import OrderedDict

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmpose.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .sspcm_config import NETWORK_ATTRS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SSPCMOptimWrapperConstructor:
    """Build an ``OptimWrapperDict`` with keys A, B, C, one optimizer wrapper
    over each network of an ``SSPCMPoseEstimator`` (SSPCM, Huang et al.,
    CVPR 2023, Sec. 3: the networks' updates as separate steps, the
    ``update_scheme='separate'`` option).

    Either one setting for all three networks::

        optim_wrapper = dict(constructor='SSPCMOptimWrapperConstructor',
                             optimizer=dict(type='Adam', lr=1e-3))

    or one per network (any key left out is an error)::

        optim_wrapper = dict(constructor='SSPCMOptimWrapperConstructor',
                             A=dict(optimizer=dict(type='Adam', lr=1e-3)),
                             B=dict(optimizer=dict(type='Adam', lr=1e-3)),
                             C=dict(optimizer=dict(type='Adam', lr=2e-3)))

    Each setting is an ordinary mmengine optim-wrapper config (``type``,
    ``optimizer``, ``clip_grad``, ``paramwise_cfg``…), built with mmengine's
    ``DefaultOptimWrapperConstructor`` on that network alone.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        per_network = [key for key in NETWORK_ATTRS if key in cfg]
        if per_network:
            missing = [key for key in NETWORK_ATTRS if key not in cfg]
            extra = [key for key in cfg if key not in NETWORK_ATTRS]
            if missing or extra:
                raise KeyError(
                    'SSPCMOptimWrapperConstructor: per-network settings need '
                    f'exactly the keys {list(NETWORK_ATTRS)}; missing '
                    f'{missing}, unexpected {extra}')
            if paramwise_cfg is not None:
                raise KeyError(
                    'SSPCMOptimWrapperConstructor: put paramwise_cfg inside '
                    'the A/B/C settings, not beside them')
            self.network_cfgs = OrderedDict(
                (key, dict(cfg[key])) for key in NETWORK_ATTRS)
        else:
            if 'optimizer' not in cfg:
                raise KeyError(
                    'SSPCMOptimWrapperConstructor needs either `optimizer` '
                    f'(shared by A, B, C) or keys {list(NETWORK_ATTRS)}; '
                    f'got keys {sorted(cfg)}')
            if paramwise_cfg is not None:
                cfg['paramwise_cfg'] = paramwise_cfg
            self.network_cfgs = OrderedDict(
                (key, copy.deepcopy(cfg)) for key in NETWORK_ATTRS)

    def __call__(self, model) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = OrderedDict()
        for key, attr in NETWORK_ATTRS.items():
            network = getattr(model, attr, None)
            if network is None:
                raise AttributeError(
                    f'SSPCMOptimWrapperConstructor: the model '
                    f'({type(model).__name__}) has no {attr}; it is meant '
                    'for SSPCMPoseEstimator')
            if is_model_wrapper(network):
                network = network.module
            cfg = copy.deepcopy(self.network_cfgs[key])
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[key] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                network)
        return OptimWrapperDict(**wrappers)
