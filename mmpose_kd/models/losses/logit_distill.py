"""Logit distillation of DWPose (Yang et al., ICCV-W 2023, Sec. 3.1
"Logit-based distillation", Eq. 2; Sec. 3.2 reuses it with weight gamma)."""
from typing import Optional, Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor

from mmpose_kd.utils.validation import check_choice


def _kl_per_keypoint(student_logits: Tensor, teacher_logits: Tensor,
                     temperature: float) -> Tensor:
    """KL(teacher || student) over the last dim, softened by
    ``temperature`` (multiplied, as RTMPose's ``beta``). Returns [N, K]."""
    log_p_s = F.log_softmax(student_logits * temperature, dim=-1)
    log_p_t = F.log_softmax(
        teacher_logits.to(student_logits.dtype) * temperature, dim=-1)
    return (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1)


def _masked_mean(per_keypoint: Tensor,
                 keypoint_weight: Optional[Tensor]) -> Tensor:
    """Mean of ``[N, K]`` per-keypoint losses over batch x keypoints; with a
    ``keypoint_weight`` ``[K]`` of 0/1 (0: a student keypoint no teacher
    keypoint teaches, docs/keypoint_maps.md), the mean over batch x the
    taught keypoints only, so an untaught keypoint neither contributes nor
    dilutes the loss (0 when none is taught)."""
    if keypoint_weight is None:
        return per_keypoint.mean()
    w = keypoint_weight.to(per_keypoint)
    total = (per_keypoint * w).sum()
    count = w.sum() * per_keypoint.shape[0]
    return total / count.clamp(min=1.)


@MODELS.register_module()
class SimCCLogitDistillLoss(nn.Module):
    """KL distillation of SimCC x/y logits (RTMPose heads).

    Implements DWPose Sec. 3.1, Eq. 2: the student's x and y classification
    distributions follow the teacher's, softened with the head's ``beta``
    (the factor the RTMCC head's ``KLDiscretLoss`` multiplies the logits
    by), for **all** keypoints, visible or not (the paper's point: the
    teacher knows where invisible keypoints are). The KL is summed over bins,
    over x and y, and averaged over batch x keypoints (with a
    ``keypoint_weight`` of a keypoint map: over batch x taught keypoints).

    Args:
        loss_weight (float): beta of the paper (0.1 in stage 1) or gamma
            (1.0 in stage 2).
        temperature (float, optional): softening factor; ``None`` means "the
            student head's ``loss_module.beta``", which the distiller passes.

    ``forward(..., distill_scale)`` multiplies the loss by the distillation
    weight ``r(t)`` of Sec. 3.1, which the distiller computes.
    """

    def __init__(self, loss_weight: float = 0.1, temperature=None):
        super().__init__()
        self.loss_weight = loss_weight
        self.temperature = temperature

    def forward(self,
                student_pred: Sequence[Tensor],
                teacher_pred: Sequence[Tensor],
                distill_scale: float = 1.0,
                temperature: float = None,
                keypoint_weight: Optional[Tensor] = None) -> Tensor:
        temp = self.temperature if self.temperature is not None else (
            temperature if temperature is not None else 1.0)
        if len(student_pred) != 2 or len(teacher_pred) != 2:
            raise ValueError('SimCCLogitDistillLoss expects (x, y) logits '
                             'from both student and teacher.')
        loss = 0.
        for s, t in zip(student_pred, teacher_pred):
            if s.shape != t.shape:
                raise ValueError(
                    f'SimCCLogitDistillLoss: student logits {tuple(s.shape)} '
                    f'and teacher logits {tuple(t.shape)} differ; teacher and '
                    'student need the same keypoints, input size and '
                    'simcc_split_ratio.')
            loss = loss + _masked_mean(
                _kl_per_keypoint(s, t.detach(), temp), keypoint_weight)
        return loss * (self.loss_weight * distill_scale)


@MODELS.register_module()
class HeatmapLogitDistillLoss(nn.Module):
    """Logit distillation for heatmap heads (HRNet/ResNet top-down models).

    The heatmap equivalent of DWPose Sec. 3.1, Eq. 2: for every keypoint
    (visible or not), either

    * ``mode='kl'``: KL between the teacher's and the student's spatial
      distributions, ``softmax(heatmap * temperature)`` over H*W, summed over
      positions and averaged over batch x keypoints; or
    * ``mode='mse'``: mean squared error between the heatmaps, as in
      classic heatmap distillation (FPD), averaged over all elements.

    With a ``keypoint_weight`` (keypoint maps, docs/keypoint_maps.md) both
    average over batch x the taught keypoints only.

    Args:
        loss_weight (float): beta (stage 1) or gamma (stage 2).
        mode (str): ``'kl'`` or ``'mse'``.
        temperature (float): softening factor for ``'kl'``. Heatmap values
            are O(1) Gaussians, so a large factor makes the softmax peaked.

    ``forward(..., distill_scale)`` multiplies the loss by ``r(t)``, as
    :class:`SimCCLogitDistillLoss`.
    """

    def __init__(self,
                 loss_weight: float = 0.1,
                 mode: str = 'mse',
                 temperature: float = 10.0):
        super().__init__()
        check_choice(mode, ('kl', 'mse'), 'HeatmapLogitDistillLoss: mode')
        self.loss_weight = loss_weight
        self.mode = mode
        self.temperature = temperature

    def forward(self,
                student_pred: Tensor,
                teacher_pred: Tensor,
                distill_scale: float = 1.0,
                temperature: float = None,
                keypoint_weight: Optional[Tensor] = None) -> Tensor:
        if isinstance(student_pred,
                      (tuple, list)) or isinstance(teacher_pred,
                                                   (tuple, list)):
            raise ValueError('HeatmapLogitDistillLoss expects heatmap tensors '
                             '[N, K, H, W]; use SimCCLogitDistillLoss for '
                             'SimCC heads.')
        if student_pred.shape != teacher_pred.shape:
            raise ValueError(
                f'HeatmapLogitDistillLoss: student heatmaps '
                f'{tuple(student_pred.shape)} and teacher heatmaps '
                f'{tuple(teacher_pred.shape)} differ; teacher and student '
                'need the same keypoints and heatmap size.')
        t = teacher_pred.detach().to(student_pred.dtype)
        if self.mode == 'mse':
            if keypoint_weight is None:
                loss = F.mse_loss(student_pred, t)
            else:  # the same mean, over the taught keypoints only
                loss = _masked_mean(
                    (student_pred - t).pow(2).flatten(2).mean(-1),
                    keypoint_weight)
        else:
            loss = _masked_mean(
                _kl_per_keypoint(
                    student_pred.flatten(2), t.flatten(2), self.temperature),
                keypoint_weight)
        return loss * (self.loss_weight * distill_scale)
