"""The SSPCM estimator: networks A, B and C trained from a labeled and an
unlabeled batch (SSPCM, Huang et al., CVPR 2023, Sec. 3).

Its configuration is :mod:`.sspcm_config`, the pseudo labels (teacher
outputs in; the PCM, the masks and the hard view's targets out) and the
consistency loss :mod:`.pseudo_labels`, the snapshots A', B'
:mod:`.pcm_snapshots`, the predictions of several networks
:mod:`.sspcm_predict`, the export of one network :mod:`.sspcm_export`. The
steps of an iteration and the state across steps stay here.
"""
import copy
import math
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmpose.registry import MODELS, TRANSFORMS
from torch import Tensor, nn

from ..base import ModelSpec, TrainableWrapper
from .batch_norm import frozen_bn_statistics
from .coordinate_pseudo_labels import CoordinatePseudoLabels
from .pcm_snapshots import PCMSnapshots
from .pseudo_labels import HeatmapPseudoLabels, PseudoLabels, mean_confidence
from .sspcm_config import (NETWORK_ATTRS, build_semi_preprocessor,
                           check_update_scheme, merge_semi_test_cfg,
                           merge_semi_train_cfg, network_cfg, network_configs,
                           pseudo_label_path)
from .sspcm_export import export_sspcm_student
from .sspcm_predict import predict_networks
from .sspcm_separate import split_semi_batch, train_step_separate

#: The PCM statistics (log variables of every step, see
#: ``HeatmapPseudoLabels.statistics``) that the model also averages per epoch
#: (:meth:`take_pcm_epoch_means`).
PCM_EPOCH_STATISTICS = ('pcm_kept_fraction', 'pcm_inconsistency')
#: The pseudo-label paths (``semi_train_cfg.pseudo_labels``).
PSEUDO_LABEL_CLASSES = dict(
    heatmap=HeatmapPseudoLabels, coordinate=CoordinatePseudoLabels)


