"""Frames per second that UBodyWholeBodyVideoDataset serves, decoding from
the videos vs. reading extracted PNGs, through the stock top-down pipeline
(LoadImage, GetBBoxCenterScale, TopdownAffine, GenerateTarget with a SimCC
codec, PackPoseInputs). Prints a Markdown table.

Missing extracted frames are extracted first (tools/ubody_extract_frames.py,
not timed). Orders: ``random`` (a seeded shuffle, what a training sampler
does) and ``sequential`` (dataset order, frames of a video one after
another).

Example (synthetic UBody)::

    python tools/make_synthetic_dataset.py --variant ubody \\
        --out data/synthetic_ubody --img-size 640 480 --frames-per-video 60
    python tools/benchmark_ubody.py data/synthetic_ubody --num-samples 200
"""
import argparse
import os.path as osp
import platform
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from mmpose.utils import register_all_modules  # noqa: E402

from mmpose_kd.datasets.ubody import UBodyWholeBodyVideoDataset  # noqa: E402
import ubody_extract_frames  # noqa: E402


def stock_pipeline(input_size):
    codec = dict(
        type='SimCCLabel',
        input_size=input_size,
        sigma=(4.9, 5.66),
        simcc_split_ratio=2.0,
        normalize=False)
    return [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]


def time_dataset(dataset, indices):
    """Seconds to serve ``indices`` (after one untimed warm-up sample)."""
    dataset[int(indices[0])]
    start = time.perf_counter()
    for index in indices:
        dataset[int(index)]
    return time.perf_counter() - start


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='UBody folder')
    parser.add_argument(
        '--frames-root',
        default=None,
        help='extracted frames (default <data_root>/images)')
    parser.add_argument('--split', default='train', choices=['train', 'test'])
    parser.add_argument(
        '--protocol', default='intra', choices=['intra', 'inter'])
    parser.add_argument('--frame-interval', type=int, default=1)
    parser.add_argument('--num-samples', type=int, default=200)
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        default=[192, 256],
        metavar=('W', 'H'))
    parser.add_argument(
        '--orders',
        nargs='+',
        default=['random', 'sequential'],
        choices=['random', 'sequential'])
    parser.add_argument(
        '--repeats',
        type=int,
        default=3,
        help='timed runs per row, interleaved; the table '
        'shows the best and the median (a shared machine '
        'only ever slows a run down)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    # absolute: the dataset reads a relative frames_root under data_root
    frames_root = osp.abspath(
        args.frames_root or osp.join(args.data_root, 'images'))
    common = dict(
        data_root=args.data_root,
        split=args.split,
        protocol=args.protocol,
        frame_interval=args.frame_interval,
        frames_root=frames_root,
        pipeline=stock_pipeline(tuple(args.input_size)))

    plan = ubody_extract_frames.plan_frames(
        osp.join(args.data_root, 'annotations'),
        osp.join(args.data_root, 'splits'), None, args.split, args.protocol,
        args.frame_interval)
    jobs = ubody_extract_frames.make_jobs(plan,
                                          osp.join(args.data_root, 'videos'))
    results = ubody_extract_frames.run_extraction(
        jobs, frames_root, progress=False)
    summary, failed = ubody_extract_frames.summarize(results)
    if failed:
        sys.exit(f'benchmark_ubody: extraction failed:\n{summary}')

    datasets = {
        'video':
        UBodyWholeBodyVideoDataset(frame_source='video', **common),
        'extracted':
        UBodyWholeBodyVideoDataset(frame_source='extracted', **common),
    }
    n = len(datasets['video'])
    num = min(args.num_samples, n)
    rng = np.random.default_rng(args.seed)
    orders = dict(random=rng.permutation(n)[:num], sequential=np.arange(num))
    info = datasets['video'].get_data_info(0)
    height, width = info['img'].shape[:2]

    print(f'UBody at {args.data_root}: {n} samples ({args.split}, '
          f'{args.protocol}, frame_interval={args.frame_interval}), '
          f'frames {width}x{height}, input {args.input_size[0]}x'
          f'{args.input_size[1]}, 1 process, {platform.processor() or "cpu"}')
    print()
    rows = [(order, source) for order in args.orders
            for source in ('video', 'extracted')]
    seconds = {row: [] for row in rows}
    for _ in range(args.repeats):  # interleaved: load changes hit all rows
        for order, source in rows:
            dataset = datasets[source]
            dataset.frame_reader.close()  # every run starts cold
            seconds[order, source].append(time_dataset(dataset, orders[order]))
    print(f'| frame source | order | samples | samples/s (best of '
          f'{args.repeats}) | samples/s (median) |')
    print('|---|---|---:|---:|---:|')
    for order, source in rows:
        times = seconds[order, source]
        print(f'| {source} | {order} | {num} | {num / min(times):.1f} | '
              f'{num / float(np.median(times)):.1f} |')


if __name__ == '__main__':
    main()
