"""Time the SSPCM tensor core and print a Markdown table.

Parts timed now:
  * the PCM, vectorised (``correct_pseudo_labels``) against the plain
    per-sample, per-keypoint loop (``correct_pseudo_labels_loop``), after
    checking that both give identical outputs;
  * SSCO (``SemiCutOcclude``) on a batch of images;
  * the hard-view affine: sampling theta, warping the images and warping one
    set of heatmaps.

Full training-iteration timing (forward / backward split of the SSPCM
estimator) is a placeholder: see ``benchmark_full_iteration`` and
``--full-iteration``.

Example:
    python tools/benchmark_sspcm.py --device cpu --threads 1
"""
import argparse
import statistics
import time
from typing import Callable, List, Sequence

import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--keypoints', type=int, default=17)
    parser.add_argument('--heatmap-size', type=int, nargs=2, default=(64, 48),
                        metavar=('H', 'W'))
    parser.add_argument('--image-size', type=int, nargs=2,
                        default=(256, 192), metavar=('H', 'W'))
    parser.add_argument('--repeats', type=int, default=20,
                        help='timed runs of the fast parts (median reported)')
    parser.add_argument('--loop-repeats', type=int, default=5,
                        help='timed runs of the slow PCM loop reference')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: torch default)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--full-iteration', action='store_true',
        help='also time one full SSPCM training iteration (forward/backward '
        'split); not implemented yet')
    return parser.parse_args(argv)


def time_call(fn: Callable, repeats: int, device: torch.device,
              warmup: int = 1) -> List[float]:
    """Seconds per call, ``repeats`` times, after ``warmup`` calls."""

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def row(what: str, shape: str, times: Sequence[float], note: str = ''):
    return dict(what=what, shape=shape, median_ms=1e3 * statistics.median(
        times), runs=len(times), note=note)


def benchmark_pcm(args, device) -> List[dict]:
    from mmpose_kd.models.semi.pcm import (PCMResult, correct_pseudo_labels,
                                           correct_pseudo_labels_loop)
    gen = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.keypoints, *args.heatmap_size)
    maps = [torch.rand(shape, generator=gen).to(device) for _ in range(4)]
    fast = correct_pseudo_labels(*maps)
    slow = correct_pseudo_labels_loop(*maps)
    same = all(
        torch.equal(getattr(fast, f), getattr(slow, f))
        for f in PCMResult._fields)
    if not same:
        raise RuntimeError('vectorised PCM and the loop reference disagree')
    # Interleaved, so that load from other processes on a shared machine
    # hits both sides alike and the ratio stays meaningful.
    t_fast, t_slow = [], []
    per_round = max(1, args.repeats // args.loop_repeats)
    with torch.no_grad():
        for _ in range(args.loop_repeats):
            t_slow += time_call(lambda: correct_pseudo_labels_loop(*maps), 1,
                                device, warmup=0)
            t_fast += time_call(lambda: correct_pseudo_labels(*maps),
                                per_round, device)
    speedup = statistics.median(t_slow) / statistics.median(t_fast)
    desc = 'x'.join(map(str, shape)) + ' x 4 candidates'
    return [
        row('PCM vectorised (`correct_pseudo_labels`)', desc, t_fast,
            f'{speedup:.1f}x faster than the loop; outputs identical'),
        row('PCM per-sample/per-keypoint loop (`correct_pseudo_labels_loop`)',
            desc, t_slow, 'reference'),
    ]


def benchmark_ssco(args, device) -> List[dict]:
    from mmpose_kd.datasets.transforms.ssco import SemiCutOcclude
    gen = torch.Generator().manual_seed(args.seed)
    height, width = args.image_size
    images = torch.randn(args.batch, 3, height, width, generator=gen)
    keypoints = torch.rand(args.batch, args.keypoints, 2, generator=gen)
    keypoints = keypoints * torch.tensor([width - 1., height - 1.])
    images, keypoints = images.to(device), keypoints.to(device)
    ssco = SemiCutOcclude(generator=args.seed)
    with torch.no_grad():
        times = time_call(lambda: ssco(images, keypoints), args.repeats,
                          device)
        inplace = time_call(lambda: ssco(images, keypoints, inplace=True),
                            args.repeats, device)
    shape = f'{args.batch}x3x{height}x{width}'
    return [
        row('SSCO (`SemiCutOcclude`, 2 patches/image)', shape, times,
            'copies the batch'),
        row('SSCO, `inplace=True`', shape, inplace, 'writes into the batch'),
    ]


def benchmark_warp(args, device) -> List[dict]:
    from mmpose_kd.models.semi.warp import (sample_hard_affine, warp_heatmaps,
                                            warp_images)
    gen = torch.Generator().manual_seed(args.seed)
    height, width = args.image_size
    images = torch.randn(args.batch, 3, height, width, generator=gen)
    heatmaps = torch.rand(args.batch, args.keypoints, *args.heatmap_size,
                          generator=gen)
    images, heatmaps = images.to(device), heatmaps.to(device)
    theta = sample_hard_affine(args.batch, height, width, device=device)
    with torch.no_grad():
        t_theta = time_call(
            lambda: sample_hard_affine(args.batch, height, width,
                                       device=device), args.repeats, device)
        t_img = time_call(lambda: warp_images(images, theta), args.repeats,
                          device)
        t_hm = time_call(lambda: warp_heatmaps(heatmaps, theta), args.repeats,
                         device)
    hm_shape = 'x'.join(map(str, heatmaps.shape))
    return [
        row('sample theta (`sample_hard_affine`)', f'{args.batch}', t_theta),
        row('warp images (`warp_images`)', f'{args.batch}x3x{height}x{width}',
            t_img),
        row('warp one heatmap set (`warp_heatmaps`)', hm_shape, t_hm,
            'an iteration warps 3 sets (A, B, PCM)'),
    ]


# ---------------------------------------------------------------------------
# PLACEHOLDER for the SSPCM estimator engineer: full-iteration timing.
# Build a tiny SSPCM model (A, B, C), run one `train_step` on a labeled and an
# unlabeled batch, and return rows (same dict shape as `row(...)`) for
# teacher forward (no grad), PCM + SSCO + warp, student forward, backward,
# optimizer step. `--full-iteration` calls this function.
# ---------------------------------------------------------------------------
def benchmark_full_iteration(args, device) -> List[dict]:
    raise NotImplementedError(
        'full-iteration timing of the SSPCM estimator is not implemented '
        'yet (see benchmark_full_iteration in tools/benchmark_sspcm.py)')


def markdown_table(rows: Sequence[dict]) -> str:
    lines = [
        '| what | shape | median ms | runs | note |',
        '|---|---|---:|---:|---|',
    ]
    for r in rows:
        lines.append(f"| {r['what']} | {r['shape']} | {r['median_ms']:.2f} | "
                     f"{r['runs']} | {r['note']} |")
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = benchmark_pcm(args, device)
    rows += benchmark_ssco(args, device)
    rows += benchmark_warp(args, device)
    notes = []
    if args.full_iteration:
        try:
            rows += benchmark_full_iteration(args, device)
        except NotImplementedError as error:
            notes.append(f'note: {error}')
    print(f'device: {device}, torch {torch.__version__}, threads '
          f'{torch.get_num_threads()}\n')
    print(markdown_table(rows))
    for note in notes:
        print(f'\n{note}')


if __name__ == '__main__':
    main()
