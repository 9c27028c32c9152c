"""The network that ships, rebuilt from a training config and checkpoint.

DWPose ships the distiller's student (stage 1: the distilled student; stage
2: the frozen stage-1 trunk with the self-distilled head); SSPCM ships
network C (or A/B on request); an exported student ships as is. This module
turns any of those (config + checkpoint) into a stock mmpose
``TopdownPoseEstimator`` holding exactly the weights that
``tools/export_student.py`` would write, plus what a deployment runtime
needs to feed and decode it: input size, normalisation, channel order and
codec. The weights are taken by the project's one export path (the
wrapper's ``deploy_prefix``, read by
:func:`mmpose_kd.utils.export.deploy_prefix`;
:func:`mmpose_kd.models.semi.export_sspcm_student`), and a
``TrainableWrapper`` names its network's config
(``deploy_network_cfg``), so ONNX and ``.pth`` exports can never disagree
about which network ships.

Nothing here imports onnx; :mod:`mmpose_kd.deploy.onnx_export` does, lazily.
"""
import copy
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from mmpose_kd.utils.checkpoint import (extract_state_dict,
                                        load_checkpoint_file, load_into)
from mmpose_kd.utils.export import (SSPCM_NETWORK_ATTRS, deploy_prefix,
                                    deploy_state_dict, model_class,
                                    training_prefixes)

#: SSPCM's estimator (a ``TrainableWrapper`` whose deploy network is C)
#: and its networks, any of which ``which`` can select.
SSPCM_TYPE = 'SSPCMPoseEstimator'
SSPCM_NETWORKS = tuple(SSPCM_NETWORK_ATTRS)

#: Output names of the exported graph, by codec family: the names mmdeploy
#: gives RTMPose models (and that rtmlib's RTMPose reads in this order).
SIMCC_OUTPUTS = ('simcc_x', 'simcc_y')
HEATMAP_OUTPUTS = ('heatmaps', )
SIMCC_CODECS = ('SimCCLabel', )


@dataclass
class DeployedNetwork:
    """A stock mmpose estimator with the shipped weights, in eval mode, and
    what a runtime needs to reproduce mmpose's inference around it.

    Attributes:
        model: the ``TopdownPoseEstimator`` (eval mode, weights loaded).
        model_cfg: its model config.
        description: one line naming what was taken from where.
        input_size: network input ``(w, h)``.
        mean, std: per-channel normalisation in the network's channel order
            (None: the network sees raw pixel values).
        channel_order: 'RGB' when mmpose's preprocessor converts the loaded
            BGR image (``bgr_to_rgb=True``), else 'BGR'.
        codec: the head's decoder config (``SimCCLabel``, ``MSRAHeatmap``...).
        output_names: ``('simcc_x', 'simcc_y')`` or ``('heatmaps',)``.
        dataset_meta: the checkpoint's ``meta.dataset_meta`` (or None).
        notes: differences between the exported single forward and the
            config's mmpose inference (flip test, DARK...), for the log.
    """
    model: nn.Module
    model_cfg: ConfigDict
    description: str
    input_size: Tuple[int, int]
    mean: Optional[List[float]]
    std: Optional[List[float]]
    channel_order: str
    codec: dict
    output_names: Tuple[str, ...]
    dataset_meta: Optional[dict] = None
    notes: List[str] = field(default_factory=list)

    @property
    def is_simcc(self) -> bool:
        return self.output_names == SIMCC_OUTPUTS


class TensorForward(nn.Module):
    """``estimator(inputs, mode='tensor')`` as a one-input module: backbone,
    neck and head forward, no decoding, no flip test: the graph mmdeploy
    exports for top-down models and rtmlib runs. Always returns a tuple,
    so SimCC (x, y) and heatmap outputs export the same way."""

    def __init__(self, estimator: nn.Module):
        super().__init__()
        self.estimator = estimator

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        out = self.estimator(inputs, None, mode='tensor')
        return tuple(out) if isinstance(out, (tuple, list)) else (out, )


