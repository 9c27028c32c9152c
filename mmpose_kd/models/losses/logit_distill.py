"""Logit distillation of DWPose (Yang et al., ICCV-W 2023, Sec. 3.1
"Logit-based distillation", Eq. 2; Sec. 3.2 reuses it with weight gamma)."""
from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmpose.registry import MODELS


def _kl_per_keypoint(student_logits: Tensor, teacher_logits: Tensor,
                     temperature: float) -> Tensor:
    """KL(teacher || student) over the last dim, softened by
    ``temperature`` (multiplied, as RTMPose's ``beta``). Returns [N, K]."""
    log_p_s = F.log_softmax(student_logits * temperature, dim=-1)
    log_p_t = F.log_softmax(teacher_logits.to(student_logits.dtype) *
                            temperature, dim=-1)
    return (log_p_t.exp() * (log_p_t - log_p_s)).sum(dim=-1)


@MODELS.register_module()
class SimCCLogitDistillLoss(nn.Module):
    """KL distillation of SimCC x/y logits (RTMPose heads).

    Implements DWPose Sec. 3.1, Eq. 2: the student's x and y classification
    distributions follow the teacher's, softened with the head's ``beta``
    (the factor the RTMCC head's ``KLDiscretLoss`` multiplies the logits
    by), for **all** keypoints, visible or not (the paper's point: the
    teacher knows where invisible keypoints are). The KL is summed over bins,
    over x and y, and averaged over batch x keypoints.

    Args:
        loss_weight (float): beta of the paper (0.1 in stage 1) or gamma
            (1.0 in stage 2).
        temperature (float, optional): softening factor; ``None`` means "the
            student head's ``loss_module.beta``", which the distiller passes.
    """

    def __init__(self, loss_weight: float = 0.1, temperature=None):
        super().__init__()
        self.loss_weight = loss_weight
        self.temperature = temperature

    def forward(self,
                student_pred: Sequence[Tensor],
                teacher_pred: Sequence[Tensor],
                weight_scale: float = 1.0,
                temperature: float = None) -> Tensor:
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
            loss = loss + _kl_per_keypoint(s, t.detach(), temp).mean()
        return loss * (self.loss_weight * weight_scale)


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

    Args:
        loss_weight (float): beta (stage 1) or gamma (stage 2).
        mode (str): ``'kl'`` or ``'mse'``.
        temperature (float): softening factor for ``'kl'``. Heatmap values
            are O(1) Gaussians, so a large factor makes the softmax peaked.
    """

    def __init__(self, loss_weight: float = 0.1, mode: str = 'mse',
                 temperature: float = 10.0):
        super().__init__()
        if mode not in ('kl', 'mse'):
            raise ValueError(
                f"HeatmapLogitDistillLoss: mode must be 'kl' or 'mse', got "
                f'{mode!r}')
        self.loss_weight = loss_weight
        self.mode = mode
        self.temperature = temperature

    def forward(self,
                student_pred: Tensor,
                teacher_pred: Tensor,
                weight_scale: float = 1.0,
                temperature: float = None) -> Tensor:
        if isinstance(student_pred, (tuple, list)) or isinstance(
                teacher_pred, (tuple, list)):
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
            loss = F.mse_loss(student_pred, t)
        else:
            loss = _kl_per_keypoint(student_pred.flatten(2), t.flatten(2),
                                    self.temperature).mean()
        return loss * (self.loss_weight * weight_scale)