@MODELS.register_module()
class SSPCMPoseEstimator(TrainableWrapper):
    """Three top-down pose estimators A, B, C trained together
    semi-supervisedly (SSPCM, Huang et al., CVPR 2023, Sec. 3 and Fig. 2).
    Heatmap heads as in the paper, or any head with a codec (e.g. RTMPose's
    SimCC) through the coordinate pseudo labels
    (``semi_train_cfg.pseudo_labels``, :mod:`.coordinate_pseudo_labels`).

    One training iteration on ``dict(labeled=..., unlabeled=...)``:

    1. A, B and C take their ground-truth loss on the labeled batch.
    2. A predicts on the easy (pipeline-augmented) view of the unlabeled
       batch without gradients; B learns that on a hard view: SSCO
       (Sec. 3.3) on the easy view, then a random affine ``theta`` that also
       moves A's pseudo labels (Sec. 3.1, dual networks).
    3. The same with A and B exchanged.
    4. The PCM (Sec. 3.2, :mod:`.pcm`) fuses A, B and their previous-epoch
       snapshots A', B' into corrected pseudo labels and a keep mask; C learns
       them on its own hard view, masked.

    The loss balance, the masks of steps 2-4 and how the snapshots
    normalise are ``semi_train_cfg`` keys
    (:data:`.sspcm_config.DEFAULT_SEMI_TRAIN_CFG`;
    ``configs/sspcm/_base_/sspcm_official_training.py``: the paper's code).

    ``update_scheme='joint'`` sums all losses for one optimizer step (the
    paper's code); ``'separate'`` makes the four steps four updates, one
    optimizer per network (:func:`.sspcm_separate.train_step_separate`).

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
    * the views drawn by :class:`SSPCMVisualizationHook`: it records what
      :meth:`pcm_pseudo_labels` returns in a step
      (``mmpose_kd.utils.recorder.record_method_output``).

    A :class:`~mmpose_kd.models.base.TrainableWrapper` (as DWPose's
    distiller) whose deploy network is C (``semi_test_cfg``: another);
    :meth:`predict_networks` scores several in one pass (``SSPCMValLoop``).

    Args:
        network_a: A, a stock mmpose ``TopdownPoseEstimator`` whose head has
            a codec: a model config dict, a config file whose ``model`` is
            used (``mmpose::`` allowed) or ``dict(config=<file>,
            overrides=<dict>)``, as DWPose's ``student``.
        network_b: B, same forms; defaults to A's config (built
            independently, so its initial weights differ).
        network_c: C (the student; may be smaller), same forms; defaults to
            A's config. Same keypoints and input size as the teachers.
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
        path = pseudo_label_path(
            self.semi_train_cfg['pseudo_labels'],
            {key: self.get_network(key)
             for key in NETWORK_ATTRS})
        #: The pseudo labels and consistency loss of the unsupervised steps.
        self.pseudo_labels = PSEUDO_LABEL_CLASSES[path](
            self.semi_train_cfg, TRANSFORMS.build(copy.deepcopy(ssco_cfg))
            if ssco_cfg is not None else None)

        # State across steps (see the class docstring).
        self._snapshots = PCMSnapshots(self)  # held by hold_frozen
        self._pcm_epoch_sums: Dict[str, Tensor] = {}
        self._pcm_epoch_steps = 0

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
                return predict_networks(self, inputs, data_samples,
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
        """``{name: data samples with pred_instances}`` of the networks
        named ('A', 'B', 'C', 'AB'); see
        :func:`.sspcm_predict.predict_networks`."""
        return predict_networks(self, inputs, data_samples, networks)

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
        return train_step_separate(self, data, optim_wrapper)

    def loss(self, inputs: Dict[str, Tensor],
             data_samples: Dict[str, list]) -> Dict[str, Tensor]:
        """All losses of one iteration (the 'joint' scheme)."""
        if self.update_scheme != 'joint':
            raise RuntimeError(
                "SSPCMPoseEstimator(update_scheme='separate') updates inside "
                'its train_step; a wrapper called forward(mode="loss") '
                'instead. Under DDP use model_wrapper_cfg=dict(type='
                "'MMSeparateDistributedDataParallel').")
        labeled_inputs, labeled_samples, easy = split_semi_batch(
            inputs, data_samples)
        losses = OrderedDict()
        for key in NETWORK_ATTRS:
            losses.update(
                self._supervised_losses(key, labeled_inputs, labeled_samples))
        outputs_a = self._teacher_outputs('A', easy)
        outputs_b = self._teacher_outputs('B', easy)
        mean_ab = self.pseudo_labels.mean_confidence(outputs_a, outputs_b)
        losses['loss_mutual_b'] = self._mutual_loss('B', easy, outputs_a,
                                                    mean_ab)
        losses['loss_mutual_a'] = self._mutual_loss('A', easy, outputs_b,
                                                    mean_ab)
        loss_c, stats = self._pcm_loss(easy, outputs_a, outputs_b)
        losses['loss_pcm_c'] = loss_c
        losses.update(stats)
        return losses

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

    def _teacher_outputs(self, key: str, images: Tensor):
        """A teacher's outputs on the easy view (heatmaps, or decoded
        keypoints: :attr:`pseudo_labels`), without gradients (in the
        network's current mode, as the paper's code)."""
        with torch.no_grad():
            return self.pseudo_labels.teacher_outputs(
                self._wrapped_network(key), images, key)

    def _mutual_loss(self,
                     student: str,
                     easy: Tensor,
                     teacher_outputs,
                     mean_ab_confidence: Optional[Tensor] = None) -> Tensor:
        """Dual-network consistency: ``student`` learns the other network's
        pseudo labels (:meth:`.HeatmapPseudoLabels.mutual`) on its hard
        view."""
        labels = self.pseudo_labels.mutual(easy, teacher_outputs,
                                           mean_ab_confidence)
        predicted = self._student_outputs(student, labels.view.images)
        weight = self.semi_train_cfg['mutual_loss_weight'] * \
            self._unsup_ramp()
        return weight * self.pseudo_labels.loss(predicted, labels, student,
                                                self.get_network(student))

    def pcm_pseudo_labels(self, easy: Tensor, outputs_a,
                          outputs_b) -> PseudoLabels:
        """C's pseudo labels (PCM-corrected, on C's hard view) from A's and
        B's outputs on the easy view and the snapshots'; what
        :class:`SSPCMVisualizationHook` records and draws."""
        return self.pseudo_labels.corrected(easy, outputs_a, outputs_b,
                                            *self._snapshot_outputs(easy))

    def _pcm_loss(self, easy: Tensor, outputs_a,
                  outputs_b) -> Tuple[Tensor, Dict[str, Tensor]]:
        """C learns the PCM-corrected pseudo labels on its own hard view."""
        labels = self.pcm_pseudo_labels(easy, outputs_a, outputs_b)
        predicted = self._student_outputs('C', labels.view.images)
        loss = self.semi_train_cfg['pcm_loss_weight'] * self._unsup_ramp() * \
            self.pseudo_labels.loss(predicted, labels, 'C',
                                    self.get_network('C'))
        stats = self.pseudo_labels.statistics(labels)
        self._add_to_pcm_epoch(stats)
        return loss, stats

    def _student_outputs(self, key: str, hard_images: Tensor):
        """A student's outputs on its hard view (with gradients)."""
        network = self._wrapped_network(key)
        if self.semi_train_cfg['hard_view_bn_stats']:
            return self._network_outputs(network, hard_images, key)
        with frozen_bn_statistics(network):
            return self._network_outputs(network, hard_images, key)

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

    def _snapshot_outputs(self, images: Tensor) -> tuple:
        """A', B' teacher outputs on ``images`` (None, None before the
        first snapshot: A' = A and B' = B)."""
        return self._snapshots.outputs(
            images, self.pseudo_labels.teacher_outputs,
            self.semi_train_cfg['snapshot_bn_mode'] == 'train')

    def _add_to_pcm_epoch(self, stats: Dict[str, Tensor]) -> None:
        # Summed in float64 on the device: no host sync in the step, and the
        # same sums as adding the Python floats.
        for name in PCM_EPOCH_STATISTICS:
            value = stats[name].detach().double()
            self._pcm_epoch_sums[name] = \
                self._pcm_epoch_sums.get(name, 0.) + value
        self._pcm_epoch_steps += 1

    def _wrapped_network(self, key: str) -> nn.Module:
        """The network as registered (a DDP wrapper under
        MMSeparateDistributedDataParallel), to call through its forward."""
        return getattr(self, NETWORK_ATTRS[key])

    def _network_outputs(self, network: nn.Module, images: Tensor, name: str):
        """A student network's outputs (what its loss takes)."""
        return self.pseudo_labels.student_outputs(network, images, name)


__all__ = [
    'SSPCMPoseEstimator', 'export_sspcm_student', 'mean_confidence',
    'PCM_EPOCH_STATISTICS'
]
