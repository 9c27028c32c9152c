"""What :class:`~.sspcm.SSPCMPoseEstimator` accepts: the defaults of
``semi_train_cfg`` and the validation of its constructor arguments (network
configs (:func:`network_configs`: specs resolved as DWPose's),
data preprocessor, update scheme, ``semi_test_cfg``) and of the
optimizer wrapper of the 'separate' scheme."""
import copy
from typing import Dict, Optional

from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapperDict
from mmpose.registry import MODELS
from torch import nn

from mmpose_kd.utils.export import SSPCM_NETWORK_ATTRS
from ..base import resolve_model_spec

#: Network key (optimizer key in the 'separate' scheme) -> attribute name;
#: defined with the deploy prefixes in :mod:`mmpose_kd.utils.export`.
NETWORK_ATTRS = SSPCM_NETWORK_ATTRS
UPDATE_SCHEMES = ('joint', 'separate')

#: What the networks A, B, C and the A+B ensemble are called in
#: ``semi_test_cfg.predict_on`` and by :class:`SSPCMValLoop` (metric prefix).
PREDICTABLE = ('A', 'B', 'AB', 'C')
MUTUAL_CONF_SOURCES = ('teacher', 'mean_ab')
PCM_CONF_SOURCES = ('fused_pair', 'mean_ab')
SNAPSHOT_BN_MODES = ('eval', 'train')
UNSUP_LOSS_REDUCTIONS = ('kept', 'all')
#: ``semi_train_cfg.pseudo_labels``: 'heatmap' = heatmaps fused, warped and
#: scored by a masked MSE (the paper's code; heatmap heads only);
#: 'coordinate' = keypoints decoded by each teacher's codec, encoded by the
#: student's, scored by its head's loss (any head, e.g. SimCC); 'auto' =
#: 'heatmap' when all three networks' codecs encode heatmaps.
PSEUDO_LABEL_PATHS = ('auto', 'heatmap', 'coordinate')
#: ``semi_train_cfg.pseudo_label_weight``: 'mask' = each kept keypoint
#: weighs 1 in the consistency loss (the paper's code); 'confidence' = it
#: weighs its confidence clipped to [0, 1] (coordinate path only).
PSEUDO_LABEL_WEIGHTS = ('mask', 'confidence')

