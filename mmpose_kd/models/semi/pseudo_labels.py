"""SSPCM's pseudo labels (Huang et al., CVPR 2023, Sec. 3.1-3.3): teacher
outputs on the easy view in, the student's hard view with its targets and
loss mask out.

A pseudo-label path is what :class:`~.sspcm.SSPCMPoseEstimator` asks for
the pseudo labels of a step (:class:`PseudoLabelPath`):
``teacher_outputs`` / ``student_outputs`` (a network's outputs as a teacher
and as a student), ``mutual`` (A <-> B, dual networks), ``corrected`` (C,
the PCM's choice among (A, B), (A', B), (A, B'), (A', B') and its fusion,
:mod:`.pcm`) and ``loss`` (the consistency loss of a student's prediction
against them). Two paths exist, chosen by ``semi_train_cfg.pseudo_labels``
(:func:`build_pseudo_labels`):

* :class:`HeatmapPseudoLabels` (heatmap heads, the paper's code): the PCM
  fuses heatmaps, the hard view warps them, the loss is a masked MSE;
* :class:`~.coordinate_pseudo_labels.CoordinatePseudoLabels` (any head,
  e.g. RTMPose's SimCC): teachers' outputs decoded by their own codecs, the
  PCM in coordinate space, keypoints moved by the hard view's affine and
  encoded by the student's own codec, the student head's own loss.

The PCM functions (:mod:`.pcm`) are called through this module's names,
which ``tools/benchmark_sspcm.py`` times.
"""
from collections import OrderedDict
from typing import Callable, Dict, NamedTuple, Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

from .hard_view import HardView, build_hard_view
from .pcm import PCMResult, correct_pseudo_labels, heatmap_argmax


class PseudoLabels(NamedTuple):
    """What a student learns from in one step."""
    easy: Tensor  # [N, C, H, W] the easy view that the teachers saw
    view: HardView  # the student's hard view: images, targets, loss mask
    pcm: Optional[PCMResult] = None  # the PCM's choice (C's labels only)
    # [N, K] weights of the supervised keypoints in the loss
    # (semi_train_cfg.pseudo_label_weight='confidence'); None: the mask's 1
    weights: Optional[Tensor] = None


