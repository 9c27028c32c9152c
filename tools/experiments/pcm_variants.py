"""Other ways to write the vectorised PCM, timed against the shipped one and
the per-sample, per-keypoint loop, for the figures in docs/benchmarks.md
("PCM: what was tried for the 20x target").

    OMP_NUM_THREADS=1 python tools/experiments/pcm_variants.py --threads 1
    # also torch.compile of the shipped function (needs a C++ compiler,
    # about 30 s to compile on 2 cores)
    OMP_NUM_THREADS=1 python tools/experiments/pcm_variants.py --compile

Each variant is first checked field by field against
``correct_pseudo_labels_loop`` on the same random heatmaps; a variant whose
outputs differ is reported as such, never silently timed. Timing is
interleaved (loop, then each variant in turn, ``--rounds`` times) so that
load from other processes hits every variant alike.

Variants (none is used in training; the shipped function is
``mmpose_kd.models.semi.pcm.correct_pseudo_labels``):

* ``chunked``: the rows (image x keypoint) in chunks of ``--chunk`` rows;
  for each chunk the four arg-maxima, the pair choice, the fusion and the
  fused arg-max, so that the fusion re-reads the candidates from cache
  instead of memory.
* ``lerp``: the four arg-maxima batched (one block-max reduction tail for
  all candidates) and the fusion as three ``lerp`` calls (select A or A',
  select B or B', midpoint) instead of one ``mul`` and three ``addcmul_``.
* ``paper-style``: the shape of the paper's released code (not its code):
  batched arg-maxima and distances, all four pair means computed in full and
  stacked, then a per-sample, per-keypoint loop that copies the chosen
  pair's mean.
"""
import argparse
import math
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Sequence

import torch
from torch import Tensor

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from mmpose_kd.models.semi.pcm import PCMResult  # noqa: E402
from mmpose_kd.models.semi.pcm import _block_length  # noqa: E402
from mmpose_kd.models.semi.pcm import _coord_dtype  # noqa: E402
from mmpose_kd.models.semi.pcm import _keep_mask  # noqa: E402
from mmpose_kd.models.semi.pcm import correct_pseudo_labels  # noqa: E402
from mmpose_kd.models.semi.pcm import correct_pseudo_labels_loop  # noqa: E402

#: Candidate indices (A, B, A', B') = (0, 1, 2, 3) of each pair, in the
#: order of ``PCMResult.pair_index``.
PAIR_FIRST = (0, 2, 0, 2)
PAIR_SECOND = (1, 1, 3, 3)


def rowwise_first_max(rows: Sequence[Tensor]):
    """Max and first arg-max of every row of several [R, L] tensors, with
    one block-max reduction per tensor and one shared tail.

    Returns ([T, R] values, [T, R] flat indices)."""
    num_rows, length = rows[0].shape
    block = _block_length(length, 32, 64)
    if block is None:
        vals, idx = zip(*(r.max(dim=1) for r in rows))
        return torch.stack(vals), torch.stack(idx)
    num_blocks = length // block
    block_max = rows[0].new_empty(len(rows), num_rows, num_blocks)
    for i, r in enumerate(rows):
        torch.amax(
            r.reshape(num_rows, num_blocks, block), dim=2, out=block_max[i])
    maxvals, first_block = block_max.max(dim=2)
    which = first_block + torch.arange(
        num_rows, device=rows[0].device) * num_blocks
    chosen = rows[0].new_empty(len(rows), num_rows, block)
    for i, r in enumerate(rows):
        torch.index_select(
            r.reshape(num_rows * num_blocks, block),
            0,
            which[i],
            out=chosen[i])
    return maxvals, first_block * block + chosen.argmax(dim=2)


def _choose_pairs(flat: Tensor, width: int):
    """[4, R] flat arg-max indices -> (min squared distance, pair index)."""
    x = flat % width
    y = torch.div(flat, width, rounding_mode='floor')
    first = torch.tensor(PAIR_FIRST, device=flat.device)
    second = torch.tensor(PAIR_SECOND, device=flat.device)
    dx = x[first] - x[second]
    dy = y[first] - y[second]
    return (dx * dx + dy * dy).min(dim=0)