#: Defaults of ``semi_train_cfg``. They keep this project's own choices; the
#: settings of the paper's code (hlz0606/SSPCM) are in
#: ``configs/sspcm/_base_/sspcm_official_training.py`` and docs/sspcm.md.
DEFAULT_SEMI_TRAIN_CFG = dict(
    # Which pseudo-label path (PSEUDO_LABEL_PATHS; docs/sspcm.md).
    pseudo_labels='auto',
    # How a kept keypoint weighs in the unsupervised losses of the
    # coordinate path (PSEUDO_LABEL_WEIGHTS). 'confidence' multiplies the
    # keep mask by the confidence the mask was thresholded on (the
    # teacher's score, or the mean of A's and B's as the *_conf_source keys
    # say; the fused pair's for C), clipped to [0, 1]. Why: a coordinate
    # pseudo label is a sharp target wherever the teacher's argmax lands,
    # however unsure it is, while the paper's heatmap pseudo label is the
    # teacher's heatmap itself, flat and weak where it is unsure; the
    # weight gives the coordinate path that softness back. The heatmap path
    # has it already and takes 'mask' only.
    pseudo_label_weight='mask',
    # Factor on each network's supervised loss terms (its head's loss, which
    # already carries the head's loss_weight). The paper's code takes
    # 0.5 * JointsMSELoss = 0.25 * mmpose's KeypointMSELoss: 0.25.
    sup_loss_weight=1.0,
    # Weights of the unsupervised losses.
    mutual_loss_weight=1.0,  # A <- B and B <- A on the hard view
    pcm_loss_weight=1.0,  # C <- PCM(A, B, A', B') on the hard view
    # How the masked unsupervised losses average: 'kept' = over the kept
    # heatmap elements (the loss scale does not depend on how many
    # keypoints pass the masks); 'all' = over all elements, masked ones as
    # zeros (the paper's code, JointsMSELoss = 0.5 * that mean, i.e. loss
    # weight 0.5).
    unsup_loss_reduction='kept',
    # Ramp both unsupervised weights up over the first iterations with
    # exp(-5 (1 - t)^2) (Laine & Aila, 2017); 0 = full weight from the start
    # (the paper). t = min(1, (i + 1) / unsup_warmup_iters) at the runner's
    # 0-based iteration i, which TrainingProgressHook sets before each
    # iteration: a warm-up needs that hook in custom_hooks.
    unsup_warmup_iters=0,
    # PCM thresholds: confidence (the paper's code: score_filter_thread 0.1)
    # and position inconsistency as a fraction of the heatmap diagonal
    # (kp_pixel_dist_filter_thread 0.6 in the paper's configs, which switch
    # that filter off: kp_pixel_dist_filter False; None here).
    conf_thr=0.1,
    inconsistency_thr=0.6,
    # Confidence threshold for the mutual A <-> B losses (a keypoint is
    # supervised when its confidence > thr); None keeps every keypoint.
    # The paper's code masks them at 0.1 (score_filter_thread).
    mutual_conf_thr=None,
    # The confidence compared with mutual_conf_thr: 'teacher' = the teaching
    # network's heatmap maximum; 'mean_ab' = the mean of A's and B's maxima,
    # one mask for both directions (the paper's code: score_mask in
    # lib/models/my_pose_triple.py).
    mutual_conf_source='teacher',
    # The confidence that C's keep mask compares with conf_thr: 'fused_pair'
    # = mean maximum of the pair the PCM fused (PCMResult.confidence);
    # 'mean_ab' = mean of the live A's and B's maxima whatever pair was
    # fused (the paper's code uses the same score_mask for C as for A, B).
    # The position-inconsistency filter (inconsistency_thr) applies either
    # way.
    pcm_conf_source='fused_pair',
    # How the snapshots A', B' run: 'eval' = running BN statistics (ours:
    # they predict as they would at test time); 'train' = batch statistics,
    # as the paper's code (last_epoch_model.train()), without updating the
    # snapshots' running statistics.
    snapshot_bn_mode='eval',
    # A keypoint whose pseudo position leaves the hard view is not
    # supervised, as mmpose gives out-of-image keypoints zero weight.
    mask_out_of_view=True,
    # Whether the students' hard-view passes update BatchNorm running
    # statistics. The paper's code lets them; then the statistics used at
    # test time mix in rotated, occluded, padded views. False normalises
    # the hard view with its batch statistics but leaves the running ones to
    # the labeled and easy views (closer to the test images).
    hard_view_bn_stats=True,
    # SSCO on the easy view (None switches it off, for ablations). A dict
    # without 'type' or with type 'SemiCutOcclude' updates these keys;
    # official_placement=True gives the released code's placement rules.
    cut_occlude=dict(
        type='SemiCutOcclude',
        num_patches=2,
        half_size_range=(10, 20),
        jitter_std=10.,
        ref_size=(192, 256)),
    # The hard view's extra affine, sampled per sample on the device.
    # shift_factor > 0 (not in the paper) also shifts the content by up to
    # that fraction of the image size: rotation and scale about the centre
    # leave the centre in place, so teachers that put every keypoint there
    # agree with each other across the views (docs/sspcm.md).
    hard_affine=dict(
        rot_std=30.,
        rot_clip=60.,
        rot_prob=0.8,
        scale_std=0.25,
        scale_range=(0.75, 1.25),
        shift_factor=0.),
)


