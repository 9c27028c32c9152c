"""The hard view's random affine, applied on the device (SSPCM, Huang et al.,
CVPR 2023, Sec. 3.1 / 4.1: the unlabeled easy view is transformed again by a
random rotation and scale; the teachers' heatmaps are warped by the same
transform so that targets and student inputs stay aligned).

Conventions
-----------
This module is the one place of SSPCM's coordinate conventions:

* Image pixels: (x, y) with pixel centres at integer positions, so an image
  of width ``W`` spans ``[-0.5, W - 0.5]`` (:func:`points_inside`).
* ``theta`` [N, 2, 3] is what :func:`torch.nn.functional.affine_grid` takes
  with ``align_corners=False``: it maps a pixel of the *output* (warped)
  tensor, in normalised coordinates, to the place in the *input* it is
  sampled from. The pixel centre with index ``x`` in a row of width ``W``
  has the normalised coordinate ``(2 x + 1) / W - 1``
  (:func:`warp_points`). :func:`sample_hard_affine` builds ``theta`` from
  a rotation and a scale about the image centre *in pixels* (it is told the
  aspect ratio), so a rotation stays a rotation on non-square images,
  unlike the paper's code, which puts the 2x2 rotation straight into
  normalised coordinates (a shear for 192x256).
* Heatmaps follow mmpose's codecs: heatmap pixel ``j`` is image pixel
  ``stride * j`` (:func:`heatmap_to_image_px`). The images' ``theta``
  applied to heatmaps as they are would instead treat heatmap pixel ``j``
  as the image point ``stride * j + (stride - 1) / 2`` (the pixel centres
  of an evenly downsampled image), a shift of ``(stride - 1) / 2`` that
  rotation and scale move the targets by; :func:`heatmap_theta` gives the
  ``theta`` for heatmaps that keeps them aligned with the images exactly.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

SizeHW = Union[Tuple[int, int], Sequence[int], torch.Size]


def sample_hard_affine(num: int,
                       height: int,
                       width: int,
                       *,
                       rot_std: float = 30.,
                       rot_clip: float = 60.,
                       rot_prob: float = 0.8,
                       scale_std: float = 0.25,
                       scale_range: Tuple[float, float] = (0.75, 1.25),
                       shift_factor: float = 0.,
                       generator: Optional[torch.Generator] = None,
                       device=None,
                       return_params: bool = False):
    """Sample one random rotation + scale (+ shift) per sample as
    ``theta`` [N, 2, 3].

    Paper setting: rotation ~ N(0, 30 deg) clipped to +-60 deg, applied with
    probability 0.8 (else 0); scale ~ N(1, 0.25) clipped to [0.75, 1.25];
    no shift. Positive angles turn the content counter-clockwise as
    displayed (the OpenCV / mmpose convention); scale > 1 enlarges the
    content. Both act about the image centre, which they therefore leave
    in place; ``shift_factor`` > 0 then moves the content by
    U(-f, f) x (W, H) pixels (not in the paper), so that no position is
    left in place: keypoints predicted at one fixed place of every image
    are then no longer consistent between the views.

    Args:
        num: batch size N.
        height, width: size of the images the transform is for (only the
            aspect ratio matters; heatmaps of the same aspect ratio share it).
        generator: a torch.Generator for reproducibility; random numbers are
            drawn on its device (CPU by default) and moved to ``device``.
        device: device of the returned theta.
        return_params: also return ``(angle_deg [N], scale [N],
            shift_px [N, 2])`` (the shift zero without ``shift_factor``).

    Returns:
        theta [N, 2, 3] float32 on ``device`` (and the parameters if asked).
    """
    if num < 0 or height <= 0 or width <= 0:
        raise ValueError(f'sample_hard_affine needs num >= 0 and a positive '
                         f'size, got num={num}, height={height}, '
                         f'width={width}')
    if not 0. <= rot_prob <= 1.:
        raise ValueError(f'rot_prob must lie in [0, 1], got {rot_prob}')
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f'scale_range must be (low, high) with 0 < low <= '
                         f'high, got {scale_range}')
    if not 0. <= shift_factor < 1.:
        raise ValueError(
            f'shift_factor must lie in [0, 1), got {shift_factor}')
    sample_device = generator.device if generator is not None else device
    angle = torch.randn(num, generator=generator, device=sample_device)
    angle = (angle * rot_std).clamp(-rot_clip, rot_clip)
    rotate = torch.rand(
        num, generator=generator, device=sample_device) < rot_prob
    angle = torch.where(rotate, angle, torch.zeros_like(angle))
    scale = torch.randn(num, generator=generator, device=sample_device)
    scale = (1. + scale * scale_std).clamp(low, high)
    # Drawn only when asked, so that the paper's setting keeps its random
    # stream (and the values that tests pin).
    shift = None
    if shift_factor > 0.:
        shift = (torch.rand(num, 2, generator=generator, device=sample_device)
                 * 2. - 1.) * shift_factor
        shift = shift * shift.new_tensor([width, height])
        shift = shift.to(device)
    angle, scale = angle.to(device), scale.to(device)
    theta = affine_theta(angle, scale, height, width, shift)
    if return_params:
        if shift is None:
            shift = torch.zeros(num, 2, device=angle.device)
        return theta, (angle, scale, shift)
    return theta


def affine_theta(angle_deg: Tensor,
                 scale: Tensor,
                 height: int,
                 width: int,
                 shift_px: Optional[Tensor] = None) -> Tensor:
    """``theta`` [N, 2, 3] of a rotation by ``angle_deg`` (counter-clockwise
    as displayed) and a ``scale`` about the centre of an image of the given
    size, then a shift of the content by ``shift_px`` [N, 2] (x, y) pixels
    (None: none) (deterministic counterpart of :func:`sample_hard_affine`).
    """
    angle = torch.deg2rad(angle_deg.float())
    cos, sin = torch.cos(angle), torch.sin(angle)
    scale = scale.float()
    # Forward map on centred pixel coordinates (y points down), as in
    # cv2.getRotationMatrix2D: q = s [[cos, sin], [-sin, cos]] p.
    # theta is its inverse (output -> input), conjugated by the pixel ->
    # normalised scaling D = diag(2/W, 2/H): theta = D A^-1 D^-1.
    inv_a00 = cos / scale
    inv_a01 = -sin / scale
    inv_a10 = sin / scale
    inv_a11 = cos / scale
    aspect = height / width
    zeros = torch.zeros_like(cos)
    row0 = torch.stack((inv_a00, inv_a01 * aspect, zeros), dim=-1)
    row1 = torch.stack((inv_a10 / aspect, inv_a11, zeros), dim=-1)
    theta = torch.stack((row0, row1), dim=-2)
    if shift_px is None:
        return theta
    # q = A p + t (t in normalised units D t) inverts to
    # p = A^-1 q - A^-1 t: theta's last column is -(D A^-1 D^-1)(D t).
    shift = shift_px.to(theta) * theta.new_tensor([2. / width, 2. / height])
    column = -(theta[:, :, :2] @ shift[..., None])
    return torch.cat((theta[:, :, :2], column), dim=-1)


def warp_images(images: Tensor, theta: Tensor) -> Tensor:
    """Warp [N, C, H, W] images by ``theta`` (bilinear, zeros outside)."""
    return _warp(images, theta, 'images')


def warp_heatmaps(heatmaps: Tensor, theta: Tensor) -> Tensor:
    """Warp [N, K, h, w] heatmaps by ``theta`` (bilinear, zeros outside).
    For mmpose's heatmaps, pass :func:`heatmap_theta` of the images'
    ``theta`` to stay aligned with the warped images (see the module
    docstring)."""
    return _warp(heatmaps, theta, 'heatmaps')


def warp_points(points_xy: Tensor, theta: Tensor, size_hw: SizeHW) -> Tensor:
    """Map pixel coordinates of the source into the warped tensor.

    Args:
        points_xy: [N, ..., 2] (x, y) pixel coordinates (pixel centres at
            integer positions) of a tensor of spatial size ``size_hw``.
        theta: [N, 2, 3] as used by :func:`warp_images` /
            :func:`warp_heatmaps`.
        size_hw: (H, W) of the tensor the points refer to.

    Returns:
        [N, ..., 2] where the points land in the warped tensor (same
        resolution). Points may fall outside it.
    """
    if points_xy.shape[-1] != 2 or points_xy.shape[0] != theta.shape[0]:
        raise ValueError(f'warp_points needs points [N, ..., 2] and theta '
                         f'[N, 2, 3] with the same N, got '
                         f'{tuple(points_xy.shape)} and '
                         f'{tuple(theta.shape)}')
    height, width = int(size_hw[0]), int(size_hw[1])
    shape = points_xy.shape
    pts = points_xy.reshape(shape[0], -1, 2)
    if not pts.is_floating_point():
        pts = pts.float()
    theta = theta.to(device=pts.device, dtype=pts.dtype)
    size = pts.new_tensor([width, height])
    normed = (2. * pts + 1.) / size - 1.
    # theta maps output -> input; points go input -> output: invert it.
    linear, shift = theta[:, :, :2], theta[:, :, 2]
    out = torch.linalg.solve(linear,
                             (normed -
                              shift[:, None, :]).transpose(1,
                                                           2)).transpose(1, 2)
    pixel = ((out + 1.) * size - 1.) / 2.
    return pixel.reshape(shape)


def heatmap_to_image_px(points: Tensor, heatmap_size: Sequence[int],
                        image_size: Sequence[int]) -> Tensor:
    """(x, y) heatmap pixels -> input image pixels, in mmpose's heatmap
    convention: heatmap pixel ``j`` is image pixel ``stride * j`` (the
    MSRAHeatmap codec encodes ``keypoints / stride``)."""
    scale = points.new_tensor(
        [image_size[1] / heatmap_size[1], image_size[0] / heatmap_size[0]])
    return points * scale


def heatmap_theta(theta: Tensor, image_size: Sequence[int],
                  heatmap_size: Sequence[int]) -> Tensor:
    """``theta`` for heatmaps in mmpose's convention, from the images'.

    ``warp_heatmaps`` with the images' ``theta`` treats heatmap pixel ``j``
    as the image point ``stride * j + (stride - 1) / 2`` (pixel centres of
    an evenly downsampled image); mmpose's codecs put it at
    ``stride * j``. Shifting by that offset ``d`` (normalised) on both
    sides, ``theta_hm(n) = theta(n - d) + d``, keeps targets and images
    aligned exactly under rotation and scale.
    """
    height, width = image_size
    offset = theta.new_tensor([(width / heatmap_size[1] - 1.) / width,
                               (height / heatmap_size[0] - 1.) / height])
    linear = theta[:, :, :2]
    shift = theta[:, :, 2] + offset - linear @ offset
    return torch.cat((linear, shift[..., None]), dim=-1)


def points_inside(points: Tensor, size_hw: Sequence[int]) -> Tensor:
    """[..., 2] (x, y) image pixels -> [...] bool, inside an image of
    ``size_hw`` (pixel centres at integers, so the border is at -0.5)."""
    limit = points.new_tensor([size_hw[1], size_hw[0]]) - 0.5
    return ((points >= -0.5) & (points <= limit)).all(dim=-1)


def _warp(tensor: Tensor, theta: Tensor, name: str) -> Tensor:
    if tensor.dim() != 4:
        raise ValueError(f'{name} must be [N, C, H, W], got shape '
                         f'{tuple(tensor.shape)}')
    if theta.shape != (tensor.shape[0], 2, 3):
        raise ValueError(f'theta must be [{tensor.shape[0]}, 2, 3] for {name} '
                         f'of shape {tuple(tensor.shape)}, got '
                         f'{tuple(theta.shape)}')
    theta = theta.to(device=tensor.device, dtype=tensor.dtype)
    grid = F.affine_grid(theta, list(tensor.shape), align_corners=False)
    return F.grid_sample(
        tensor,
        grid,
        mode='bilinear',
        padding_mode='zeros',
        align_corners=False)


__all__ = [
    'sample_hard_affine', 'affine_theta', 'warp_images', 'warp_heatmaps',
    'warp_points', 'heatmap_to_image_px', 'heatmap_theta', 'points_inside'
]
