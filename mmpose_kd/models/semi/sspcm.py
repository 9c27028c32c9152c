"""The SSPCM estimator: networks A, B and C trained from a labeled and an
unlabeled batch (SSPCM, Huang et al., CVPR 2023, Sec. 3).

Its configuration is :mod:`.sspcm_config`, the hard view (its
construction, record and coordinates) :mod:`.hard_view`, the snapshots A',
B' :mod:`.pcm_snapshots`, the export of one network :mod:`.sspcm_export`.
The losses of an iteration stay here: they call the PCM functions
(:mod:`.pcm`) through this module's names, as :mod:`.hard_view` calls the
warping functions (:mod:`.warp`) through its own;
``tools/benchmark_sspcm.py`` times them there.
"""
import copy
import math
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmpose.registry import MODELS, TRANSFORMS
from torch import Tensor, nn

from ..base import ModelSpec, TrainableWrapper
from .batch_norm import frozen_bn_statistics
from .hard_view import HardView, build_hard_view, views_to_draw
from .pcm import PCMResult, correct_pseudo_labels, heatmap_argmax
from .pcm_snapshots import PCMSnapshots
from .semi_data_preprocessor import BATCH_PARTS
from .sspcm_config import (NETWORK_ATTRS, PREDICTABLE, build_semi_preprocessor,
                           check_separate_optim_wrapper, check_update_scheme,
                           merge_semi_test_cfg, merge_semi_train_cfg,
                           network_cfg, network_configs)
from .sspcm_export import export_sspcm_student

#: The PCM statistics (log variables of every step, see ``_pcm_statistics``)
#: that the model also averages per epoch (:meth:`take_pcm_epoch_means`).
PCM_EPOCH_STATISTICS = ('pcm_kept_fraction', 'pcm_inconsistency')