def merge_semi_train_cfg(cfg: Optional[dict]) -> dict:
    """:data:`DEFAULT_SEMI_TRAIN_CFG` updated by ``cfg``, validated.

    Unknown keys raise KeyError and unknown choices ValueError. A partial
    ``hard_affine`` dict, and a ``cut_occlude`` dict without a type or of
    type 'SemiCutOcclude', update the defaults; ``hard_affine=None`` turns
    the extra affine off (theta = identity).
    """
    merged = copy.deepcopy(DEFAULT_SEMI_TRAIN_CFG)
    for key, value in (cfg or {}).items():
        if key not in merged:
            raise KeyError(f'SSPCMPoseEstimator: unknown semi_train_cfg key '
                           f'{key!r}; known keys: {sorted(merged)}')
        if key == 'hard_affine' and value is not None:
            merged[key].update(value)
        elif (key == 'cut_occlude' and value is not None
              and value.get('type', 'SemiCutOcclude') == 'SemiCutOcclude'):
            # A partial SemiCutOcclude dict (e.g. from --cfg-options
            # model.semi_train_cfg.cut_occlude.official_placement=True)
            # updates the default one; another type replaces it.
            merged[key].update(copy.deepcopy(value))
        else:
            merged[key] = copy.deepcopy(value)
    for key, choices in (('mutual_conf_source', MUTUAL_CONF_SOURCES),
                         ('pcm_conf_source', PCM_CONF_SOURCES),
                         ('snapshot_bn_mode', SNAPSHOT_BN_MODES),
                         ('unsup_loss_reduction', UNSUP_LOSS_REDUCTIONS),
                         ('pseudo_labels', PSEUDO_LABEL_PATHS),
                         ('pseudo_label_weight', PSEUDO_LABEL_WEIGHTS)):
        if merged[key] not in choices:
            raise ValueError(f'SSPCMPoseEstimator: semi_train_cfg.{key} '
                             f'must be one of {list(choices)}, got '
                             f'{merged[key]!r}')
    if merged['hard_affine'] is None:
        # No extra affine: theta = identity (rotation and scale off).
        merged['hard_affine'] = dict(
            rot_prob=0., scale_std=0., scale_range=(1., 1.))
    return merged


def pseudo_label_path(choice: str, networks: Dict[str, nn.Module]) -> str:
    """'heatmap' or 'coordinate' for ``semi_train_cfg.pseudo_labels``
    (``choice``) and the built networks {'A': ..., 'B': ..., 'C': ...}."""
    uses_heatmaps = {
        key: 'heatmaps' in getattr(
            getattr(getattr(network, 'head', None), 'decoder', None),
            'field_mapping_table', {})
        for key, network in networks.items()
    }
    if choice == 'auto':
        return 'heatmap' if all(uses_heatmaps.values()) else 'coordinate'
    if choice == 'heatmap' and not all(uses_heatmaps.values()):
        others = [key for key, value in uses_heatmaps.items() if not value]
        raise ValueError(
            "SSPCMPoseEstimator: semi_train_cfg.pseudo_labels='heatmap' "
            f'needs heatmap heads, but network(s) {others} have a codec '
            "that encodes no heatmaps; use 'coordinate' (or 'auto')")
    return choice


def merge_semi_test_cfg(cfg: Optional[dict]) -> dict:
    """``dict(predict_on='C')`` updated by ``cfg``, validated."""
    merged = {'predict_on': 'C', **(cfg or {})}
    if merged['predict_on'] not in PREDICTABLE:
        raise ValueError(
            'SSPCMPoseEstimator: semi_test_cfg.predict_on must be one of '
            f"{list(PREDICTABLE)}, got {merged['predict_on']!r}")
    return merged


def check_update_scheme(update_scheme: str) -> str:
    if update_scheme not in UPDATE_SCHEMES:
        raise ValueError(f'SSPCMPoseEstimator: update_scheme must be one '
                         f'of {UPDATE_SCHEMES}, got {update_scheme!r}')
    return update_scheme