class PseudoLabelPath:
    """What the pseudo-label paths share: the merged ``semi_train_cfg``,
    the SSCO transform and the PCM statistics of the log.

    Args:
        semi_train_cfg: the estimator's merged ``semi_train_cfg`` (its
            masks, thresholds, ``hard_affine``, ``mask_out_of_view``).
        cut_occlude: the SSCO transform (``SemiCutOcclude``), or None.
    """

    def __init__(self,
                 semi_train_cfg: dict,
                 cut_occlude: Optional[Callable] = None):
        self.cfg = semi_train_cfg
        self.cut_occlude = cut_occlude

    @property
    def _view_options(self) -> dict:
        """How the hard view is made: this SSCO, ``hard_affine`` and
        ``mask_out_of_view`` (keyword arguments of
        :func:`.hard_view.build_hard_view` and its keypoint variant)."""
        return dict(
            cut_occlude=self.cut_occlude,
            hard_affine=self.cfg['hard_affine'],
            mask_out_of_view=self.cfg['mask_out_of_view'])

    @staticmethod
    def statistics(labels: PseudoLabels) -> Dict[str, Tensor]:
        """What the PCM did in this batch, for the log (no 'loss' in the
        names, so mmengine logs them without adding them to the loss)."""
        pcm, loss_mask = labels.pcm, labels.view.loss_mask
        return OrderedDict(
            pcm_kept_fraction=pcm.mask.float().mean().detach(),
            pcm_inconsistency=pcm.inconsistency.float().mean().detach(),
            pcm_confidence=pcm.confidence.float().mean().detach(),
            pcm_snapshot_pair_fraction=(pcm.pair_index != 0).float().mean(),
            pcm_supervised_fraction=loss_mask.float().mean().detach())

    def _mutual_confidence(self, confidence: Tensor,
                           mean_ab_confidence: Optional[Tensor]) -> Tensor:
        """[N, K] the confidence of a mutual (A <-> B) pseudo label: the
        teacher's, or the mean of A's and B's (``mutual_conf_source``)."""
        if self.cfg['mutual_conf_source'] == 'mean_ab':
            if mean_ab_confidence is None:
                raise RuntimeError(
                    "_mutual_loss: mutual_conf_source='mean_ab' needs "
                    'the mean confidence of A and B')
            return mean_ab_confidence
        return confidence

    def _supervised(self, confidence: Tensor,
                    mean_ab_confidence: Optional[Tensor]) -> Tensor:
        """[N, K] keypoints a mutual (A <-> B) loss supervises:
        ``mutual_conf_thr`` on the teacher's confidence or on the mean of
        A's and B's (``mutual_conf_source``); all when the threshold is
        None."""
        cfg = self.cfg
        if cfg['mutual_conf_thr'] is None:
            return torch.ones_like(confidence, dtype=torch.bool)
        return self._mutual_confidence(confidence,
                                       mean_ab_confidence) > \
            cfg['mutual_conf_thr']

    def _weights(self, confidence: Tensor) -> Optional[Tensor]:
        """[N, K] loss weights of the kept keypoints for
        ``pseudo_label_weight='confidence'`` (``confidence`` clipped to
        [0, 1], no gradient); None for 'mask'."""
        if self.cfg['pseudo_label_weight'] == 'mask':
            return None
        return confidence.detach().float().clamp(0., 1.)

    def _keep_mean_ab(self, pcm: PCMResult, mean_ab: Tensor) -> PCMResult:
        """``pcm_conf_source='mean_ab'``: C's keep mask from the mean of the
        live A's and B's confidences (and the inconsistency filter)."""
        keep = mean_ab > self.cfg['conf_thr']
        if self.cfg['inconsistency_thr'] is not None:
            keep = keep & (pcm.inconsistency < self.cfg['inconsistency_thr'])
        return pcm._replace(mask=keep)


