"""Masked heatmap MSE for pseudo-label consistency."""
from typing import Optional

import torch
import torch.nn as nn
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MaskedHeatmapMSELoss(nn.Module):
    """Masked MSE between predicted and pseudo-label heatmaps (SSPCM, Huang et
    al., CVPR 2023, Sec. 3.1-3.2: the consistency losses A<-B, B<-A and
    C<-PCM, with keypoints masked by confidence and position inconsistency).

    ``reduction='kept'`` (default): ``loss = loss_weight * sum(w * (pred -
    target)^2) / #{elements with w > 0}``, where ``w`` is the mask broadcast
    to [N, K, H, W]. For a bool mask this is the mean squared error over the
    kept heatmap pixels, so the loss scale does not depend on how many
    keypoints the PCM keeps; a float mask additionally weights the kept
    pixels.

    ``reduction='all'``: ``loss = loss_weight * sum(w * (pred - target)^2) /
    (N * K * H * W)``, the mean over all elements, masked ones counted as
    zeros. This is what the paper's code computes: its ``JointsMSELoss``
    (hlz0606/SSPCM ``lib/core/loss.py``) is ``0.5 * mean((w * pred - w *
    target)^2)`` over every element, so with a 0/1 mask it equals this
    reduction with ``loss_weight=0.5``; the fewer keypoints kept, the smaller
    the loss.

    When nothing is kept the loss is 0 and still part of the graph
    (``pred * 0``), so every parameter gets a (zero) gradient and
    distributed training does not stall.

    Args:
        loss_weight: factor on the loss.
        reduction: 'kept' (mean over kept elements) or 'all' (mean over all
            elements, the paper's code).
    """

    REDUCTIONS = ('kept', 'all')

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'kept'):
        super().__init__()
        if reduction not in self.REDUCTIONS:
            raise ValueError(f'MaskedHeatmapMSELoss: reduction must be one '
                             f'of {self.REDUCTIONS}, got {reduction!r}')
        self.loss_weight = float(loss_weight)
        self.reduction = reduction

    def forward(self,
                pred: Tensor,
                target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """
        Args:
            pred: [N, K, H, W] predicted heatmaps.
            target: [N, K, H, W] pseudo-label heatmaps (not differentiated).
            mask: [N, K] or [N, K, H, W], bool or float; ``None`` keeps all.

        Returns:
            scalar loss.
        """
        if pred.dim() != 4 or pred.shape != target.shape:
            raise ValueError(f'MaskedHeatmapMSELoss: pred and target must be '
                             f'[N, K, H, W] of the same shape, got '
                             f'{tuple(pred.shape)} and {tuple(target.shape)}')
        if mask is None:
            weight = torch.ones_like(pred)
        else:
            weight = torch.as_tensor(mask, device=pred.device)
            if weight.shape == pred.shape[:2]:
                weight = weight[..., None, None]
            elif weight.shape != pred.shape:
                raise ValueError(
                    f'MaskedHeatmapMSELoss: mask must be [N, K] = '
                    f'{tuple(pred.shape[:2])} or [N, K, H, W] = '
                    f'{tuple(pred.shape)}, got {tuple(weight.shape)}')
            weight = weight.to(pred.dtype).expand_as(pred)
        squared_error = (pred - target.detach())**2
        total = (weight * squared_error).sum()
        if self.reduction == 'all':
            return self.loss_weight * total / pred.numel()
        kept = (weight > 0).sum()
        # clamp keeps the all-masked case finite: total is then 0 (pred * 0).
        return self.loss_weight * total / kept.clamp(min=1)