@MODELS.register_module()
class SSPCMPoseEstimator(TrainableWrapper):
    """Three top-down heatmap estimators A, B, C trained together
    semi-supervisedly (SSPCM, Huang et al., CVPR 2023, Sec. 3 and Fig. 2).

    One training iteration on ``dict(labeled=..., unlabeled=...)``:

    1. A, B and C take their ground-truth loss on the labeled batch.
    2. A predicts heatmaps on the easy (pipeline-augmented) view of the
       unlabeled batch without gradients; B learns them on a hard view:
       SSCO (Sec. 3.3) cut-occlude on the easy view, then a random affine
       ``theta`` that also warps A's heatmaps (Sec. 3.1, dual networks).
    3. The same with A and B exchanged.
    4. The PCM (Sec. 3.2, :mod:`.pcm`) fuses A, B and their previous-epoch
       snapshots A', B' into corrected pseudo labels and a keep mask; C learns
       them on its own hard view, masked.

    The loss balance, the masks of steps 2-4 and how the snapshots
    normalise are ``semi_train_cfg`` keys
    (:data:`.sspcm_config.DEFAULT_SEMI_TRAIN_CFG`);
    ``configs/sspcm/_base_/sspcm_official_training.py`` sets them to the
    paper's code: supervised terms x0.25 of mmpose's ``KeypointMSELoss``,
    unsupervised terms 0.5 x the mean over all elements (2:1), A <-> B and C
    masked where the mean of A's and B's maxima is <= 0.1, snapshots with
    batch statistics.

    ``update_scheme='joint'`` sums all losses for one optimizer step (the
    paper's code); ``'separate'`` makes the four steps four updates with one
    optimizer per network (an ``OptimWrapperDict`` with keys A, B, C, see
    ``SSPCMOptimWrapperConstructor``), each step using the networks as
    updated by the steps before it.

    The model owns its state across steps; hooks only say when:

    * the snapshots A', B' (:class:`.pcm_snapshots.PCMSnapshots`, frozen
      outside the module tree: in no optimizer, state dict or DDP bucket,
      not copied by EMA): :meth:`take_snapshots` copies the live A, B
      (:class:`PCMSnapshotHook` calls it at each epoch end);
      :meth:`snapshot_state_dict` / :meth:`load_snapshot_state_dict` carry
      them through checkpoints. Without snapshots (before the first epoch
      ends) A' = A and B' = B;
    * the per-epoch means of the PCM statistics
      (:meth:`take_pcm_epoch_means`);
    * the views drawn by :class:`SSPCMVisualizationHook`: after
      :meth:`request_views`, the next step records them in
      :attr:`recorded_views`.

    It is a :class:`~mmpose_kd.models.base.TrainableWrapper`, as DWPose's
    distiller: network specs resolved by ``resolve_model_spec``, the
    snapshots held by ``hold_frozen``, the warm-up read from the training
    progress that ``TrainingProgressHook`` sets, the finite-loss check of
    ``parse_losses``. The deploy network is C
    (``deploy_prefix = 'network_c.'``, :attr:`deploy_network`,
    :meth:`deploy_network_cfg`).

    ``predict`` (and ``mode='tensor'``, :meth:`deploy_forward`) uses one
    network, C unless ``semi_test_cfg`` says otherwise (``SSPCMValLoop``
    scores A, B, the A+B ensemble and C in one pass, as the paper's code
    validates); each is a stock ``TopdownPoseEstimator``, and
    :func:`export_sspcm_student` turns a checkpoint into its plain mmpose
    checkpoint.

    Args:
        network_a: A, a stock mmpose ``TopdownPoseEstimator`` with a heatmap
            head (e.g. ``_base_.model`` of a ``td-hm`` config): a model
            config dict, a config file whose ``model`` is used
            (``mmpose::`` allowed) or ``dict(config=<file>,
            overrides=<dict>)``, as DWPose's ``student``.
        network_b: B, same forms; defaults to A's config (built
            independently, so its initial weights differ).
        network_c: C (the student; may be smaller), same forms; defaults to
            A's config. Its heatmaps must have the teachers' size.
        data_preprocessor: a ``SemiPoseDataPreprocessor`` config, or the
            config of the pose preprocessor it should wrap; defaults to C's
            ``data_preprocessor``.
        semi_train_cfg: overrides of
            :data:`.sspcm_config.DEFAULT_SEMI_TRAIN_CFG`. With
            ``unsup_warmup_iters > 0`` training needs
            ``dict(type='TrainingProgressHook')`` in ``custom_hooks``.
        semi_test_cfg: ``dict(predict_on='C')``; 'A' or 'B' evaluate a
            teacher instead, 'AB' the ensemble of A and B (mean heatmap).
            :class:`SSPCMValLoop` scores several of them in one pass.
        update_scheme: 'joint' or 'separate'.
        init_cfg: initialisation config (the networks' own ``init_cfg``
            apply to them).
    """

    #: Only C ships (A and B: ``export_sspcm_student(which=...)``).
    deploy_prefix = NETWORK_ATTRS['C'] + '.'

    def __init__(self,
                 network_a: ModelSpec,
                 network_b: Optional[ModelSpec] = None,
                 network_c: Optional[ModelSpec] = None,
                 data_preprocessor: Optional[dict] = None,
                 semi_train_cfg: Optional[dict] = None,
                 semi_test_cfg: Optional[dict] = None,
                 update_scheme: str = 'joint',
                 init_cfg: Optional[dict] = None):
        configs = network_configs(network_a, network_b, network_c)
        super().__init__(
            data_preprocessor=build_semi_preprocessor(data_preprocessor,
                                                      configs['C']),
            init_cfg=init_cfg)
        for key, attr in NETWORK_ATTRS.items():
            setattr(self, attr, MODELS.build(configs[key]))

        self.update_scheme = check_update_scheme(update_scheme)
        self.semi_train_cfg = merge_semi_train_cfg(semi_train_cfg)
        self.semi_test_cfg = merge_semi_test_cfg(semi_test_cfg)

        ssco_cfg = self.semi_train_cfg['cut_occlude']
        self.cut_occlude = (
            TRANSFORMS.build(copy.deepcopy(ssco_cfg))
            if ssco_cfg is not None else None)
        self.consistency_loss = MODELS.build(
            dict(
                type='MaskedHeatmapMSELoss',
                loss_weight=1.0,
                reduction=self.semi_train_cfg['unsup_loss_reduction']))

        # State across steps (see the class docstring).
        self._snapshots = PCMSnapshots(self)  # held by hold_frozen
        self._pcm_epoch_sums: Dict[str, Tensor] = {}
        self._pcm_epoch_steps = 0
        self._views_requested = False
        #: The views of the last training step if it was asked to record
        #: them (:meth:`request_views`; CPU tensors, see
        #: :func:`.hard_view.views_to_draw`), else None.
        self.recorded_views: Optional[dict] = None

    # ------------------------------------------------------------------
    # Networks and the state kept across steps
    # ------------------------------------------------------------------
    def get_network(self, key: str) -> nn.Module:
        """The live network 'A', 'B' or 'C' (unwrapped from DDP)."""
        if key not in NETWORK_ATTRS:
            raise KeyError(f'SSPCMPoseEstimator has networks '
                           f'{list(NETWORK_ATTRS)}, not {key!r}')
        network = getattr(self, NETWORK_ATTRS[key])
        return network.module if is_model_wrapper(network) else network

    @property
    def snapshots(self) -> Optional[Tuple[nn.Module, nn.Module]]:
        """(A', B') or None before the first snapshot."""
        return self._snapshots.networks

    def take_snapshots(self) -> None:
        """Copy the live A and B as the snapshots A', B' (in memory)."""
        self._snapshots.take(self.get_network('A'), self.get_network('B'))

    def set_snapshots(self, network_a_prev: Optional[nn.Module],
                      network_b_prev: Optional[nn.Module]) -> None:
        """Install these networks as A', B' (both or neither).

        They are put in eval mode and frozen; they are not registered as
        submodules (not trained, not saved in ``state_dict``, not in DDP).
        """
        self._snapshots.set(network_a_prev, network_b_prev)

    def snapshot_state_dict(self) -> Optional[Dict[str, dict]]:
        """``{'A': A' state dict, 'B': B' state dict}`` (CPU copies), or
        None before the first snapshot; for checkpoints."""
        return self._snapshots.state_dict()

    def load_snapshot_state_dict(self, state: Dict[str, dict]) -> None:
        """A', B' from :meth:`snapshot_state_dict`'s output."""
        self._snapshots.load_state_dict(state, self.get_network('A'),
                                        self.get_network('B'))

    def take_pcm_epoch_means(self) -> Dict[str, float]:
        """Means of :data:`PCM_EPOCH_STATISTICS` over the steps since the
        last call (empty if none); the next call starts from zero."""
        steps, sums = self._pcm_epoch_steps, self._pcm_epoch_sums
        self._pcm_epoch_steps, self._pcm_epoch_sums = 0, {}
        return {name: float(total) / steps for name, total in sums.items()}

    def request_views(self) -> None:
        """Record the views of the next training step in
        :attr:`recorded_views` (for :class:`SSPCMVisualizationHook`)."""
        self._views_requested = True

    def export_state_dict(self, which: str = 'C') -> 'OrderedDict':
        """State dict of one network as a plain ``TopdownPoseEstimator``."""
        return export_sspcm_student(self.state_dict(), which)

    # ------------------------------------------------------------------
    # Deployment (TrainableWrapper)
    # ------------------------------------------------------------------
    @property
    def deploy_network(self) -> nn.Module:
        """Network C, the one that ships (unwrapped from DDP)."""
        return self.get_network('C')

    @classmethod
    def deploy_network_cfg(cls, model_cfg: ConfigDict) -> ConfigDict:
        """C's model config from an estimator ``model`` config."""
        return cls.network_cfg(model_cfg, 'C')

    @classmethod
    def network_cfg(cls, model_cfg: ConfigDict, which: str) -> ConfigDict:
        """The model config of network ``which`` ('A', 'B' or 'C') from an
        estimator ``model`` config, as the estimator builds it (B and C
        default to A's; specs resolved by ``resolve_model_spec``)."""
        return network_cfg(model_cfg, which)

    @classmethod
    def describe_deploy_network(cls, model_cfg: ConfigDict) -> str:
        return f'{cls.__name__}: network C'

    def deploy_forward(self, inputs: Tensor, data_samples, mode: str):
        """``'predict'`` or ``'tensor'`` with C, or with
        ``semi_test_cfg.predict_on``: 'A', 'B', 'C' or the ensemble 'AB'
        (mean heatmap), as mmpose; called through any DDP wrapper of the
        network."""
        key = self.semi_test_cfg['predict_on']
        if mode == 'predict':
            if key == 'AB':
                return self.predict_networks(inputs, data_samples,
                                             ('AB', ))['AB']
            return self._wrapped_network(key)(
                inputs, data_samples, mode='predict')
        if key == 'AB':  # the ensemble's heatmaps, as predict decodes
            return 0.5 * self._wrapped_network('A')(
                inputs, data_samples, mode='tensor') + \
                0.5 * self._wrapped_network('B')(
                    inputs, data_samples, mode='tensor')
        return self._wrapped_network(key)(inputs, data_samples, mode='tensor')

    def predict_networks(self, inputs: Tensor, data_samples: list,
                         networks: Sequence[str]) -> Dict[str, list]:
        """Predictions of several networks on one batch, for
        :class:`SSPCMValLoop` (the paper's code scores A, B, their ensemble
        and C in one validation pass: ``validate`` in
        ``lib/core/function.py``).

        Args:
            inputs: the preprocessed images [N, C, H, W].
            data_samples: their ``PoseDataSample``s.
            networks: names among 'A', 'B', 'C' and 'AB'. 'AB' is the
                ensemble of A and B as in the paper's code: the mean of A's
                and B's heatmaps (each flip-averaged when the network's
                ``test_cfg.flip_test`` is on), decoded by A's codec.

        Returns:
            ``{name: data samples with pred_instances}``; each name gets its
            own copy of ``data_samples``.
        """
        unknown = [key for key in networks if key not in PREDICTABLE]
        if unknown or not networks:
            raise ValueError(
                f'SSPCMPoseEstimator.predict_networks: networks must be a '
                f'non-empty sequence of {list(PREDICTABLE)}, got '
                f'{list(networks)}')
        results = {}
        heatmaps = {}
        for key in ('A', 'B'):
            if key in networks or 'AB' in networks:
                results[key], heatmaps[key] = self._predict_with_heatmaps(
                    key, inputs, _copy_samples(data_samples))
        if 'AB' in networks:
            if heatmaps['A'].shape != heatmaps['B'].shape:
                raise ValueError(
                    'SSPCMPoseEstimator: the A+B ensemble needs heatmaps of '
                    f"one shape; A gives {tuple(heatmaps['A'].shape)}, B "
                    f"gives {tuple(heatmaps['B'].shape)}")
            network_a = self.get_network('A')
            ensemble = 0.5 * heatmaps['A'] + 0.5 * heatmaps['B']
            fields = ([PixelData(heatmaps=hm) for hm in ensemble]
                      if network_a.test_cfg.get('output_heatmaps') else None)
            results['AB'] = network_a.add_pred_to_datasample(
                network_a.head.decode(ensemble), fields,
                _copy_samples(data_samples))
        if 'C' in networks:
            results['C'] = self._wrapped_network('C')(
                inputs, _copy_samples(data_samples), mode='predict')
        return {key: results[key] for key in networks}

    def _predict_with_heatmaps(self, key: str, inputs: Tensor,
                               data_samples: list) -> Tuple[list, Tensor]:
        """What ``TopdownPoseEstimator.predict`` does, also returning the
        (flip-averaged) heatmaps [N, K, h, w] that it decodes."""
        network = self.get_network(key)
        test_cfg = network.test_cfg
        if test_cfg.get('flip_test', False):
            feats = [
                network.extract_feat(inputs),
                network.extract_feat(inputs.flip(-1))
            ]
        else:
            feats = network.extract_feat(inputs)
        preds = network.head.predict(
            feats, data_samples, test_cfg=dict(test_cfg, output_heatmaps=True))
        if not (isinstance(preds, tuple) and len(preds) == 2):
            raise TypeError(
                f'SSPCMPoseEstimator: network {key} has a head that returns '
                'no heatmaps with test_cfg.output_heatmaps=True; the A+B '
                'ensemble needs heatmap heads')
        instances, fields = preds
        heatmaps = torch.stack([field.heatmaps for field in fields])
        samples = network.add_pred_to_datasample(
            instances, fields if test_cfg.get('output_heatmaps') else None,
            data_samples)
        return samples, heatmaps

    def train_step(self, data: dict, optim_wrapper: Union[OptimWrapper,
                                                          OptimWrapperDict]):
        """One SSPCM iteration; see the class docstring.

        'joint' goes through mmengine's ``BaseModel.train_step`` (and so
        through DDP's forward); 'separate' needs an ``OptimWrapperDict``
        (and, under DDP, ``MMSeparateDistributedDataParallel``).
        """
        if self.update_scheme == 'joint':
            if isinstance(optim_wrapper, OptimWrapperDict):
                raise TypeError(
                    "SSPCMPoseEstimator(update_scheme='joint') takes one "
                    'optimizer over all networks, got an OptimWrapperDict '
                    f'with keys {list(optim_wrapper.keys())}; use '
                    "update_scheme='separate' for one optimizer per network")
            return super().train_step(data, optim_wrapper)
        return self._train_step_separate(data, optim_wrapper)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Dict[str, list]) -> Dict[str, Tensor]:
        """All losses of one iteration (the 'joint' scheme)."""
        if self.update_scheme != 'joint':
            raise RuntimeError(
                "SSPCMPoseEstimator(update_scheme='separate') updates inside "
                'its train_step; a wrapper called forward(mode="loss") '
                'instead. Under DDP use model_wrapper_cfg=dict(type='
                "'MMSeparateDistributedDataParallel').")
        labeled_inputs, labeled_samples, easy = _split_semi_batch(
            inputs, data_samples)
        losses = OrderedDict()
        for key in NETWORK_ATTRS:
            losses.update(
                self._supervised_losses(key, labeled_inputs, labeled_samples))
        heatmaps_a = self._teacher_heatmaps('A', easy)
        heatmaps_b = self._teacher_heatmaps('B', easy)
        mean_ab = mean_confidence(heatmaps_a, heatmaps_b)
        losses['loss_mutual_b'] = self._mutual_loss('B', easy, heatmaps_a,
                                                    mean_ab)
        losses['loss_mutual_a'] = self._mutual_loss('A', easy, heatmaps_b,
                                                    mean_ab)
        loss_c, stats = self._pcm_loss(easy, heatmaps_a, heatmaps_b)
        losses['loss_pcm_c'] = loss_c
        losses.update(stats)
        return losses

    # ------------------------------------------------------------------
    # The 'separate' scheme
    # ------------------------------------------------------------------
    def _train_step_separate(self, data: dict,
                             optim_wrapper: OptimWrapperDict) -> dict:
        check_separate_optim_wrapper(optim_wrapper)
        data = self.data_preprocessor(data, True)
        labeled_inputs, labeled_samples, easy = _split_semi_batch(
            data['inputs'], data['data_samples'])
        logged = OrderedDict()

        # Step 1: each network on the labeled batch, own optimizer.
        for key in NETWORK_ATTRS:
            wrapper = optim_wrapper[key]
            with wrapper.optim_context(self._wrapped_network(key)):
                losses = self._supervised_losses(key, labeled_inputs,
                                                 labeled_samples)
            # parse_losses stops on a NaN/Inf before the update
            wrapper.update_params(self.parse_losses(losses)[0])
            logged.update(losses)

        # Step 2: A teaches B. Step 3: the updated B teaches A.
        for student, teacher in (('B', 'A'), ('A', 'B')):
            teacher_heatmaps = self._teacher_heatmaps(teacher, easy)
            mean_ab = None
            if self.semi_train_cfg['mutual_conf_source'] == 'mean_ab':
                # Both networks as they are at this step.
                mean_ab = mean_confidence(
                    teacher_heatmaps, self._teacher_heatmaps(student, easy))
            wrapper = optim_wrapper[student]
            with wrapper.optim_context(self._wrapped_network(student)):
                loss = self._mutual_loss(student, easy, teacher_heatmaps,
                                         mean_ab)
            name = f'loss_mutual_{student.lower()}'
            self.check_finite_losses({name: loss})
            wrapper.update_params(loss)
            logged[name] = loss

        # Step 4: the updated A and B (and A', B') teach C through the PCM.
        heatmaps_a = self._teacher_heatmaps('A', easy)
        heatmaps_b = self._teacher_heatmaps('B', easy)
        wrapper = optim_wrapper['C']
        with wrapper.optim_context(self._wrapped_network('C')):
            loss_c, stats = self._pcm_loss(easy, heatmaps_a, heatmaps_b)
        self.check_finite_losses({'loss_pcm_c': loss_c})
        wrapper.update_params(loss_c)
        logged['loss_pcm_c'] = loss_c
        logged.update(stats)

        _, log_vars = self.parse_losses(
            OrderedDict((k, v.detach()) for k, v in logged.items()))
        return log_vars

    # ------------------------------------------------------------------
    # The pieces of an iteration
    # ------------------------------------------------------------------
    def _supervised_losses(self, key: str, inputs: Tensor,
                           data_samples: list) -> Dict[str, Tensor]:
        losses = self._wrapped_network(key)(inputs, data_samples, mode='loss')
        weight = self.semi_train_cfg['sup_loss_weight']
        # Only loss terms are weighted; logged metrics (acc_pose) are not.
        return OrderedDict(
            (f'{name}_{key.lower()}',
             weight * value if 'loss' in name and weight != 1. else value)
            for name, value in losses.items())

    def _teacher_heatmaps(self, key: str, images: Tensor) -> Tensor:
        """A teacher's heatmaps on the easy view, without gradients (in the
        network's current mode, as the paper's code)."""
        with torch.no_grad():
            return self._heatmaps(self._wrapped_network(key), images, key)

    def _mutual_loss(self,
                     student: str,
                     easy: Tensor,
                     teacher_heatmaps: Tensor,
                     mean_ab_confidence: Optional[Tensor] = None) -> Tensor:
        """Dual-network consistency: ``student`` learns the other network's
        easy-view heatmaps on its hard view (masked by
        ``mutual_conf_thr``, on the teacher's confidence or on
        ``mean_ab_confidence`` [N, K])."""
        cfg = self.semi_train_cfg
        keypoints, maxvals = heatmap_argmax(teacher_heatmaps)
        # SSCO pastes around confident pseudo keypoints only.
        confident = maxvals > cfg['conf_thr']
        if cfg['mutual_conf_thr'] is None:
            supervised = torch.ones_like(confident)
        else:
            if cfg['mutual_conf_source'] == 'mean_ab':
                if mean_ab_confidence is None:
                    raise RuntimeError(
                        "_mutual_loss: mutual_conf_source='mean_ab' needs "
                        'the mean confidence of A and B')
                maxvals = mean_ab_confidence
            supervised = maxvals > cfg['mutual_conf_thr']
        view = self._hard_view(easy, teacher_heatmaps, keypoints, confident,
                               supervised)
        predicted = self._student_heatmaps(student, view.images)
        _check_same_size(predicted, view.targets, student)
        weight = cfg['mutual_loss_weight'] * self._unsup_ramp()
        return weight * self.consistency_loss(predicted, view.targets,
                                              view.loss_mask)

    def _pcm_loss(self, easy: Tensor, heatmaps_a: Tensor,
                  heatmaps_b: Tensor) -> Tuple[Tensor, Dict[str, Tensor]]:
        """C learns the PCM-corrected pseudo labels on its own hard view."""
        cfg = self.semi_train_cfg
        heatmaps_a_prev, heatmaps_b_prev = self._snapshot_heatmaps(easy)
        pcm = correct_pseudo_labels(
            heatmaps_a,
            heatmaps_b,
            heatmaps_a_prev,
            heatmaps_b_prev,
            conf_thr=cfg['conf_thr'],
            inconsistency_thr=cfg['inconsistency_thr'])
        if cfg['pcm_conf_source'] == 'mean_ab':
            keep = mean_confidence(heatmaps_a, heatmaps_b) > cfg['conf_thr']
            if cfg['inconsistency_thr'] is not None:
                keep = keep & (pcm.inconsistency < cfg['inconsistency_thr'])
            pcm = pcm._replace(mask=keep)
        view = self._hard_view(easy, pcm.heatmaps, pcm.keypoints, pcm.mask,
                               pcm.mask)
        predicted = self._student_heatmaps('C', view.images)
        _check_same_size(predicted, view.targets, 'C')
        loss = cfg['pcm_loss_weight'] * self._unsup_ramp() * \
            self.consistency_loss(
            predicted, view.targets, view.loss_mask)
        self.recorded_views = (
            views_to_draw(easy, view, pcm) if self._views_requested else None)
        self._views_requested = False
        stats = _pcm_statistics(pcm, view.loss_mask)
        self._add_to_pcm_epoch(stats)
        return loss, stats

    def _student_heatmaps(self, key: str, hard_images: Tensor) -> Tensor:
        """A student's heatmaps on its hard view (with gradients)."""
        network = self._wrapped_network(key)
        if self.semi_train_cfg['hard_view_bn_stats']:
            return self._heatmaps(network, hard_images, key)
        with frozen_bn_statistics(network):
            return self._heatmaps(network, hard_images, key)

    def _hard_view(self, easy: Tensor, teacher_heatmaps: Tensor,
                   keypoints: Tensor, ssco_valid: Tensor,
                   supervised: Tensor) -> HardView:
        """The hard view (:func:`.hard_view.build_hard_view`) with this
        model's SSCO and ``semi_train_cfg``."""
        return build_hard_view(
            easy,
            teacher_heatmaps,
            keypoints,
            ssco_valid,
            supervised,
            cut_occlude=self.cut_occlude,
            hard_affine=self.semi_train_cfg['hard_affine'],
            mask_out_of_view=self.semi_train_cfg['mask_out_of_view'])

    def _unsup_ramp(self) -> float:
        """Factor in [0, 1] on the unsupervised losses (warm-up):
        ``exp(-5 (1 - t)^2)`` with ``t = min(1, (i + 1) / warm-up)`` at the
        runner's 0-based iteration ``i`` (whatever the loop counts
        progress in), which ``TrainingProgressHook`` sets before every
        iteration; 1 without warm-up (no hook needed then)."""
        warmup = self.semi_train_cfg['unsup_warmup_iters']
        if not warmup:
            return 1.
        how_to_avoid = 'or set semi_train_cfg.unsup_warmup_iters=0'
        iteration = self.require_training_progress(
            'the unsupervised warm-up (semi_train_cfg.unsup_warmup_iters)',
            how_to_avoid).iteration
        if iteration is None:
            raise RuntimeError(
                f'{type(self).__name__}: the unsupervised warm-up counts '
                'iterations, but the training progress was set without '
                'one; set it with set_training_progress(step, max_steps, '
                "iteration=...) or dict(type='TrainingProgressHook') "
                f'({how_to_avoid}).')
        progress = min(1., (iteration + 1) / warmup)
        return math.exp(-5. * (1. - progress)**2)

    def _snapshot_heatmaps(self, images: Tensor
                           ) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        snapshots = self._snapshots.networks
        if snapshots is None:
            return None, None  # A' = A and B' = B until the first epoch ends
        batch_statistics = self.semi_train_cfg['snapshot_bn_mode'] == 'train'
        heatmaps = []
        with torch.no_grad():
            for snapshot, name in zip(snapshots, ("A'", "B'")):
                if not batch_statistics:
                    heatmaps.append(self._heatmaps(snapshot, images, name))
                    continue
                # The paper's code runs last_epoch_model in train mode: BN
                # normalises with the batch statistics. Its running
                # statistics stay as snapshotted, so the snapshot saved in
                # checkpoints is the one taken at the epoch end.
                was_training = snapshot.training
                snapshot.train()
                try:
                    with frozen_bn_statistics(snapshot):
                        heatmaps.append(self._heatmaps(snapshot, images, name))
                finally:
                    snapshot.train(was_training)
        return tuple(heatmaps)

    def _add_to_pcm_epoch(self, stats: Dict[str, Tensor]) -> None:
        # Summed in float64 on the device: no host sync in the step, and the
        # same sums as adding the Python floats.
        for name in PCM_EPOCH_STATISTICS:
            value = stats[name].detach().double()
            self._pcm_epoch_sums[name] = \
                self._pcm_epoch_sums.get(name, 0.) + value
        self._pcm_epoch_steps += 1

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _wrapped_network(self, key: str) -> nn.Module:
        """The network as registered (a DDP wrapper under
        MMSeparateDistributedDataParallel), to call through its forward."""
        return getattr(self, NETWORK_ATTRS[key])

    @staticmethod
    def _heatmaps(network: nn.Module, images: Tensor, name: str) -> Tensor:
        heatmaps = network(images, None, mode='tensor')
        if not isinstance(heatmaps, Tensor) or heatmaps.dim() != 4:
            raise TypeError(
                f'SSPCMPoseEstimator needs heatmap heads: network {name} '
                f'returned {_describe(heatmaps)} instead of heatmaps '
                '[N, K, H, W]')
        return heatmaps