def _config(config: Union[str, Config]) -> Config:
    if isinstance(config, Config):
        return config
    from mmpose_kd.utils.config import resolve_config_path
    return Config.fromfile(resolve_config_path(config))


def wrapper_class(model_type) -> Optional[type]:
    """The ``TrainableWrapper`` subclass registered as ``model_type``, or
    None (a plain estimator)."""
    from mmpose_kd.models.base import TrainableWrapper
    cls = model_class(model_type) if isinstance(model_type, str) else None
    return cls if isinstance(cls, type) and issubclass(
        cls, TrainableWrapper) else None


def _plain(cfg) -> dict:
    return cfg.to_dict() if hasattr(cfg, 'to_dict') else copy.deepcopy(
        dict(cfg))


def _sspcm_network_cfg(model: ConfigDict, which: str) -> ConfigDict:
    # As SSPCMPoseEstimator builds them: B and C default to A's config;
    # each a dict, a config file or dict(config=, overrides=).
    return wrapper_class(SSPCM_TYPE).network_cfg(model, which)


def _preprocessor_cfg(model: ConfigDict,
                      network_cfg: ConfigDict) -> Optional[dict]:
    """The pose preprocessor that feeds the network at test time: the
    wrapper's when it sets one (unwrapping SSPCM's
    ``SemiPoseDataPreprocessor``), else the network config's own, else
    (SSPCM) network C's, as the wrappers choose it."""
    candidates = []
    if model.get('type') == SSPCM_TYPE or wrapper_class(model.get('type')):
        candidates.append(model.get('data_preprocessor'))
    candidates.append(network_cfg.get('data_preprocessor'))
    if model.get('type') == SSPCM_TYPE:
        candidates.append(
            _sspcm_network_cfg(model, 'C').get('data_preprocessor'))
    for cfg in candidates:
        if isinstance(cfg, dict) and cfg.get('type') == \
                'SemiPoseDataPreprocessor':
            cfg = cfg.get('data_preprocessor')
        if isinstance(cfg, dict):
            return _plain(cfg)
    return None


def resolve_network_cfg(cfg: Config,
                        which: Optional[str] = None
                        ) -> Tuple[ConfigDict, str, Optional[str]]:
    """``(network model config, description, which)`` for a training config
    (DWPose distiller, SSPCM estimator) or a plain estimator config.

    Raises:
        ValueError: ``which`` given for a model that has no networks A/B/C,
            or not one of A, B, C.
    """
    if 'model' not in cfg:
        raise KeyError(f'Config {cfg.filename!r} has no `model`.')
    model = cfg.model
    model_type = model.get('type')
    if which is not None and model_type != SSPCM_TYPE:
        raise ValueError(
            f'--which {which!r} selects an SSPCM network, but the config '
            f'{cfg.filename!r} builds model.type={model_type!r}.')
    if model_type == SSPCM_TYPE:  # C (its deploy network), or A/B
        which = (which or 'C').upper()
        if which not in SSPCM_NETWORKS:
            raise ValueError(f'--which must be one of {SSPCM_NETWORKS} for '
                             f'an SSPCM checkpoint, got {which!r}.')
        return (_sspcm_network_cfg(model, which),
                f'{SSPCM_TYPE}: network {which}', which)
    wrapper = wrapper_class(model_type)
    if wrapper is not None:  # e.g. DWPose: the student
        return (wrapper.deploy_network_cfg(model),
                wrapper.describe_deploy_network(model), None)
    prefix = deploy_prefix(model_type) if model_type else None
    if prefix is not None:
        raise ValueError(
            f'Config {cfg.filename!r}: model.type={model_type!r} has a deploy '
            f'prefix ({prefix!r}) but no known network '
            'config; export it with tools/export_student.py first and pass '
            'the network\'s own config.')
    return ConfigDict(_plain(model)), f'{model_type}: the model itself', None


