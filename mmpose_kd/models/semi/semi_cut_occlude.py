"""Semi-supervised Cut-Occlude (SSCO) on a batch, on the batch's device
(inside the model, beside the hard view's other batch operations); the
``official_placement`` variant is :mod:`.semi_cut_occlude_official`."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS
from torch import Tensor

from .semi_cut_occlude_official import official_cut_occlude

GeneratorLike = Union[None, int, torch.Generator]


@TRANSFORMS.register_module()
class SemiCutOcclude(BaseTransform):
    """Semi-supervised Cut-Occlude based on pseudo keypoint perception (SSPCM,
    Huang et al., CVPR 2023, Sec. 3.3 "SSCO").

    For each image of a batch, ``num_patches`` of its (pseudo) keypoints are
    picked; for each, a patch is cut from *another* image of the batch,
    centred on one of that image's keypoints, and pasted centred on the
    picked keypoint. This makes hard, realistically occluded samples (a limb
    covered by another person's limb). Unlike the paper's code, x is x and y
    is y: the half size in x spans columns, in y rows.
    ``official_placement=True`` switches to the released code's rules
    instead (see below).

    Details (all sizes are given at ``ref_size`` and scaled to the batch's
    image size per axis):

    * half sizes: uniform in ``half_size_range`` per axis and patch, rounded
      to whole pixels (paper: 10-20 px at 256x192); the patch spans
      ``[c - half, c + half)`` on each axis;
    * both centres (source and destination) get Gaussian jitter of
      ``jitter_std`` px (paper: 10) and are rounded to whole pixels;
    * one source image per destination image, drawn uniformly among the
      *other* images (a batch of one uses itself);
    * keypoints are drawn without replacement among the valid ones; a patch
      without a valid destination or source keypoint is skipped;
    * clipping: only pixels whose destination and source both lie inside the
      image are pasted, so the pasted region stays one rectangle; later
      patches overwrite earlier ones; source pixels come from the input
      batch, never from already pasted pixels.

    ``official_placement=True`` reproduces the released code's
    ``cutmix_based_on_keypoint_perception`` (hlz0606/SSPCM, commit 7a8ac57,
    ``SSPCM/lib/models/my_pose_triple.py`` l. 836-921), with the same
    distributions (its numpy draws are not replayed) and, given the draws,
    the same pixels:

    * x and y swapped: a keypoint at (x, y) is placed at *column* y and
      *row* x (columns clamped to ``[0, W - 1]``, rows to ``[0, H - 1]``);
    * one jitter N(0, ``jitter_std``) px per image and keypoint, shared by
      that keypoint's use as destination and as source, truncated towards
      zero (``.int()``), not rounded;
    * half sizes integer, uniform in ``[low, high)`` per axis and keypoint
      (``torch.randint(10, 20)``: 10..19; ``floor(low + (high - low) * U)``
      for other ranges, ``low`` when both are equal);
    * pixel figures in px of the batch: ``ref_size`` is not used;
    * destination and source keypoints drawn with replacement among *all*
      keypoints (``np.random.choice(K, num_patches)``), valid or not
      (``valid`` and confidences are ignored; non-finite keypoints are at
      (0, 0));
    * the source image drawn among *all* images, itself included
      (``np.random.randint(0, N)``);
    * the released clipping: the source box is clamped to the image
      (``[0, W - 1]``, ``[0, H - 1]``, so the last row and column are never
      used), the destination extends from the destination centre as far as
      the clamped source extends from its centre and is clamped likewise,
      a side that touches 0 or the last index is trimmed by the size
      difference (Python slice rules, negative ends included), and if the
      trimmed source does not have the destination's size the destination
      box is set to 0 (the mean colour of normalised images) instead;
      an empty destination is skipped.

    ``boxes`` then reports every written box, pasted or set to 0; sources
    are still the input pixels. This mode loops over the N x ``num_patches``
    patches in Python (like the released code) after one copy of the
    keypoints and draws to the CPU.

    Call it on a batch: ``out, boxes = ssco(images [N, C, H, W], keypoints
    [N, K, 2] (x, y) image px, valid [N, K] bool or None)``; ``boxes`` is
    [N, num_patches, 4] long (x1, y1, x2, y2) of the pasted regions in the
    output, end-exclusive, all zero for a skipped or fully clipped patch.
    ``transform(results)`` offers the same to mmcv-style pipelines.

    Args:
        num_patches: patches per image (paper: 2).
        half_size_range: (low, high) half size in px at ``ref_size``.
        jitter_std: std of the centre jitter in px at ``ref_size``.
        ref_size: (w, h) the pixel figures refer to (paper: 192x256).
        generator: a torch.Generator or an int seed; random numbers are drawn
            on its device (CPU for a seed) and moved to the images' device.
            ``None`` uses torch's global generator on the images' device.
        official_placement: False (default): the rules above. True: the
            released code's rules (x/y swap, picks with replacement among
            all keypoints and all images, truncated jitter, integer half
            sizes, its clipping and zero fill; see above). From an SSPCM
            config: ``model.semi_train_cfg.cut_occlude.official_placement``.
    """

    def __init__(self,
                 num_patches: int = 2,
                 half_size_range: Tuple[float, float] = (10, 20),
                 jitter_std: float = 10.,
                 ref_size: Tuple[int, int] = (192, 256),
                 generator: GeneratorLike = None,
                 official_placement: bool = False):
        super().__init__()
        if not isinstance(official_placement, (bool, np.bool_)):
            raise TypeError(f'SemiCutOcclude: official_placement must be '
                            f'True or False, got {official_placement!r}')
        if int(num_patches) != num_patches or num_patches < 0:
            raise ValueError(f'SemiCutOcclude: num_patches must be an int >= '
                             f'0, got {num_patches!r}')
        if (len(half_size_range) != 2
                or not 0 <= half_size_range[0] <= half_size_range[1]):
            raise ValueError(f'SemiCutOcclude: half_size_range must be (low, '
                             f'high) with 0 <= low <= high, got '
                             f'{half_size_range!r}')
        if jitter_std < 0:
            raise ValueError(f'SemiCutOcclude: jitter_std must be >= 0, got '
                             f'{jitter_std!r}')
        if len(ref_size) != 2 or min(ref_size) <= 0:
            raise ValueError(f'SemiCutOcclude: ref_size must be a positive '
                             f'(w, h), got {ref_size!r}')
        self.num_patches = int(num_patches)
        self.half_size_range = tuple(float(v) for v in half_size_range)
        self.jitter_std = float(jitter_std)
        self.ref_size = tuple(int(v) for v in ref_size)
        self.generator = _as_generator(generator)
        self.official_placement = bool(official_placement)

    def __call__(self, *args, **kwargs):
        """``ssco(results_dict)`` for pipelines, otherwise
        ``ssco(images, keypoints, valid=None, generator=None)``."""
        if len(args) == 1 and not kwargs and isinstance(args[0], dict):
            return self.transform(args[0])
        return self.cut_occlude(*args, **kwargs)

    def transform(self, results: Dict) -> Dict:
        """Occlude ``results['inputs']`` [N, C, H, W] using
        ``results['keypoints']`` [N, K, 2] and, if present,
        ``results['keypoints_visible']`` [N, K] (bool, or numbers where > 0
        means valid). Writes the occluded batch back to ``'inputs'`` and the
        pasted boxes to ``'ssco_boxes'``."""
        for key in ('inputs', 'keypoints'):
            if key not in results:
                raise KeyError(f'SemiCutOcclude.transform needs results['
                               f'{key!r}]; got keys {sorted(results)}')
        images = results['inputs']
        if not isinstance(images, Tensor):
            raise TypeError(f"SemiCutOcclude: results['inputs'] must be a "
                            f'batch tensor [N, C, H, W], got '
                            f'{type(images).__name__}')
        visible = results.get('keypoints_visible', None)
        valid = None
        if visible is not None:
            visible = torch.as_tensor(visible, device=images.device)
            valid = visible if visible.dtype == torch.bool else visible > 0
        out, boxes = self.cut_occlude(images, results['keypoints'], valid)
        results['inputs'] = out
        results['ssco_boxes'] = boxes
        return results

    def cut_occlude(self,
                    images: Tensor,
                    keypoints,
                    valid=None,
                    generator: GeneratorLike = None,
                    inplace: bool = False) -> Tuple[Tensor, Tensor]:
        """Paste keypoint-centred patches of other images of the batch.

        Returns ``(out_images, patch_boxes)``; see the class docstring.
        ``generator`` overrides the stored one for this call. The input batch
        is not modified unless ``inplace=True`` (same result, written into
        ``images``; saves a full copy of the batch).
        """
        images, keypoints, valid = self._check_inputs(images, keypoints, valid)
        device = images.device
        num, _, height, width = images.shape
        num_kpts = keypoints.shape[1]
        num_patches = self.num_patches
        boxes = torch.zeros(
            num, num_patches, 4, dtype=torch.long, device=device)
        if num == 0 or num_kpts == 0 or num_patches == 0:
            return (images if inplace else images.clone()), boxes

        rand = _Random(_as_generator(generator) or self.generator, device)
        if self.official_placement:
            return official_cut_occlude(self, images, keypoints, rand, inplace)
        # Pixel figures are given at ref_size; scale them per axis.
        scale_cpu = torch.tensor(
            [width / self.ref_size[0], height / self.ref_size[1]])
        scale_xy = scale_cpu.to(device)

        # Which image each one borrows from: any other image of the batch.
        if num > 1:
            source_image = (torch.arange(num, device=device) +
                            rand.randint(1, num, (num, ))) % num
        else:
            source_image = torch.zeros(1, dtype=torch.long, device=device)

        dst_kpt, dst_ok = _pick_valid(valid, num_patches, rand)
        src_kpt, src_ok = _pick_valid(valid[source_image], num_patches, rand)
        patch_ok = dst_ok & src_ok  # [N, P]

        dst_xy = keypoints.gather(1, dst_kpt[..., None].expand(-1, -1, 2))
        src_xy = keypoints[source_image].gather(
            1, src_kpt[..., None].expand(-1, -1, 2))
        jitter = self.jitter_std * scale_xy
        dst_c = torch.round(dst_xy +
                            rand.randn((num, num_patches, 2)) * jitter).long()
        src_c = torch.round(src_xy +
                            rand.randn((num, num_patches, 2)) * jitter).long()
        low, high = self.half_size_range
        half = low + (high - low) * rand.rand((num, num_patches, 2))
        half = torch.round(half * scale_xy).long()

        size = torch.tensor([width, height], device=device)
        shift = src_c - dst_c  # source px = destination px + shift
        # Pasted region: patch rectangle, inside the destination image, and
        # with its source inside the source image (an intersection of boxes).
        start = torch.maximum(dst_c - half,
                              torch.maximum(torch.zeros_like(shift), -shift))
        end = torch.minimum(dst_c + half,
                            torch.minimum(size - shift, size.expand_as(shift)))
        nonempty = patch_ok & (end > start).all(dim=-1)
        start = torch.where(nonempty[..., None], start, 0)
        end = torch.where(nonempty[..., None], end, 0)
        boxes = torch.cat((start, end), dim=-1)

        # One scatter per patch index over a [N, max_h, max_w] grid bounded
        # by the largest possible box (the images of one patch index are
        # distinct, so a scatter has no conflicts). All source pixels are read
        # before any write, so pastes never copy pasted pixels, in place too.
        max_w, max_h = (2 * torch.round(high * scale_cpu).long()).tolist()
        grid_x = torch.arange(max_w, device=device)
        grid_y = torch.arange(max_h, device=device)
        batch = torch.arange(num, device=device)
        box_size = end - start
        pastes = []
        for patch in range(num_patches):
            inside = (
                (grid_x[None, None, :] < box_size[:, patch, 0, None, None])
                & (grid_y[None, :, None] < box_size[:, patch, 1, None, None]))
            dst_x = start[:, patch, 0, None, None] + grid_x[None, None, :]
            dst_y = start[:, patch, 1, None, None] + grid_y[None, :, None]
            n_idx = batch[:, None, None].expand_as(inside)[inside]
            x_idx = dst_x.expand_as(inside)[inside]
            y_idx = dst_y.expand_as(inside)[inside]
            pixels = images[source_image[n_idx], :,
                            y_idx + shift[n_idx, patch, 1],
                            x_idx + shift[n_idx, patch, 0]]
            pastes.append((n_idx, y_idx, x_idx, pixels))
        out = images if inplace else images.clone()
        for n_idx, y_idx, x_idx, pixels in pastes:  # later patches win
            out[n_idx, :, y_idx, x_idx] = pixels
        return out, boxes

    def _check_inputs(self, images, keypoints, valid):
        if not isinstance(images, Tensor) or images.dim() != 4:
            raise ValueError('SemiCutOcclude: images must be a tensor [N, C, '
                             f'H, W], got {_describe(images)}')
        device = images.device
        keypoints = torch.as_tensor(keypoints, device=device)
        num = images.shape[0]
        if (keypoints.dim() != 3 or keypoints.shape[0] != num
                or keypoints.shape[2] < 2):
            raise ValueError(f'SemiCutOcclude: keypoints must be [N={num}, '
                             f'K, 2] (x, y), got {_describe(keypoints)}')
        keypoints = keypoints[..., :2].float()
        finite = torch.isfinite(keypoints).all(dim=-1)
        if valid is None:
            valid = finite
        else:
            valid = torch.as_tensor(valid, device=device)
            if valid.shape != keypoints.shape[:2]:
                raise ValueError(f'SemiCutOcclude: valid must be [N, K] = '
                                 f'{tuple(keypoints.shape[:2])}, got '
                                 f'{_describe(valid)}')
            valid = valid.bool() & finite
        keypoints = torch.where(finite[..., None], keypoints, 0.)
        return images, keypoints, valid

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_patches={self.num_patches}, '
                f'half_size_range={self.half_size_range}, '
                f'jitter_std={self.jitter_std}, ref_size={self.ref_size}, '
                f'official_placement={self.official_placement})')


def _pick_valid(valid: Tensor, count: int,
                rand: '_Random') -> Tuple[Tensor, Tensor]:
    """Per row, ``count`` distinct random indices among the True entries of
    ``valid`` [N, K]; returns (indices [N, count], ok [N, count])."""
    num, num_kpts = valid.shape
    keys = rand.rand((num, num_kpts))
    # Valid keys lie in [0, 1), invalid ones are -1: top-k takes valid first.
    keys = torch.where(valid, keys, -1.)
    take = min(count, num_kpts)
    values, index = keys.topk(take, dim=1)
    ok = values >= 0
    if take < count:  # more patches than keypoints: the rest are skipped
        pad = count - take
        index = torch.cat((index, index.new_zeros(num, pad)), dim=1)
        ok = torch.cat((ok, ok.new_zeros(num, pad)), dim=1)
    return index, ok


class _Random:
    """Draws on the generator's device and moves results to the batch's
    device, so a CPU generator gives the same patches on any device."""

    def __init__(self, generator: Optional[torch.Generator], device):
        self.generator = generator
        self.device = device
        self.sample_device = (
            generator.device if generator is not None else device)

    def rand(self, shape: Sequence[int]) -> Tensor:
        return torch.rand(
            shape, generator=self.generator,
            device=self.sample_device).to(self.device)

    def randn(self, shape: Sequence[int]) -> Tensor:
        return torch.randn(
            shape, generator=self.generator,
            device=self.sample_device).to(self.device)

    def randint(self, low: int, high: int, shape: Sequence[int]) -> Tensor:
        return torch.randint(
            low,
            high,
            shape,
            generator=self.generator,
            device=self.sample_device).to(self.device)


def _as_generator(generator: GeneratorLike) -> Optional[torch.Generator]:
    if generator is None or isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, (int, np.integer)):
        seeded = torch.Generator()
        seeded.manual_seed(int(generator))
        return seeded
    raise TypeError('SemiCutOcclude: generator must be None, an int seed or a '
                    f'torch.Generator, got {type(generator).__name__}')


def _describe(value) -> str:
    shape = getattr(value, 'shape', None)
    if shape is not None:
        return f'{type(value).__name__} of shape {tuple(shape)}'
    return repr(value)
