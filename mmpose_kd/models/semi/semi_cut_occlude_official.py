"""``SemiCutOcclude(official_placement=True)``: the placement of the
released SSPCM code (``cutmix_based_on_keypoint_perception``), for
:class:`.semi_cut_occlude.SemiCutOcclude`."""
from typing import Dict, Tuple

import torch
from torch import Tensor


def official_cut_occlude(ssco, images: Tensor, keypoints: Tensor, rand,
                         inplace: bool) -> Tuple[Tensor, Tensor]:
    """``official_placement=True``: the released
    ``cutmix_based_on_keypoint_perception``, given ``ssco``'s draws
    (:class:`.semi_cut_occlude.SemiCutOcclude`, its ``_Random`` ``rand``)."""
    num, _, height, width = images.shape
    count = ssco.num_patches
    draws = official_draws(ssco, num, keypoints.shape[1], rand)
    dst_kpt = draws['dst_kpt'].tolist()
    src_kpt = draws['src_kpt'].tolist()
    source_image = draws['source_image'].tolist()
    # re_joints = (joints + randn * 10).int(): truncation towards zero.
    centres = torch.trunc(keypoints.cpu() +
                          draws['jitter'] * ssco.jitter_std).long()
    half = draws['half']
    # The swap: center_x (a column) = joint y, center_y (a row) = joint
    # x; size[..., 1] spans columns, size[..., 0] rows.
    cols, rows = centres[..., 1], centres[..., 0]
    x0 = (cols - half[..., 1]).clamp(0, width - 1)
    x1 = (cols + half[..., 1]).clamp(0, width - 1)
    y0 = (rows - half[..., 0]).clamp(0, height - 1)
    y1 = (rows + half[..., 0]).clamp(0, height - 1)
    cols, rows, x0, x1, y0, y1 = (
        t.tolist() for t in (cols, rows, x0, x1, y0, y1))

    boxes = [[[0, 0, 0, 0] for _ in range(count)] for _ in range(num)]
    writes = []  # (image, box rows and columns, source or None: zeros)
    for i in range(num):
        s = source_image[i]
        for p in range(count):
            j, j2 = dst_kpt[i][p], src_kpt[i][p]
            sx0, sx1, sy0, sy1 = x0[s][j2], x1[s][j2], y0[s][j2], y1[s][j2]
            scx, scy = cols[s][j2], rows[s][j2]
            xs = _clip(cols[i][j] - abs(sx0 - scx), width - 1)
            xe = _clip(cols[i][j] + abs(sx1 - scx), width - 1)
            ys = _clip(rows[i][j] - abs(sy0 - scy), height - 1)
            ye = _clip(rows[i][j] + abs(sy1 - scy), height - 1)
            dst_w, dst_h = max(xe - xs, 0), max(ye - ys, 0)
            if dst_w == 0 or dst_h == 0:
                continue
            off_x = abs((sx1 - sx0) - dst_w)
            off_y = abs((sy1 - sy0) - dst_h)
            a0, a1 = _slice(sx0 + (off_x if xs == 0 else 0),
                            sx1 - (off_x if xe == width - 1 else 0), width)
            b0, b1 = _slice(sy0 + (off_y if ys == 0 else 0),
                            sy1 - (off_y if ye == height - 1 else 0), height)
            boxes[i][p] = [xs, ys, xe, ye]
            same = (a1 - a0, b1 - b0) == (dst_w, dst_h)
            writes.append(
                (i, ys, ye, xs, xe, (s, b0, b1, a0, a1) if same else None))

    # Read every source before any write (sources are input pixels).
    pixels = []
    for *_, src in writes:
        if src is None:
            pixels.append(None)
            continue
        s, b0, b1, a0, a1 = src
        patch = images[s, :, b0:b1, a0:a1]
        pixels.append(patch.clone() if inplace else patch)
    out = images if inplace else images.clone()
    for (i, ys, ye, xs, xe, _), patch in zip(writes, pixels):
        if patch is None:
            out[i, :, ys:ye, xs:xe] = 0
        else:
            out[i, :, ys:ye, xs:xe] = patch
    return out, torch.tensor(
        boxes, dtype=torch.long, device=images.device).view(num, count, 4)


def official_draws(ssco, num: int, num_kpts: int, rand) -> Dict[str, Tensor]:
    """The random numbers of ``official_placement``, on the CPU: the
    released code's ``torch.randn((N, K, 2))`` (``'jitter'``, unit std),
    ``torch.randint(10, 20, (N, K, 2))`` (``'half'``) and, per image,
    ``np.random.choice(K, P)`` twice (``'dst_kpt'``, ``'src_kpt'``
    [N, P]) and ``np.random.randint(0, N)`` (``'source_image'`` [N])."""
    count = ssco.num_patches
    jitter = rand.randn((num, num_kpts, 2)).cpu()
    unit = rand.rand((num, num_kpts, 2)).cpu().double()
    low, high = ssco.half_size_range
    return dict(
        jitter=jitter,
        half=torch.floor(low + (high - low) * unit).long(),
        dst_kpt=rand.randint(0, num_kpts, (num, count)).cpu(),
        src_kpt=rand.randint(0, num_kpts, (num, count)).cpu(),
        source_image=rand.randint(0, num, (num, )).cpu())


def _clip(value: int, high: int) -> int:
    return min(max(value, 0), high)


def _slice(start: int, stop: int, length: int) -> Tuple[int, int]:
    """``[start:stop]`` on an axis of ``length`` as Python and torch slice
    it (negative ends count from the end): (first, end), end >= first."""
    first, end, _ = slice(start, stop).indices(length)
    return first, max(end, first)


__all__ = ['official_cut_occlude', 'official_draws']