def _result(fused, fused_flat, vals, pair, min_sq, shape, conf_thr,
            inconsistency_thr) -> PCMResult:
    n, k, h, w = shape
    uses_a_prev = pair % 2 == 1
    uses_b_prev = pair >= 2
    confidence = 0.5 * (
        torch.where(uses_a_prev, vals[2], vals[0]) +
        torch.where(uses_b_prev, vals[3], vals[1]))
    coord_dtype = _coord_dtype(fused)
    inconsistency = min_sq.to(coord_dtype).sqrt() / math.hypot(h, w)
    mask = _keep_mask(confidence, inconsistency, conf_thr, inconsistency_thr)
    keypoints = torch.stack(
        (fused_flat % w, torch.div(fused_flat, w, rounding_mode='floor')),
        dim=-1).to(coord_dtype)
    return PCMResult(
        fused.view(shape), keypoints.view(n, k, 2), mask.view(n, k),
        inconsistency.view(n, k), pair.view(n, k), confidence.view(n, k))


def pcm_lerp(hm_a,
             hm_b,
             hm_a_prev,
             hm_b_prev,
             conf_thr=0.1,
             inconsistency_thr=0.6) -> PCMResult:
    """Batched arg-max tails; fusion as select, select, midpoint (lerp).

    ``lerp`` with a weight of exactly 0 or 1 returns start or end exactly;
    the midpoint ``lerp(first, second, 0.5)`` is the mean up to rounding."""
    n, k, h, w = hm_a.shape
    rows = [
        m.reshape(n * k, h * w) for m in (hm_a, hm_b, hm_a_prev, hm_b_prev)
    ]
    vals, flat = rowwise_first_max(rows)
    min_sq, pair = _choose_pairs(flat, w)
    weight_a = (pair % 2 == 1).to(hm_a.dtype)[:, None]
    weight_b = (pair >= 2).to(hm_a.dtype)[:, None]
    fused = torch.lerp(rows[0], rows[2], weight_a)
    fused.lerp_(torch.lerp(rows[1], rows[3], weight_b), 0.5)
    _, fused_flat = rowwise_first_max([fused])
    return _result(fused, fused_flat[0], vals, pair, min_sq, hm_a.shape,
                   conf_thr, inconsistency_thr)


def pcm_chunked(hm_a,
                hm_b,
                hm_a_prev,
                hm_b_prev,
                conf_thr=0.1,
                inconsistency_thr=0.6,
                chunk=272) -> PCMResult:
    """The whole PCM chunk by chunk of rows (same fusion as shipped)."""
    n, k, h, w = hm_a.shape
    num_rows = n * k
    rows = [
        m.reshape(num_rows, h * w) for m in (hm_a, hm_b, hm_a_prev, hm_b_prev)
    ]
    fused = torch.empty_like(rows[0])
    vals = rows[0].new_empty(4, num_rows)
    pair = torch.empty(num_rows, dtype=torch.long, device=hm_a.device)
    min_sq = torch.empty_like(pair)
    fused_flat = torch.empty_like(pair)
    for start in range(0, num_rows, chunk):
        part = slice(start, min(num_rows, start + chunk))
        sources = [r[part] for r in rows]
        vals[:, part], flat = rowwise_first_max(sources)
        min_sq[part], pair[part] = _choose_pairs(flat, w)
        half_a_prev = 0.5 * (pair[part] % 2 == 1).to(hm_a.dtype)[:, None]
        half_b_prev = 0.5 * (pair[part] >= 2).to(hm_a.dtype)[:, None]
        out = fused[part]
        torch.mul(sources[0], 0.5 - half_a_prev, out=out)
        out.addcmul_(sources[2], half_a_prev)
        out.addcmul_(sources[1], 0.5 - half_b_prev)
        out.addcmul_(sources[3], half_b_prev)
        _, flat_fused = rowwise_first_max([out])
        fused_flat[part] = flat_fused[0]
    return _result(fused, fused_flat, vals, pair, min_sq, hm_a.shape, conf_thr,
                   inconsistency_thr)