def deployed_state_dict(cfg: Config, checkpoint: dict, checkpoint_path: str,
                        which: Optional[str]) -> Dict[str, torch.Tensor]:
    """The shipped network's weights, by the project's export path."""
    model_type = cfg.model.get('type')
    if model_type == SSPCM_TYPE:
        from mmpose_kd.models.semi import export_sspcm_student
        return export_sspcm_student(checkpoint, which)
    prefix = deploy_prefix(model_type) if model_type else None
    if prefix is not None:
        return deploy_state_dict(checkpoint, prefix)
    state_dict = extract_state_dict(checkpoint)
    prefixes = training_prefixes()
    wrapped = sorted({
        k.split('.', 1)[0] + '.'
        for k in state_dict if k.startswith(prefixes)
    })
    if wrapped and not any(
            k.startswith(('backbone.', 'head.')) for k in state_dict):
        raise ValueError(
            f'Checkpoint {checkpoint_path!r} is a training checkpoint (keys '
            f'under {wrapped}), but the config builds model.type='
            f'{model_type!r}: pass the training config it was written with '
            '(the distiller or SSPCM config), or export it first with '
            'tools/export_student.py.')
    return state_dict


def _input_size(head: dict,
                override: Optional[Sequence[int]]) -> Tuple[int, int]:
    if override is not None:
        if len(override) != 2 or min(override) <= 0:
            raise ValueError(f'--input-size takes W H > 0, got {override}')
        return int(override[0]), int(override[1])
    for source in (head.get('decoder') or {}, head):
        size = source.get('input_size')
        if size is not None:
            return int(size[0]), int(size[1])
    raise ValueError('The network config names no input size (head.decoder.'
                     'input_size or head.input_size); pass --input-size W H.')


def _notes(model_cfg: ConfigDict, codec: dict,
           channel_order: str) -> List[str]:
    """What mmpose does at test time that the single exported forward and
    rtmlib's decode do not."""
    notes = []
    test_cfg = model_cfg.get('test_cfg') or {}
    if test_cfg.get('flip_test', False):
        notes.append(
            'the config tests with flip_test=True: mmpose averages the '
            'prediction of the flipped image; the ONNX graph (as mmdeploy\'s '
            'and rtmlib\'s models) is one forward without it. Compare with '
            'mmpose using --cfg-options model.test_cfg.flip_test=False.')
    if codec.get('type') in SIMCC_CODECS:
        if codec.get('use_dark', False):
            notes.append('the codec decodes with use_dark=True; rtmlib\'s '
                         'RTMPose decodes by arg-max without DARK.')
        ratio = float(codec.get('simcc_split_ratio', 2.0))
        if ratio != 2.0:
            notes.append(
                f'simcc_split_ratio={ratio}: rtmlib\'s RTMPose divides by '
                '2.0 (its postprocess default); its keypoints would be '
                f'scaled by 2/{ratio}. Decode with ratio {ratio} yourself.')
    else:
        notes.append(
            f'{codec.get("type")} heatmaps: rtmlib\'s RTMPose decodes only '
            'SimCC outputs; its ViTPose class decodes heatmaps with UDP+DARK, '
            'which is not this codec\'s decode (expect sub-heatmap-pixel '
            'differences).')
    if channel_order == 'RGB':
        notes.append(
            'the network takes RGB: rtmlib does not convert the BGR image '
            'that cv2.imread returns, so give rtmlib image[..., ::-1] to get '
            'mmpose\'s keypoints.')
    return notes