# ----------------------------------------------------------------------
# Module-level helpers (no state)
# ----------------------------------------------------------------------
def mean_confidence(heatmaps_a: Tensor, heatmaps_b: Tensor) -> Tensor:
    """[N, K] mean of A's and B's heatmap maxima, computed as the paper's
    code does (``(score1 + score2) / 2.0``, lib/models/my_pose_triple.py),
    so that values at the threshold fall the same way."""
    return (heatmaps_a.amax(dim=(-2, -1)) +
            heatmaps_b.amax(dim=(-2, -1))) / 2.0


def _copy_samples(data_samples: list) -> list:
    """Own copies of the data samples: ``add_pred_to_datasample`` writes
    into them, and each network's predictions go to its own evaluator."""
    return [sample.clone() for sample in data_samples]


def _pcm_statistics(pcm: PCMResult, loss_mask: Tensor) -> Dict[str, Tensor]:
    """What the PCM did in this batch, for the log (no 'loss' in the names,
    so mmengine logs them without adding them to the loss)."""
    return OrderedDict(
        pcm_kept_fraction=pcm.mask.float().mean().detach(),
        pcm_inconsistency=pcm.inconsistency.float().mean().detach(),
        pcm_confidence=pcm.confidence.float().mean().detach(),
        pcm_snapshot_pair_fraction=(pcm.pair_index != 0).float().mean(),
        pcm_supervised_fraction=loss_mask.float().mean().detach())