def network_configs(network_a,
                    network_b=None,
                    network_c=None) -> Dict[str, ConfigDict]:
    """Own copies of the model configs of A, B, C (B and C default to A's),
    checked to be model configs whose heads have codecs.

    Each is given as :func:`~mmpose_kd.models.base.resolve_model_spec`
    takes it (as DWPose's student and teacher): a model config dict, a
    config file path whose ``model`` is taken (``mmpose::`` allowed) or
    ``dict(config=<path>, overrides=<dict>)``.
    """
    if network_a is None:
        raise TypeError('SSPCMPoseEstimator: network_a must be a model '
                        'config dict or a config file path, got None')
    resolved_a = resolve_model_spec(network_a, 'SSPCMPoseEstimator: network_a')
    configs = dict(A=resolved_a)
    for key, spec in (('B', network_b), ('C', network_c)):
        configs[key] = resolved_a if not spec else resolve_model_spec(
            spec, f'SSPCMPoseEstimator: network_{key.lower()}')
    for key, cfg in configs.items():
        if 'type' not in cfg:
            raise TypeError(f'SSPCMPoseEstimator: network_{key.lower()} must '
                            'be a model config dict with a type, got '
                            f'{cfg!r}')
        head = cfg.get('head') or {}
        if head and not head.get('decoder'):
            # Pseudo labels are decoded (and, on the coordinate path,
            # encoded) by the heads' codecs.
            raise ValueError(
                f'SSPCMPoseEstimator: network_{key.lower()} has a head '
                f"({head.get('type')!r}) without a codec; SSPCM needs "
                "head.decoder (e.g. MSRAHeatmap or SimCCLabel)")
    return {key: copy.deepcopy(cfg) for key, cfg in configs.items()}


def network_cfg(model_cfg: dict, which: str = 'C') -> ConfigDict:
    """The model config of network ``which`` ('A', 'B' or 'C') from an
    ``SSPCMPoseEstimator`` model config, as the estimator builds it (B and
    C default to A's)."""
    if which not in NETWORK_ATTRS:
        raise ValueError(f'SSPCMPoseEstimator has networks '
                         f'{list(NETWORK_ATTRS)}, not {which!r}')
    if not model_cfg.get('network_a'):
        raise KeyError('SSPCMPoseEstimator config has no `model.network_a`.')
    return network_configs(*(model_cfg.get(attr)
                             for attr in NETWORK_ATTRS.values()))[which]


def build_semi_preprocessor(data_preprocessor: Optional[dict],
                            network_c: dict) -> nn.Module:
    """A ``SemiPoseDataPreprocessor``: ``data_preprocessor`` if it is one,
    else one wrapping it (default: C's ``data_preprocessor``)."""
    if data_preprocessor is None:
        data_preprocessor = network_c.get('data_preprocessor')
        if data_preprocessor is None:
            raise ValueError('SSPCMPoseEstimator: give data_preprocessor or '
                             'a data_preprocessor in network_c')
    data_preprocessor = copy.deepcopy(data_preprocessor)
    if data_preprocessor.get('type') != 'SemiPoseDataPreprocessor':
        data_preprocessor = dict(
            type='SemiPoseDataPreprocessor',
            data_preprocessor=data_preprocessor)
    return MODELS.build(data_preprocessor)


def check_separate_optim_wrapper(optim_wrapper) -> None:
    """The 'separate' scheme needs an ``OptimWrapperDict`` keyed A, B, C."""
    keys = (
        list(optim_wrapper.keys())
        if isinstance(optim_wrapper, OptimWrapperDict) else None)
    if keys is None or set(keys) != set(NETWORK_ATTRS):
        raise TypeError(
            "SSPCMPoseEstimator(update_scheme='separate') needs an "
            f'OptimWrapperDict with keys {list(NETWORK_ATTRS)} (use '
            "optim_wrapper=dict(constructor='SSPCMOptimWrapperConstructor', "
            f'...)), got {type(optim_wrapper).__name__}' +
            (f' with keys {keys}' if keys is not None else ''))