def build_deployed_network(config: Union[str, Config],
                           checkpoint: str,
                           which: Optional[str] = None,
                           input_size: Optional[Sequence[int]] = None
                           ) -> DeployedNetwork:
    """Rebuild the shipped network of ``checkpoint`` from ``config``.

    Args:
        config: a DWPose distiller config (stage 1 or 2), an SSPCM config,
            or a plain mmpose estimator config (for an exported student).
        checkpoint: the matching training or exported checkpoint.
        which: SSPCM only: network 'A', 'B' or 'C' (default C).
        input_size: ``(w, h)`` to export at; defaults to the config's.

    Raises:
        FileNotFoundError/RuntimeError: the checkpoint is missing/unreadable.
        ValueError: the checkpoint does not fit the config (the error lists
            missing and unexpected keys), a bad ``which``, or an input size
            the head cannot take.
    """
    from mmpose.registry import MODELS

    import mmpose_kd  # noqa: F401  (registers our modules and prefixes)

    cfg = _config(config)
    network_cfg, description, which = resolve_network_cfg(cfg, which)
    ckpt = load_checkpoint_file(checkpoint, 'checkpoint')
    state_dict = deployed_state_dict(cfg, ckpt, checkpoint, which)

    head = network_cfg.get('head') or {}
    codec = _plain(head.get('decoder') or {})
    size = _input_size(head, input_size)
    preprocessor = _preprocessor_cfg(cfg.model, network_cfg) or {}
    network_cfg = copy.deepcopy(network_cfg)
    if preprocessor:
        network_cfg['data_preprocessor'] = preprocessor
    # mmengine's BaseModel builds the data_preprocessor from the current
    # default scope's registry: without 'mmpose' it finds no
    # PoseDataPreprocessor (tools/train.py gets the scope from the runner).
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(network_cfg)
    load_into(
        model,
        state_dict,
        checkpoint,
        'checkpoint',
        ignore_prefixes=('data_preprocessor.', ))
    model.eval()

    meta = (ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
    channel_order = 'RGB' if preprocessor.get('bgr_to_rgb') else 'BGR'
    output_names = (
        SIMCC_OUTPUTS
        if codec.get('type') in SIMCC_CODECS else HEATMAP_OUTPUTS)
    network = DeployedNetwork(
        model=model,
        model_cfg=network_cfg,
        description=f'{description} ({len(state_dict)} tensors from '
        f'{checkpoint})',
        input_size=size,
        mean=_floats(preprocessor.get('mean')),
        std=_floats(preprocessor.get('std')),
        channel_order=channel_order,
        codec=codec,
        output_names=output_names,
        dataset_meta=meta.get('dataset_meta'),
        notes=_notes(network_cfg, codec, channel_order))
    check_forward(network)
    return network


def _floats(values) -> Optional[List[float]]:
    return None if values is None else [float(v) for v in values]


@torch.no_grad()
def check_forward(network: DeployedNetwork) -> Tuple[torch.Tensor, ...]:
    """One forward at the export size: the outputs must be what the names
    promise (two 3-D SimCC tensors or one 4-D heatmap tensor) and, for
    SimCC, as long as the input times the split ratio, which is what
    rtmlib's decode assumes."""
    w, h = network.input_size
    try:
        outputs = TensorForward(network.model)(torch.zeros(1, 3, h, w))
    except Exception as err:
        built_for = (network.model_cfg.get('head') or {}).get('input_size')
        built_for = (f' (this head: head.input_size={tuple(built_for)})'
                     if built_for is not None else '')
        raise ValueError(
            f'The network does not run at input size {w}x{h} (w x h): '
            f'{type(err).__name__}: {err}. SimCC heads (RTMCCHead, RTMWHead) '
            f'are built for one input size{built_for}; export at that '
            'size.') from err
    shapes = [tuple(o.shape) for o in outputs]
    if network.is_simcc:
        ratio = float(network.codec.get('simcc_split_ratio', 2.0))
        expected = (int(w * ratio), int(h * ratio))
        if len(outputs) != 2 or any(o.dim() != 3 for o in outputs) or \
                (shapes[0][-1], shapes[1][-1]) != expected:
            raise ValueError(
                f'A {network.codec.get("type")} head should return simcc_x '
                f'[N, K, {expected[0]}] and simcc_y [N, K, {expected[1]}] at '
                f'input {w}x{h}; this network returns {shapes}.')
    elif len(outputs) != 1 or outputs[0].dim() != 4:
        raise ValueError(
            f'Codec {network.codec.get("type")!r}: expected one heatmap '
            f'tensor [N, K, H, W], the network returns {shapes}. Export '
            'supports SimCC (RTMPose/RTMW) and heatmap heads.')
    return outputs
