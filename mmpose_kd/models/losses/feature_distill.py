"""Feature distillation of DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1,
"Feature-based distillation", Eq. 1)."""
from typing import Optional

import torch.nn as nn
from mmpose.registry import MODELS
from torch import Tensor

from mmpose_kd.utils.validation import check_choice


@MODELS.register_module()
class FeatureDistillLoss(nn.Module):
    """MSE between the student's and the teacher's last backbone stage.

    Implements DWPose Sec. 3.1, Eq. 1: ``L_fea = alpha * norm * sum (F_t -
    f(F_s))^2`` where ``f`` is a 1x1 convolution that maps the student's
    channels onto the teacher's (built only when the counts differ) and
    alpha is ``loss_weight`` (alias ``alpha``).

    The normalisation is explicit (``normalize``):

    * ``'batch'`` (default): sum over channels and positions, mean over the
      batch, ``1/B * sum_{b,c,h,w}``. This is what the released code
      computes (IDEA-Research/DWPose ``FeaLoss``: ``MSELoss(reduction='sum')
      / N * alpha_fea``; mmpose 1.3.2's ``FeaLoss`` is the same), with
      ``alpha_fea = 0.00007`` in every released distillation config, so the
      released alpha applies unchanged.
    * ``'element'``: mean over all ``B*C*H*W`` elements. Scale-free in the
      feature size; multiply alpha by ``C*H*W`` to match ``'batch'``.

    The distillation weight ``r(t)`` of Sec. 3.1 reaches the loss as
    ``distill_scale`` (the distiller computes it from the training
    progress); the loss never looks at a runner or a global.

    Args:
        student_channels (int): channels of the student's last stage.
        teacher_channels (int): channels of the teacher's last stage.
        loss_weight (float): the paper's alpha, named as the other losses
            name their weight; 7e-5 as in every released config (the
            paper's text states no value we could check here) when neither
            name is given.
        normalize (str): ``'batch'`` or ``'element'``.
        alpha (float): the same weight under the name the configs use
            (the released ``alpha_fea``, docs/recipes.md): give one of
            ``loss_weight`` and ``alpha``, not both.
    """

    def __init__(self,
                 student_channels: int,
                 teacher_channels: int,
                 loss_weight: Optional[float] = None,
                 normalize: str = 'batch',
                 *,
                 alpha: Optional[float] = None):
        super().__init__()
        check_choice(normalize, ('batch', 'element'),
                     'FeatureDistillLoss: normalize')
        if loss_weight is not None and alpha is not None:
            raise ValueError(
                'FeatureDistillLoss: got both loss_weight='
                f'{loss_weight!r} and alpha={alpha!r}; they name the same '
                'weight (alpha as in the released configs), give one.')
        if loss_weight is None:
            loss_weight = 7e-5 if alpha is None else alpha
        self.loss_weight = loss_weight
        self.normalize = normalize
        self.align = (
            nn.Conv2d(student_channels, teacher_channels, kernel_size=1)
            if student_channels != teacher_channels else nn.Identity())

    def forward(self,
                student_feat: Tensor,
                teacher_feat: Tensor,
                distill_scale: float = 1.0) -> Tensor:
        aligned = self.align(student_feat)
        if aligned.shape != teacher_feat.shape:
            raise ValueError(
                'FeatureDistillLoss: student feature '
                f'{tuple(aligned.shape)} (after 1x1 alignment) does not match '
                f'teacher feature {tuple(teacher_feat.shape)}; teacher and '
                'student need the same input size and backbone stride.')
        sq = (aligned - teacher_feat.to(aligned.dtype)).pow(2)
        if self.normalize == 'batch':
            loss = sq.sum() / sq.shape[0]
        else:
            loss = sq.mean()
        return loss * (self.loss_weight * distill_scale)