def pcm_paper_style(hm_a,
                    hm_b,
                    hm_a_prev,
                    hm_b_prev,
                    conf_thr=0.1,
                    inconsistency_thr=0.6) -> PCMResult:
    """Vectorised choice, every pair mean in full, a loop for the copy."""
    n, k, h, w = hm_a.shape
    rows = [
        m.reshape(n * k, h * w) for m in (hm_a, hm_b, hm_a_prev, hm_b_prev)
    ]
    vals, flat = rowwise_first_max(rows)
    min_sq, pair = _choose_pairs(flat, w)
    pair_means = torch.stack([
        0.5 * hm_a + 0.5 * hm_b, 0.5 * hm_a_prev + 0.5 * hm_b,
        0.5 * hm_a + 0.5 * hm_b_prev, 0.5 * hm_a_prev + 0.5 * hm_b_prev
    ],
                             dim=2)  # [N, K, 4, H, W]
    fused = torch.zeros_like(hm_a)
    chosen = pair.view(n, k).tolist()
    for i in range(n):
        for j in range(k):
            fused[i, j] = pair_means[i, j, chosen[i][j]]
    _, fused_flat = rowwise_first_max([fused.view(n * k, h * w)])
    return _result(fused, fused_flat[0], vals, pair, min_sq, hm_a.shape,
                   conf_thr, inconsistency_thr)


def differing_fields(result: PCMResult, reference: PCMResult) -> List[str]:
    return [
        f for f in PCMResult._fields
        if not torch.equal(getattr(result, f), getattr(reference, f))
    ]


def time_interleaved(loop: Callable, variants: Dict[str, Callable],
                     rounds: int, per_round: int) -> Dict[str, List[float]]:
    times = {'loop': [], **{name: [] for name in variants}}
    for _ in range(rounds):
        start = time.perf_counter()
        loop()
        times['loop'].append(time.perf_counter() - start)
        for _ in range(per_round):
            for name, fn in variants.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return times


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--keypoints', type=int, default=17)
    p.add_argument(
        '--heatmap-size',
        type=int,
        nargs=2,
        default=(64, 48),
        metavar=('H', 'W'))
    p.add_argument(
        '--chunk',
        type=int,
        nargs='+',
        default=[272, 136],
        help='rows per chunk of the chunked variant(s)')
    p.add_argument(
        '--rounds',
        type=int,
        default=6,
        help='loop runs; each followed by --per-round runs of '
        'every variant')
    p.add_argument('--per-round', type=int, default=3)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument(
        '--compile',
        action='store_true',
        help='also time torch.compile(correct_pseudo_labels)')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.keypoints, *args.heatmap_size)
    maps = [torch.rand(shape, generator=gen) for _ in range(4)]
    variants = {
        'shipped': lambda: correct_pseudo_labels(*maps),
        'lerp': lambda: pcm_lerp(*maps),
        'paper-style': lambda: pcm_paper_style(*maps)
    }
    for chunk in args.chunk:
        variants[f'chunked {chunk}'] = (
            lambda chunk=chunk: pcm_chunked(*maps, chunk=chunk))
    if args.compile:
        compiled = torch.compile(correct_pseudo_labels, dynamic=False)
        variants['torch.compile'] = lambda: compiled(*maps)

    reference = correct_pseudo_labels_loop(*maps)
    differs = {}
    with torch.no_grad():
        for name, fn in variants.items():
            differs[name] = differing_fields(fn(), reference)  # and warm-up
        times = time_interleaved(lambda: correct_pseudo_labels_loop(*maps),
                                 variants, args.rounds, args.per_round)
    loop_ms = 1e3 * statistics.median(times['loop'])
    print(f"{'x'.join(map(str, shape))} x 4 candidates, "
          f'{torch.get_num_threads()} thread(s), torch {torch.__version__}')
    print('| variant | median ms | x faster than the loop | '
          'outputs vs the loop |')
    print('|---|---:|---:|---|')
    print(f'| per-sample, per-keypoint loop | {loop_ms:.2f} | 1.0 | '
          'reference |')
    for name in variants:
        ms = 1e3 * statistics.median(times[name])
        same = ('identical' if not differs[name] else 'differ: ' +
                ', '.join(differs[name]))
        print(f'| {name} | {ms:.2f} | {loop_ms / ms:.1f} | {same} |')


if __name__ == '__main__':
    main()
