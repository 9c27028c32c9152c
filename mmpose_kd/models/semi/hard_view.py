"""The hard view of SSPCM (Huang et al., CVPR 2023, Sec. 3.1 and 3.3): what
a student learns from (:class:`HardView`) and the copy of it that
:class:`SSPCMVisualizationHook` draws.

:func:`build_hard_view` builds it (SSCO, then one affine ``theta`` for
images and heatmaps), :func:`build_keypoint_hard_view` for pseudo labels
given as keypoints, calling the warping functions and coordinate helpers
of :mod:`.warp` (where the one coordinate convention lives) through this
module's names, which ``tools/benchmark_sspcm.py`` times.
"""
from typing import Callable, NamedTuple, Optional

import torch
from torch import Tensor

from .pcm import PCMResult
from .warp import (heatmap_theta, heatmap_to_image_px, points_inside,
                   sample_hard_affine, warp_heatmaps, warp_images, warp_points)


class HardView(NamedTuple):
    """A student's hard view of the unlabeled batch and its targets."""
    images: Tensor  # [N, C, H, W] the student's input
    # [N, K, h, w] teacher heatmaps warped like the images, or [N, K, 2] the
    # pseudo keypoints moved into the hard view (build_keypoint_hard_view)
    targets: Tensor
    loss_mask: Tensor  # [N, K] bool, keypoints that are supervised
    occluded: Tensor  # [N, C, H, W] easy view after SSCO, before the affine
    patch_boxes: Tensor  # [N, P, 4] SSCO pasted boxes in ``occluded``
    theta: Tensor  # [N, 2, 3] the affine (see warp.py)
    keypoints: Tensor  # [N, K, 2] pseudo keypoints in easy-view image px


def views_to_draw(easy: Tensor, view: HardView, pcm: PCMResult) -> dict:
    """CPU copies of the easy view, C's hard view and the PCM's pseudo
    keypoints, with the SSCO patches' corners moved into the hard view:
    what :class:`SSPCMVisualizationHook` draws."""
    height, width = easy.shape[-2:]
    boxes = view.patch_boxes.float()
    # Centres of the corner pixels of the pasted (end-exclusive) boxes,
    # moved into the hard view.
    x1, y1, x2, y2 = boxes.unbind(-1)
    corners = torch.stack((torch.stack(
        (x1, y1), -1), torch.stack(
            (x2 - 1, y1), -1), torch.stack(
                (x2 - 1, y2 - 1), -1), torch.stack((x1, y2 - 1), -1)),
                          dim=-2)  # [N, P, 4, 2]
    corners_hard = corners
    if corners.numel():
        corners_hard = warp_points(
            corners.flatten(1, 2), view.theta,
            (height, width)).reshape(corners.shape)
    return dict(
        easy_images=easy.detach().cpu(),
        occluded_images=view.occluded.detach().cpu(),
        hard_images=view.images.detach().cpu(),
        keypoints_easy=view.keypoints.detach().cpu(),
        keypoints_hard=warp_points(view.keypoints, view.theta,
                                   (height, width)).detach().cpu(),
        kept=pcm.mask.detach().cpu(),
        patch_boxes=view.patch_boxes.detach().cpu(),
        patch_corners_hard=corners_hard.detach().cpu(),
        inconsistency=pcm.inconsistency.detach().cpu())


def build_hard_view(easy: Tensor,
                    teacher_heatmaps: Tensor,
                    keypoints: Tensor,
                    ssco_valid: Tensor,
                    supervised: Tensor,
                    cut_occlude: Optional[Callable],
                    hard_affine: dict,
                    mask_out_of_view: bool = True) -> HardView:
    """A student's hard view of the easy view (Sec. 3.1 and 3.3): SSCO
    around the pseudo keypoints, then one random affine for the images and
    the teacher heatmaps alike.

    Args:
        easy: the easy view [N, C, H, W].
        teacher_heatmaps: the teacher's heatmaps on it [N, K, h, w].
        keypoints: the pseudo keypoints [N, K, 2] in heatmap pixels.
        ssco_valid: [N, K] bool, keypoints that SSCO may paste around.
        supervised: [N, K] bool, keypoints the student learns.
        cut_occlude: the SSCO transform (``SemiCutOcclude``), or None.
        hard_affine: keyword arguments of :func:`.warp.sample_hard_affine`
            (``semi_train_cfg.hard_affine``).
        mask_out_of_view: drop from the loss mask the keypoints that the
            affine moves out of the view.
    """
    height, width = easy.shape[-2:]
    heatmap_size = teacher_heatmaps.shape[-2:]
    keypoints_px = heatmap_to_image_px(keypoints, heatmap_size,
                                       (height, width))
    view = build_keypoint_hard_view(easy, keypoints_px, ssco_valid, supervised,
                                    cut_occlude, hard_affine, mask_out_of_view)
    return view._replace(
        targets=warp_heatmaps(
            teacher_heatmaps,
            heatmap_theta(view.theta, (height, width), heatmap_size)))


def build_keypoint_hard_view(easy: Tensor,
                             keypoints_px: Tensor,
                             ssco_valid: Tensor,
                             supervised: Tensor,
                             cut_occlude: Optional[Callable],
                             hard_affine: dict,
                             mask_out_of_view: bool = True) -> HardView:
    """The hard view of :func:`build_hard_view` for pseudo labels given as
    keypoints (any head; :class:`.coordinate_pseudo_labels.
    CoordinatePseudoLabels`): SSCO around them, one random affine for the
    images, and the same affine moving the keypoints.

    ``keypoints_px`` [N, K, 2] are in easy-view image pixels; the returned
    ``targets`` are those keypoints moved into the hard view [N, K, 2], which
    the student's codec encodes. Other arguments as :func:`build_hard_view`.
    """
    num, _, height, width = easy.shape
    if cut_occlude is not None:
        occluded, boxes = cut_occlude(easy, keypoints_px, ssco_valid)
    else:
        occluded = easy
        boxes = torch.zeros(num, 0, 4, dtype=torch.long, device=easy.device)
    theta = sample_hard_affine(
        num, height, width, device=easy.device, **hard_affine)
    moved = warp_points(keypoints_px, theta, (height, width))
    loss_mask = supervised.bool()
    if mask_out_of_view:
        loss_mask = loss_mask & points_inside(moved, (height, width))
    return HardView(
        images=warp_images(occluded, theta),
        targets=moved,
        loss_mask=loss_mask,
        occluded=occluded,
        patch_boxes=boxes,
        theta=theta,
        keypoints=keypoints_px)