class HeatmapPseudoLabels(PseudoLabelPath):
    """Pseudo labels from heatmap teachers, and the consistency loss
    (``MaskedHeatmapMSELoss``, reduced by ``unsup_loss_reduction``) of a
    student's heatmaps against them (the paper's code).

    Args: as :class:`PseudoLabelPath`.
    """

    def __init__(self,
                 semi_train_cfg: dict,
                 cut_occlude: Optional[Callable] = None):
        super().__init__(semi_train_cfg, cut_occlude)
        if semi_train_cfg['pseudo_label_weight'] != 'mask':
            raise ValueError(
                'SSPCMPoseEstimator: semi_train_cfg.pseudo_label_weight='
                f"{semi_train_cfg['pseudo_label_weight']!r} applies to the "
                "coordinate pseudo labels only; the heatmap path's targets "
                "are the teachers' heatmaps, whose height already carries "
                "their confidence: use 'mask' (or pseudo_labels="
                "'coordinate')")
        self.consistency_loss = MODELS.build(
            dict(
                type='MaskedHeatmapMSELoss',
                loss_weight=1.0,
                reduction=semi_train_cfg['unsup_loss_reduction']))

    @staticmethod
    def network_outputs(network: nn.Module, images: Tensor,
                        name: str) -> Tensor:
        """``network``'s heatmaps [N, K, h, w] on ``images``."""
        heatmaps = network(images, None, mode='tensor')
        if not isinstance(heatmaps, Tensor) or heatmaps.dim() != 4:
            raise TypeError(
                f'SSPCMPoseEstimator needs heatmap heads: network {name} '
                f'returned {describe(heatmaps)} instead of heatmaps '
                '[N, K, H, W]')
        return heatmaps

    #: A heatmap network's outputs are the same as a teacher and as a
    #: student: its heatmaps.
    teacher_outputs = network_outputs
    student_outputs = network_outputs

    @staticmethod
    def mean_confidence(outputs_a: Tensor, outputs_b: Tensor) -> Tensor:
        """[N, K] mean of A's and B's confidences (:func:`mean_confidence`).
        """
        return mean_confidence(outputs_a, outputs_b)

    def mutual(self,
               easy: Tensor,
               teacher_outputs: Tensor,
               mean_ab_confidence: Optional[Tensor] = None) -> PseudoLabels:
        """Dual-network pseudo labels: the teacher's easy-view heatmaps on
        the student's hard view (masked by ``mutual_conf_thr``, on the
        teacher's confidence or on ``mean_ab_confidence`` [N, K])."""
        keypoints, maxvals = heatmap_argmax(teacher_outputs)
        # SSCO pastes around confident pseudo keypoints only.
        confident = maxvals > self.cfg['conf_thr']
        supervised = self._supervised(maxvals, mean_ab_confidence)
        view = self._hard_view(easy, teacher_outputs, keypoints, confident,
                               supervised)
        return PseudoLabels(easy, view)

    def corrected(self, easy: Tensor, outputs_a: Tensor, outputs_b: Tensor,
                  outputs_a_prev: Optional[Tensor],
                  outputs_b_prev: Optional[Tensor]) -> PseudoLabels:
        """C's pseudo labels: the PCM's choice and fusion of A, B and the
        snapshots A', B' (None: A' = A, B' = B), kept by its mask, on C's
        hard view."""
        cfg = self.cfg
        pcm = correct_pseudo_labels(
            outputs_a,
            outputs_b,
            outputs_a_prev,
            outputs_b_prev,
            conf_thr=cfg['conf_thr'],
            inconsistency_thr=cfg['inconsistency_thr'])
        if cfg['pcm_conf_source'] == 'mean_ab':
            pcm = self._keep_mean_ab(pcm,
                                     mean_confidence(outputs_a, outputs_b))
        view = self._hard_view(easy, pcm.heatmaps, pcm.keypoints, pcm.mask,
                               pcm.mask)
        return PseudoLabels(easy, view, pcm)

    def loss(self,
             predicted: Tensor,
             labels: PseudoLabels,
             name: str,
             network: Optional[nn.Module] = None) -> Tensor:
        """The consistency loss of student ``name``'s heatmaps on its hard
        view against ``labels`` (unweighted; ``network`` is not needed)."""
        targets = labels.view.targets
        if predicted.shape != targets.shape:
            raise ValueError(
                f'SSPCMPoseEstimator: network {name} predicts heatmaps of '
                f'shape {tuple(predicted.shape)} but its pseudo labels have '
                f'shape {tuple(targets.shape)}; A, B and C need the same '
                'input size, keypoints and heatmap size')
        return self.consistency_loss(predicted, targets, labels.view.loss_mask)

    def _hard_view(self, easy: Tensor, teacher_heatmaps: Tensor,
                   keypoints: Tensor, ssco_valid: Tensor,
                   supervised: Tensor) -> HardView:
        """The hard view (:func:`.hard_view.build_hard_view`) with this
        SSCO and ``semi_train_cfg``."""
        return build_hard_view(easy, teacher_heatmaps, keypoints, ssco_valid,
                               supervised, **self._view_options)


def mean_confidence(heatmaps_a: Tensor, heatmaps_b: Tensor) -> Tensor:
    """[N, K] mean of A's and B's heatmap maxima, computed as the paper's
    code does (``(score1 + score2) / 2.0``, lib/models/my_pose_triple.py),
    so that values at the threshold fall the same way."""
    return (heatmaps_a.amax(dim=(-2, -1)) +
            heatmaps_b.amax(dim=(-2, -1))) / 2.0


def describe(value) -> str:
    """Type (and shape or length) of ``value``, for error messages."""
    shape = getattr(value, 'shape', None)
    if shape is not None:
        return f'{type(value).__name__} of shape {tuple(shape)}'
    if isinstance(value, (list, tuple)):
        return f'{type(value).__name__} of length {len(value)}'
    return type(value).__name__


__all__ = [
    'PseudoLabels', 'HeatmapPseudoLabels', 'mean_confidence', 'describe'
]
