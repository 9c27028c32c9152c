"""Position inconsistency Pseudo label Correction Module (PCM) as pure tensor
functions (SSPCM, Huang et al., CVPR 2023, Sec. 3.2 "Position Inconsistency
Pseudo Label Correction Module").

For every image and keypoint the two teachers A and B and their snapshots from
the end of the previous epoch (A', B') each give a heatmap. Of the four pairs
(A, B), (A', B), (A, B'), (A', B') the one whose argmax positions lie closest
together is the most trustworthy; the corrected pseudo heatmap is the mean of
that pair. The distance of the chosen pair divided by the heatmap diagonal is
the *position inconsistency*; keypoints with a low mean confidence or a high
inconsistency are masked out of the student's loss.

Everything here is stateless and vectorised over batch x keypoints on the
tensors' device; :func:`correct_pseudo_labels_loop` is the plain per-sample,
per-keypoint reference (for tests and the benchmark), not for training.
"""
import functools
import inspect
import math
from typing import Callable, NamedTuple, Optional, Sequence, Tuple

import torch
from torch import Tensor

#: Candidate pairs in the order of ``PCMResult.pair_index``: the index is
#: ``uses_a_prev + 2 * uses_b_prev``. Ties in distance go to the lowest index,
#: so the current pair (A, B) wins when the snapshots agree no better.
PAIR_NAMES = ('(A,B)', "(A',B)", "(A,B')", "(A',B')")

#: Mean-confidence threshold of the paper's code (``score_filter_thread``).
DEFAULT_CONF_THR = 0.1
#: Inconsistency threshold of the paper's code (``kp_pixel_dist_filter_thread``
#: = 0.6 of the heatmap diagonal). The released configs set it but switch the
#: filter off; pass ``inconsistency_thr=None`` for that behaviour.
DEFAULT_INCONSISTENCY_THR = 0.6


class PCMResult(NamedTuple):
    """Output of :func:`correct_pseudo_labels` (all indexed [N, K, ...]).

    Attributes:
        heatmaps: [N, K, H, W] mean of the chosen pair's heatmaps (None
            from :func:`correct_keypoints`).
        keypoints: [N, K, 2] (x, y) argmax of ``heatmaps`` in heatmap pixels
            (:func:`correct_keypoints`: the mean of the chosen pair's
            keypoints in input-image pixels).
        mask: [N, K] bool, True where the pseudo label is kept.
        inconsistency: [N, K] chosen pair's argmax distance / heatmap diagonal.
        pair_index: [N, K] long, 0: (A,B) 1: (A',B) 2: (A,B') 3: (A',B').
        confidence: [N, K] mean of the chosen pair's heatmap maxima.
    """
    heatmaps: Tensor
    keypoints: Tensor
    mask: Tensor
    inconsistency: Tensor
    pair_index: Tensor
    confidence: Tensor