def _split_semi_batch(inputs, data_samples) -> Tuple[Tensor, list, Tensor]:
    if not (isinstance(inputs, dict) and set(inputs) == set(BATCH_PARTS)):
        raise TypeError(
            'SSPCMPoseEstimator trains on dict(labeled=..., unlabeled=...) '
            'batches from SemiSupervisedEpochBasedTrainLoop through '
            'SemiPoseDataPreprocessor; got inputs of type '
            f'{_describe(inputs)}')
    return inputs['labeled'], data_samples['labeled'], inputs['unlabeled']


def _check_same_size(predicted: Tensor, targets: Tensor, name: str) -> None:
    if predicted.shape != targets.shape:
        raise ValueError(
            f'SSPCMPoseEstimator: network {name} predicts heatmaps of shape '
            f'{tuple(predicted.shape)} but its pseudo labels have shape '
            f'{tuple(targets.shape)}; A, B and C need the same input size, '
            'keypoints and heatmap size')


def _describe(value) -> str:
    shape = getattr(value, 'shape', None)
    if shape is not None:
        return f'{type(value).__name__} of shape {tuple(shape)}'
    if isinstance(value, (list, tuple)):
        return f'{type(value).__name__} of length {len(value)}'
    return type(value).__name__


__all__ = [
    'SSPCMPoseEstimator', 'export_sspcm_student', 'mean_confidence',
    'PCM_EPOCH_STATISTICS'
]
