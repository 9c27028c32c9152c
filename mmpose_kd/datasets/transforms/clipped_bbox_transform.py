"""Random box scale and rotation drawn as Simple Baseline / HRNet draw them,
which is what the official SSPCM code does for the labeled samples and the
easy view of the unlabeled ones.

Why not mmpose's ``RandomBBoxTransform``: it draws a *truncated* normal on
[-1, 1] and scales it, so a scale range (0.75, 1.25) gives N(1, 0.25)
truncated to [0.75, 1.25], and a rotation factor r gives N(0, r) truncated to
[-r, r]. The official code (hlz0606/SSPCM ``lib/dataset/JointsDataset.py``
``__getitem__`` and ``lib/dataset/mix_coco_coco.py``) *clips* a normal draw::

    scale = np.clip(np.random.randn() * sf + 1, 1 - sf, 1 + sf)
    rot = np.clip(np.random.randn() * rf, -rf * 2, rf * 2) \\
        if random.random() <= 0.6 else 0

with sf = 0.25 and rf = 30 (``DATASET.SCALE_FACTOR`` / ``ROT_FACTOR`` of
every released yaml): the scale sits exactly at 0.75 or 1.25 about 32% of the
time, and the rotation is N(0, 30 deg) with tails up to +-60 deg. No setting
of ``RandomBBoxTransform`` gives either distribution.
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ClippedNormalBBoxTransform(BaseTransform):
    """Scale and rotate the boxes by clipped normal draws: the augmentation
    of the labeled samples and of the easy view of SSPCM (Huang et al.,
    CVPR 2023, Sec. 4.1) as its official code draws it (the distributions
    of Simple Baseline / HRNet).

    Per box: ``scale = clip(N(1, scale_factor), 1 - scale_factor,
    1 + scale_factor)`` with probability ``scale_prob`` (else 1), and
    ``rotation = clip(N(0, rotate_factor), -rotate_clip * rotate_factor,
    rotate_clip * rotate_factor)`` degrees with probability ``rotate_prob``
    (else 0). No shift. Place it where mmpose's ``RandomBBoxTransform``
    goes: after ``GetBBoxCenterScale`` (and ``RandomFlip``), before
    ``TopdownAffine``.

    Required keys: ``bbox_scale``. Modified keys: ``bbox_scale``. Added
    keys: ``bbox_rotation``.

    Args:
        scale_factor (float): standard deviation of the scale draw and
            half-width of its clip range. Defaults to 0.25 (official).
        scale_prob (float): probability of a random scale. Defaults to 1.0
            (official: always).
        rotate_factor (float): standard deviation of the rotation draw in
            degrees. Defaults to 30.0 (official).
        rotate_clip (float): the rotation is clipped to ``+-rotate_clip *
            rotate_factor``. Defaults to 2.0 (official).
        rotate_prob (float): probability of a random rotation. Defaults to
            0.6 (official).
    """

    def __init__(self,
                 scale_factor: float = 0.25,
                 scale_prob: float = 1.0,
                 rotate_factor: float = 30.0,
                 rotate_clip: float = 2.0,
                 rotate_prob: float = 0.6) -> None:
        super().__init__()
        for name, value in (('scale_factor', scale_factor),
                            ('rotate_factor', rotate_factor), ('rotate_clip',
                                                               rotate_clip)):
            if not value >= 0:
                raise ValueError(f'ClippedNormalBBoxTransform: {name} must '
                                 f'be >= 0, got {value!r}')
        if scale_factor >= 1:
            raise ValueError('ClippedNormalBBoxTransform: scale_factor must '
                             f'be < 1 (the scale stays positive), got '
                             f'{scale_factor!r}')
        for name, value in (('scale_prob', scale_prob), ('rotate_prob',
                                                         rotate_prob)):
            if not 0 <= value <= 1:
                raise ValueError(f'ClippedNormalBBoxTransform: {name} must '
                                 f'be in [0, 1], got {value!r}')
        self.scale_factor = scale_factor
        self.scale_prob = scale_prob
        self.rotate_factor = rotate_factor
        self.rotate_clip = rotate_clip
        self.rotate_prob = rotate_prob

    @cache_randomness
    def _get_transform_params(self, num_bboxes: int):
        sf, rf = self.scale_factor, self.rotate_factor
        scale = np.clip(
            np.random.randn(num_bboxes, 1) * sf + 1, 1 - sf, 1 + sf)
        scale = np.where(
            np.random.rand(num_bboxes, 1) < self.scale_prob, scale, 1.)
        limit = self.rotate_clip * rf
        rotate = np.clip(np.random.randn(num_bboxes) * rf, -limit, limit)
        rotate = np.where(
            np.random.rand(num_bboxes) < self.rotate_prob, rotate, 0.)
        return scale.astype(np.float32), rotate.astype(np.float32)

    def transform(self, results: Dict) -> Optional[dict]:
        bbox_scale = results['bbox_scale']
        scale, rotate = self._get_transform_params(bbox_scale.shape[0])
        results['bbox_scale'] = bbox_scale * scale
        results['bbox_rotation'] = rotate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'scale_factor={self.scale_factor}, '
                f'scale_prob={self.scale_prob}, '
                f'rotate_factor={self.rotate_factor}, '
                f'rotate_clip={self.rotate_clip}, '
                f'rotate_prob={self.rotate_prob})')