def heatmap_argmax(heatmaps: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-channel argmax of heatmaps.

    Args:
        heatmaps: [N, K, H, W].

    Returns:
        coords: [N, K, 2] (x, y) of the maximum in heatmap pixels (the
            first maximum in row-major order on ties), float32 or wider.
            Unlike mmpose's ``get_heatmap_maximum`` no -1 is written for
            non-positive maxima: the PCM needs a position for every
            candidate, and the confidence threshold drops such keypoints.
        maxvals: [N, K] the maximum values.
    """
    _check_heatmaps(heatmaps, 'heatmaps')
    n, k, h, w = heatmaps.shape
    maxvals, flat_index = _rowwise_max(heatmaps.reshape(n * k, h * w))
    x = flat_index % w
    y = torch.div(flat_index, w, rounding_mode='floor')
    coords = torch.stack((x, y), dim=-1).to(_coord_dtype(heatmaps))
    return coords.view(n, k, 2), maxvals.view(n, k)


def _coord_dtype(heatmaps: Tensor) -> torch.dtype:
    # At least float32: half/bfloat16 cannot hold large pixel positions.
    return torch.promote_types(heatmaps.dtype, torch.float32)


def _rowwise_max(rows: Tensor) -> Tuple[Tensor, Tensor]:
    """``rows.max(dim=1)`` (first index on ties), computed in two levels.

    A max with indices over long rows runs several times slower on the CPU
    than a plain ``amax`` (which vectorises). So: ``amax`` over contiguous
    blocks of each row, the first block holding the row maximum, and the
    argmax inside that block only. The first block with the maximum contains
    its first occurrence, so the result is identical.
    """
    num_rows, length = rows.shape
    block = _block_length(length)
    if block is None or num_rows == 0:
        return rows.max(dim=1)
    num_blocks = length // block
    maxvals, first_block = rows.reshape(num_rows, num_blocks,
                                        block).amax(dim=2).max(dim=1)
    which = torch.arange(num_rows, device=rows.device) * num_blocks
    chosen = rows.reshape(num_rows * num_blocks,
                          block).index_select(0, which + first_block)
    return maxvals, first_block * block + chosen.argmax(dim=1)


def _block_length(length: int, low: int = 32, high: int = 128):
    """Largest divisor of ``length`` in [low, high], preferring multiples of
    16 (SIMD-friendly), or None."""
    divisors = [
        b for b in range(low,
                         min(high, length) + 1) if length % b == 0
    ]
    if not divisors:
        return None
    aligned = [b for b in divisors if b % 16 == 0]
    return max(aligned or divisors)


def correct_pseudo_labels(
    hm_a: Tensor,
    hm_b: Tensor,
    hm_a_prev: Optional[Tensor] = None,
    hm_b_prev: Optional[Tensor] = None,
    conf_thr: float = DEFAULT_CONF_THR,
    inconsistency_thr: Optional[float] = DEFAULT_INCONSISTENCY_THR,
) -> PCMResult:
    """Correct pseudo labels of teachers A, B with their snapshots A', B'.

    Args:
        hm_a, hm_b: [N, K, H, W] heatmaps of the current teachers.
        hm_a_prev, hm_b_prev: [N, K, H, W] heatmaps of the previous-epoch
            snapshots; ``None`` (no snapshot yet, first epoch) stands for the
            current network, which makes (A, B) the choice everywhere.
        conf_thr: keep a keypoint only if the chosen pair's mean maximum is
            strictly greater than this (paper code: 0.1).
        inconsistency_thr: keep a keypoint only if its inconsistency is
            strictly below this fraction of the heatmap diagonal; ``None``
            disables the filter.

    Returns:
        PCMResult; see its docstring. No Python loop over N or K.

    Heatmaps are expected finite (network outputs): the fusion selects the
    pair's members with weights 0.5 / 0, which turns an inf in a candidate
    that was *not* chosen into NaN.
    """
    hm_a_prev, hm_b_prev = _validate(hm_a, hm_b, hm_a_prev, hm_b_prev)
    height, width = hm_a.shape[-2:]

    xy_a, val_a = heatmap_argmax(hm_a)
    xy_b, val_b = heatmap_argmax(hm_b)
    xy_a_prev, val_a_prev = heatmap_argmax(hm_a_prev)
    xy_b_prev, val_b_prev = heatmap_argmax(hm_b_prev)

    # Squared distances are exact on integer pixel positions, so the argmin
    # (first minimum on ties) does not depend on sqrt rounding.
    pair = _choose_pairs((xy_a, xy_b, xy_a_prev, xy_b_prev),
                         (val_a, val_b, val_a_prev, val_b_prev))
    fused = _fuse_chosen_pair(hm_a, hm_b, hm_a_prev, hm_b_prev,
                              pair.uses_a_prev, pair.uses_b_prev)
    inconsistency = pair.min_sq_dist.sqrt() / math.hypot(height, width)
    mask = _keep_mask(pair.confidence, inconsistency, conf_thr,
                      inconsistency_thr)
    keypoints, _ = heatmap_argmax(fused)
    return PCMResult(fused, keypoints, mask, inconsistency, pair.index,
                     pair.confidence)


def correct_keypoints(
    keypoints: Sequence[Optional[Tensor]],
    scores: Sequence[Optional[Tensor]],
    image_size: Sequence[int],
    conf_thr: float = DEFAULT_CONF_THR,
    inconsistency_thr: Optional[float] = (DEFAULT_INCONSISTENCY_THR)
) -> PCMResult:
    """The PCM in coordinate space, for heads that are not heatmaps (e.g.
    SimCC): the same choice among (A, B), (A', B), (A, B'), (A', B') as
    :func:`correct_pseudo_labels`, on decoded keypoints.

    Args:
        keypoints: (A, B, A', B') decoded keypoints [N, K, 2] in input-image
            pixels; A' or B' None stands for A or B (no snapshot yet).
        scores: their confidences [N, K], in the same order.
        image_size: (height, width) of the input images: the inconsistency
            is the chosen pair's distance over the image diagonal (the
            heatmap PCM's distance over the heatmap diagonal is the same
            fraction).
        conf_thr, inconsistency_thr: as :func:`correct_pseudo_labels`.

    Returns:
        PCMResult with ``heatmaps=None`` and ``keypoints`` the mean of the
        chosen pair's keypoints (input-image pixels).
    """
    if len(keypoints) != 4 or len(scores) != 4:
        raise ValueError('correct_keypoints takes the keypoints and scores '
                         "of (A, B, A', B'), 4 each; got "
                         f'{len(keypoints)} and {len(scores)}')
    keypoints = [
        k if k is not None else keypoints[i % 2]
        for i, k in enumerate(keypoints)
    ]
    scores = [
        s if s is not None else scores[i % 2] for i, s in enumerate(scores)
    ]
    for name, xy, score in zip(("A", "B", "A'", "B'"), keypoints, scores):
        if xy.dim() != 3 or xy.shape[-1] != 2 or \
                xy.shape != keypoints[0].shape or \
                score.shape != xy.shape[:2]:
            raise ValueError(
                f'correct_keypoints: {name} has keypoints of shape '
                f'{tuple(xy.shape)} and scores of shape '
                f'{tuple(score.shape)}; all four need [N, K, 2] and [N, K] '
                f'as A ({tuple(keypoints[0].shape)})')
    pair = _choose_pairs(keypoints, scores)
    xy_a, xy_b, xy_a_prev, xy_b_prev = keypoints
    first = torch.where(pair.uses_a_prev[..., None], xy_a_prev, xy_a)
    second = torch.where(pair.uses_b_prev[..., None], xy_b_prev, xy_b)
    inconsistency = pair.min_sq_dist.sqrt() / math.hypot(*image_size)
    mask = _keep_mask(pair.confidence, inconsistency, conf_thr,
                      inconsistency_thr)
    return PCMResult(None, 0.5 * (first + second), mask, inconsistency,
                     pair.index, pair.confidence)


class _ChosenPairs(NamedTuple):
    index: Tensor  # [N, K] long, see PAIR_NAMES
    uses_a_prev: Tensor  # [N, K] bool
    uses_b_prev: Tensor  # [N, K] bool
    min_sq_dist: Tensor  # [N, K] squared distance of the chosen pair
    confidence: Tensor  # [N, K] mean confidence of the chosen pair


def _choose_pairs(positions: Sequence[Tensor],
                  confidences: Sequence[Tensor]) -> _ChosenPairs:
    """Of (A, B), (A', B), (A, B'), (A', B') the pair whose positions lie
    closest (the first on ties), from the positions [N, K, 2] and
    confidences [N, K] of A, B, A', B' in that order."""
    xy_a, xy_b, xy_a_prev, xy_b_prev = positions
    val_a, val_b, val_a_prev, val_b_prev = confidences
    sq_dist = torch.stack((
        _squared_distance(xy_a, xy_b),
        _squared_distance(xy_a_prev, xy_b),
        _squared_distance(xy_a, xy_b_prev),
        _squared_distance(xy_a_prev, xy_b_prev),
    ),
                          dim=-1)
    min_sq_dist, pair_index = sq_dist.min(dim=-1)
    uses_a_prev = pair_index % 2 == 1
    uses_b_prev = pair_index >= 2
    confidence = 0.5 * (
        torch.where(uses_a_prev, val_a_prev, val_a) +
        torch.where(uses_b_prev, val_b_prev, val_b))
    return _ChosenPairs(pair_index, uses_a_prev, uses_b_prev, min_sq_dist,
                        confidence)


def _with_arguments_of(reference: Callable) -> Callable:
    """Give the decorated function ``reference``'s arguments and defaults
    (one signature for the vectorised PCM and its loop reference)."""
    signature = inspect.signature(reference)

    def decorate(fn: Callable) -> Callable:

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return fn(**bound.arguments)

        wrapper.__signature__ = signature
        return wrapper

    return decorate


@_with_arguments_of(correct_pseudo_labels)
def correct_pseudo_labels_loop(hm_a: Tensor, hm_b: Tensor,
                               hm_a_prev: Optional[Tensor],
                               hm_b_prev: Optional[Tensor], conf_thr: float,
                               inconsistency_thr: Optional[float]
                               ) -> PCMResult:
    """Straightforward per-sample, per-keypoint reference of
    :func:`correct_pseudo_labels` with identical outputs (same arguments).

    Kept deliberately naive (the shape of the paper's code) so that the
    vectorised path can be checked against it and timed against it.
    """
    hm_a_prev, hm_b_prev = _validate(hm_a, hm_b, hm_a_prev, hm_b_prev)
    n, k, height, width = hm_a.shape
    diagonal = math.hypot(height, width)

    fused = torch.empty_like(hm_a)
    coord_dtype = _coord_dtype(hm_a)
    keypoints = torch.empty(n, k, 2, dtype=coord_dtype, device=hm_a.device)
    mask = torch.empty(n, k, dtype=torch.bool, device=hm_a.device)
    inconsistency = torch.empty(n, k, dtype=coord_dtype, device=hm_a.device)
    pair_index = torch.empty(n, k, dtype=torch.long, device=hm_a.device)
    confidence = hm_a.new_empty(n, k)

    def argmax_2d(hm):
        flat = int(hm.flatten().argmax())
        return flat % width, flat // width, hm.flatten()[flat]

    for i in range(n):
        for j in range(k):
            candidates = dict(
                a=argmax_2d(hm_a[i, j]),
                b=argmax_2d(hm_b[i, j]),
                a_prev=argmax_2d(hm_a_prev[i, j]),
                b_prev=argmax_2d(hm_b_prev[i, j]))
            maps = dict(
                a=hm_a[i, j],
                b=hm_b[i, j],
                a_prev=hm_a_prev[i, j],
                b_prev=hm_b_prev[i, j])
            pairs = [('a', 'b'), ('a_prev', 'b'), ('a', 'b_prev'),
                     ('a_prev', 'b_prev')]
            best, best_sq = 0, None
            for p, (first, second) in enumerate(pairs):
                x1, y1, _ = candidates[first]
                x2, y2, _ = candidates[second]
                sq = (x1 - x2)**2 + (y1 - y2)**2
                if best_sq is None or sq < best_sq:
                    best, best_sq = p, sq
            first, second = pairs[best]
            fused[i, j] = 0.5 * maps[first] + 0.5 * maps[second]
            conf = 0.5 * (candidates[first][2] + candidates[second][2])
            incons = torch.tensor(
                float(best_sq), dtype=coord_dtype,
                device=hm_a.device).sqrt() / diagonal
            fx, fy, _ = argmax_2d(fused[i, j])
            keypoints[i, j, 0], keypoints[i, j, 1] = fx, fy
            pair_index[i, j] = best
            confidence[i, j] = conf
            inconsistency[i, j] = incons
            keep = bool(conf > conf_thr)
            if inconsistency_thr is not None:
                keep = keep and bool(incons < inconsistency_thr)
            mask[i, j] = keep
    return PCMResult(fused, keypoints, mask, inconsistency, pair_index,
                     confidence)


def _fuse_chosen_pair(hm_a: Tensor, hm_b: Tensor, hm_a_prev: Tensor,
                      hm_b_prev: Tensor, uses_a_prev: Tensor,
                      uses_b_prev: Tensor) -> Tensor:
    """``0.5 * first + 0.5 * second`` per keypoint in four passes over the
    heatmaps without temporaries (the PCM is memory-bound on the CPU).

    The members are selected by weights 0.5 / 0: a zero-weighted candidate
    adds an exact zero, so the result equals averaging the selected pair
    (bit for bit, as :func:`correct_pseudo_labels_loop` does) for finite
    heatmaps.
    """
    half_a_prev = 0.5 * uses_a_prev.to(hm_a.dtype)[..., None, None]
    half_b_prev = 0.5 * uses_b_prev.to(hm_b.dtype)[..., None, None]
    fused = torch.mul(hm_a, 0.5 - half_a_prev)
    fused.addcmul_(hm_a_prev, half_a_prev)
    fused.addcmul_(hm_b, 0.5 - half_b_prev)
    return fused.addcmul_(hm_b_prev, half_b_prev)


def _squared_distance(p: Tensor, q: Tensor) -> Tensor:
    return ((p - q)**2).sum(dim=-1)


def _keep_mask(confidence: Tensor, inconsistency: Tensor, conf_thr: float,
               inconsistency_thr: Optional[float]) -> Tensor:
    mask = confidence > conf_thr
    if inconsistency_thr is not None:
        mask = mask & (inconsistency < inconsistency_thr)
    return mask


def _check_heatmaps(heatmaps, name: str) -> None:
    if not isinstance(heatmaps, Tensor):
        raise TypeError(f'{name} must be a torch.Tensor [N, K, H, W], got '
                        f'{type(heatmaps).__name__}')
    if heatmaps.dim() != 4:
        raise ValueError(f'{name} must be [N, K, H, W], got shape '
                         f'{tuple(heatmaps.shape)}')


def _validate(hm_a, hm_b, hm_a_prev, hm_b_prev):
    hm_a_prev = hm_a if hm_a_prev is None else hm_a_prev
    hm_b_prev = hm_b if hm_b_prev is None else hm_b_prev
    named = dict(
        hm_a=hm_a, hm_b=hm_b, hm_a_prev=hm_a_prev, hm_b_prev=hm_b_prev)
    for name, hm in named.items():
        _check_heatmaps(hm, name)
        if hm.shape != hm_a.shape:
            raise ValueError(f'{name} has shape {tuple(hm.shape)} but hm_a '
                             f'has {tuple(hm_a.shape)}; the PCM needs all '
                             'four heatmaps of the same shape')
        if hm.device != hm_a.device:
            raise ValueError(f'{name} is on {hm.device} but hm_a on '
                             f'{hm_a.device}')
    return hm_a_prev, hm_b_prev
