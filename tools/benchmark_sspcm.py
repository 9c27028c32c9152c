"""Time the SSPCM tensor core and a full SSPCM training iteration; print
Markdown tables.

Microbenchmarks (on by default):
  * the PCM, vectorised (``correct_pseudo_labels``) against the plain
    per-sample, per-keypoint loop (``correct_pseudo_labels_loop``), after
    checking that both give identical outputs;
  * SSCO (``SemiCutOcclude``) on a batch of images;
  * the hard-view affine: sampling theta, warping the images and warping one
    set of heatmaps.

Full iteration (``--full-iteration``, or ``--only-full-iteration`` without the
microbenchmarks): real ``SSPCMPoseEstimator.train_step`` calls ('joint' or
'separate' scheme, ``--update-scheme``) on networks built from the stock
mmpose config ``td-hm_res50_8xb64-210e_coco-256x192.py``: ResNet-50 A and B,
a ResNet-18 C (as ``configs/sspcm/`` build it), HeatmapHead, 256x192, random
weights (``init_cfg=None``, nothing downloaded). Random uint8 images go through
the real ``SemiPoseDataPreprocessor``; by default the snapshots A', B' are
installed, as after the first epoch (``--no-snapshots`` for the first epoch).
Each iteration is split into

  * networks: forward of A, B, C and the snapshots, ``OptimWrapper``
    backward, step and zero_grad;
  * PCM: ``correct_pseudo_labels`` and ``heatmap_argmax``;
  * SSCO: the estimator's ``SemiCutOcclude`` call;
  * warping: ``sample_hard_affine``, ``heatmap_to_image_px``,
    ``heatmap_theta``, ``warp_images``, ``warp_heatmaps``, ``warp_points``;
  * rest: the total minus all of the above (data preprocessor, consistency
    losses, loss parsing and checks, Python glue).

The pieces are timed inside the real ``train_step`` by wrapping, for the
duration of the benchmark, the module-level names that the estimator calls
(the PCM's in ``mmpose_kd.models.semi.pseudo_labels``, the warping functions
in ``mmpose_kd.models.semi.hard_view``, which builds the hard views), its SSCO
transform object, the networks' ``forward`` and the optimizer wrappers'
methods (the package code is unchanged); CUDA is synchronised around each
timed call.
Warm-up iterations are excluded; medians of ``--iters`` iterations. The last
line checks the target PCM + SSCO + warping <= 5% of an iteration.

Examples:
    python tools/benchmark_sspcm.py --device cpu --threads 1
    OMP_NUM_THREADS=1 python tools/benchmark_sspcm.py --only-full-iteration \\
        --threads 1 --labeled-batch 8 --unlabeled-batch 8 --iters 3
"""
import argparse
import contextlib
import copy
import datetime
import functools
import os
import statistics
import time
from collections import defaultdict
from typing import Callable, List, Optional, Sequence, Tuple

import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--keypoints', type=int, default=17)
    parser.add_argument(
        '--heatmap-size',
        type=int,
        nargs=2,
        default=(64, 48),
        metavar=('H', 'W'))
    parser.add_argument(
        '--image-size',
        type=int,
        nargs=2,
        default=(256, 192),
        metavar=('H', 'W'))
    parser.add_argument(
        '--repeats',
        type=int,
        default=20,
        help='timed runs of the fast parts (median reported)')
    parser.add_argument(
        '--loop-repeats',
        type=int,
        default=5,
        help='timed runs of the slow PCM loop reference')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (default: torch default)')
    parser.add_argument('--seed', type=int, default=0)
    full = parser.add_argument_group(
        'full iteration', 'one real SSPCMPoseEstimator.train_step, split into '
        'networks / PCM / SSCO / warping / rest')
    full.add_argument(
        '--full-iteration',
        action='store_true',
        help='also time full SSPCM training iterations')
    full.add_argument(
        '--only-full-iteration',
        action='store_true',
        help='time only the full iterations (skip the '
        'PCM / SSCO / warp microbenchmarks)')
    full.add_argument(
        '--labeled-batch',
        type=int,
        default=None,
        help='labeled images per iteration (default: 8 on '
        'CPU, 32 on CUDA)')
    full.add_argument(
        '--unlabeled-batch',
        type=int,
        default=None,
        help='unlabeled images per iteration (default: as '
        'labeled)')
    full.add_argument(
        '--update-scheme', choices=('joint', 'separate'), default='joint')
    full.add_argument(
        '--iters',
        type=int,
        default=3,
        help='timed iterations (median reported)')
    full.add_argument(
        '--warmup-iters', type=int, default=1, help='untimed iterations first')
    full.add_argument(
        '--no-snapshots',
        dest='snapshots',
        action='store_false',
        help="no snapshots A', B' (first epoch); by default "
        'they are installed, as after the first epoch')
    return parser.parse_args(argv)


def time_call(fn: Callable,
              repeats: int,
              device: torch.device,
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
    return dict(
        what=what,
        shape=shape,
        median_ms=1e3 * statistics.median(times),
        runs=len(times),
        note=note)


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
            t_slow += time_call(
                lambda: correct_pseudo_labels_loop(*maps), 1, device, warmup=0)
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
    from mmpose_kd.models.semi.semi_cut_occlude import SemiCutOcclude
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
    heatmaps = torch.rand(
        args.batch, args.keypoints, *args.heatmap_size, generator=gen)
    images, heatmaps = images.to(device), heatmaps.to(device)
    theta = sample_hard_affine(args.batch, height, width, device=device)
    with torch.no_grad():
        t_theta = time_call(
            lambda: sample_hard_affine(
                args.batch, height, width, device=device), args.repeats,
            device)
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
# Full training iteration
# ---------------------------------------------------------------------------
#: The stock mmpose config the networks come from (as configs/sspcm/ do).
STOCK_RES50_CONFIG = ('mmpose::body_2d_keypoint/topdown_heatmap/coco/'
                      'td-hm_res50_8xb64-210e_coco-256x192.py')

#: Module-level names that the estimator calls (looked up at call time in
#: the module of :data:`SSPCM_FUNCTION_MODULES`), and the part of the
#: iteration each one is counted in.
SSPCM_FUNCTION_PARTS = {
    'correct_pseudo_labels': 'PCM',
    'heatmap_argmax': 'PCM',
    'sample_hard_affine': 'warping',
    'heatmap_theta': 'warping',
    'heatmap_to_image_px': 'warping',
    'warp_images': 'warping',
    'warp_heatmaps': 'warping',
    'warp_points': 'warping',
}
#: The module of ``mmpose_kd.models.semi`` through whose name each function
#: of :data:`SSPCM_FUNCTION_PARTS` is called: the pseudo labels
#: (``pseudo_labels``) call the PCM, the hard view's construction
#: (``hard_view``) the warping.
SSPCM_FUNCTION_MODULES = {
    name: 'pseudo_labels' if part == 'PCM' else 'hard_view'
    for name, part in SSPCM_FUNCTION_PARTS.items()
}
NETWORKS = 'networks (forward + backward + optimizer)'
PARTS = (NETWORKS, 'PCM', 'SSCO', 'warping', 'rest')
#: Timer label -> part, for the labels that are not sspcm functions.
OTHER_LABEL_PARTS = {
    'network forward, with grad (A, B, C)': NETWORKS,
    "network forward, no grad (teachers; snapshots A', B')": NETWORKS,
    'backward (`OptimWrapper.backward`)': NETWORKS,
    'optimizer step (`OptimWrapper.step`)': NETWORKS,
    'zero_grad (`OptimWrapper.zero_grad`)': NETWORKS,
    'SSCO (`SemiCutOcclude`)': 'SSCO',
}
OTHER_LABELS = list(OTHER_LABEL_PARTS)
FULL_ITERATION_NOTE = (
    'PCM, SSCO and warping work per sample, so their cost grows linearly '
    'with the batch, as the networks\' cost does: the shares hardly depend '
    'on the batch size (on a GPU, small batches can make the small kernels '
    'launch-bound and their share larger).')


def stock_network_configs() -> dict:
    """A and B: the stock ResNet-50 SimpleBaseline (HeatmapHead, 256x192);
    C: the same with a ResNet-18 backbone (as ``configs/sspcm/`` build it).
    ``init_cfg=None``: random weights, nothing is downloaded."""
    from mmengine.hub import get_config
    res50 = copy.deepcopy(get_config(STOCK_RES50_CONFIG).model.to_dict())
    res50['backbone']['init_cfg'] = None
    res18 = copy.deepcopy(res50)
    res18['backbone'] = dict(type='ResNet', depth=18, init_cfg=None)
    res18['head']['in_channels'] = 512
    return dict(A=res50, B=copy.deepcopy(res50), C=res18)


class PartTimer:
    """Wall time per label inside one ``train_step``.

    A timed call inside another timed call counts for the outer one only, so
    the labels never overlap. On CUDA the device is synchronised before and
    after each timed call (which removes some overlap of host and device
    work, so the total is a little above an untimed step).
    """

    def __init__(self, device: torch.device):
        self.device = device
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self._depth = 0

    def sync(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def reset(self):
        self.seconds.clear()
        self.calls.clear()

    def wrap(self, label, fn: Callable) -> Callable:
        """``fn`` timed under ``label``; a callable label is called with no
        argument at call time to get the label."""

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self._depth:
                return fn(*args, **kwargs)
            name = label() if callable(label) else label
            self.sync()
            start = time.perf_counter()
            self._depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                self.sync()
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed


@contextlib.contextmanager
def instrumented(model, optim_wrapper, timer: PartTimer):
    """Wrap, without touching the package code, what ``model.train_step``
    calls: the module-level functions of :data:`SSPCM_FUNCTION_MODULES`
    (looked up at call time), the estimator's SSCO transform object, the
    forward of A, B, C and the snapshots, and the optimizer wrappers'
    backward / step / zero_grad. Everything is restored on exit."""
    from mmengine.optim import OptimWrapperDict

    patched = []

    def patch(obj, name, label):
        had_own = name in vars(obj)
        original = getattr(obj, name)
        setattr(obj, name, timer.wrap(label, original))
        patched.append((obj, name, had_own, original))

    def forward_label():
        return (OTHER_LABELS[0]
                if torch.is_grad_enabled() else OTHER_LABELS[1])

    for name in SSPCM_FUNCTION_PARTS:
        patch(function_module(name), name, f'`{name}`')
    if model.pseudo_labels.cut_occlude is not None:
        patch(model.pseudo_labels, 'cut_occlude', OTHER_LABELS[5])
    networks = [model.get_network(key) for key in 'ABC']
    networks += list(model.snapshots or ())
    for network in networks:
        patch(network, 'forward', forward_label)
    wrappers = (
        list(optim_wrapper.values())
        if isinstance(optim_wrapper, OptimWrapperDict) else [optim_wrapper])
    for wrapper in wrappers:
        for name, label in zip(('backward', 'step', 'zero_grad'),
                               OTHER_LABELS[2:5]):
            patch(wrapper, name, label)
    try:
        yield
    finally:
        for obj, name, had_own, original in reversed(patched):
            if had_own:
                setattr(obj, name, original)
            else:
                delattr(obj, name)


def function_module(name: str):
    """The module through whose name the estimator calls ``name``."""
    import importlib
    return importlib.import_module('mmpose_kd.models.semi.' +
                                   SSPCM_FUNCTION_MODULES[name])


def label_part(label: str) -> str:
    if label in OTHER_LABEL_PARTS:
        return OTHER_LABEL_PARTS[label]
    return SSPCM_FUNCTION_PARTS[label.strip('`')]


def _network_io(network_cfg: dict
                ) -> Tuple[Tuple[int, int], Tuple[int, int], int]:
    """(input (w, h), heatmap (w, h), keypoints) of a heatmap-head config."""
    head = network_cfg['head']
    decoder = head['decoder']
    return (tuple(decoder['input_size']), tuple(decoder['heatmap_size']),
            head['out_channels'])


def semi_batch(num_labeled: int,
               num_unlabeled: int,
               input_wh,
               heatmap_wh,
               num_keypoints: int,
               seed: int = 0) -> dict:
    """A training batch as ``SemiSupervisedEpochBasedTrainLoop`` yields it
    (uint8 images, packed data samples; the unlabeled part without labels),
    for the real ``SemiPoseDataPreprocessor``."""
    from mmpose.testing import get_packed_inputs
    gen = torch.Generator().manual_seed(seed)
    width, height = input_wh
    parts = {}
    for part, num in (('labeled', num_labeled), ('unlabeled', num_unlabeled)):
        data = get_packed_inputs(
            num,
            num_keypoints=num_keypoints,
            img_shape=(height, width),
            input_size=tuple(input_wh),
            heatmap_size=tuple(heatmap_wh),
            with_reg_label=False,
            with_simcc_label=False)
        # get_packed_inputs draws the same images for every call
        data['inputs'] = [
            torch.randint(
                0, 256, (3, height, width), generator=gen, dtype=torch.uint8)
            for _ in data['inputs']
        ]
        if part == 'unlabeled':
            for sample in data['data_samples']:
                for field in ('gt_fields', 'gt_instance_labels',
                              'gt_instances'):
                    if field in sample:
                        delattr(sample, field)
        parts[part] = data
    return parts


def build_sspcm(network_cfgs: dict, update_scheme: str, device, lr=5e-4):
    """The estimator (A, B, C from ``network_cfgs``) and its optimizer
    wrapper(s): Adam as the stock config; one over all networks for
    'joint', ``SSPCMOptimWrapperConstructor`` (one per network) for
    'separate'."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules

    import mmpose_kd  # noqa: F401  (registers SSPCMPoseEstimator)
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(
            dict(
                type='SSPCMPoseEstimator',
                network_a=network_cfgs['A'],
                network_b=network_cfgs['B'],
                network_c=network_cfgs['C'],
                update_scheme=update_scheme)).to(device)
    model.train()
    optimizer = dict(type='Adam', lr=lr)
    if update_scheme == 'joint':
        wrapper_cfg = dict(type='OptimWrapper', optimizer=optimizer)
    else:
        wrapper_cfg = dict(
            constructor='SSPCMOptimWrapperConstructor', optimizer=optimizer)
    with DefaultScope.overwrite_default_scope('mmpose'):
        return model, build_optim_wrapper(model, wrapper_cfg)


def benchmark_full_iteration(args,
                             device,
                             network_cfgs: Optional[dict] = None) -> dict:
    """Time ``SSPCMPoseEstimator.train_step`` and split each iteration into
    :data:`PARTS`.

    ``network_cfgs`` (dict A/B/C of model configs) defaults to
    :func:`stock_network_configs`. Returns ``dict(iterations=[...],
    parts={part: median ms}, shares={part: median share}, target_share=...,
    details={label: (calls per iteration, median ms)}, setup=...)`` where
    each iteration is ``dict(total=s, labels={label: s})``.
    """
    cfgs = network_cfgs or stock_network_configs()
    input_wh, heatmap_wh, num_keypoints = _network_io(cfgs['C'])
    num_labeled = args.labeled_batch or (32 if device.type == 'cuda' else 8)
    num_unlabeled = args.unlabeled_batch or num_labeled
    torch.manual_seed(args.seed)
    model, optim_wrapper = build_sspcm(cfgs, args.update_scheme, device)
    if args.snapshots:
        # The steady state after the first epoch: PCMSnapshotHook has handed
        # over copies of A and B (two more teacher forwards per iteration).
        model.set_snapshots(*(copy.deepcopy(model.get_network(key))
                              for key in 'AB'))
    batch = semi_batch(
        num_labeled,
        num_unlabeled,
        input_wh,
        heatmap_wh,
        num_keypoints,
        seed=args.seed)
    timer = PartTimer(device)
    iterations = []
    with instrumented(model, optim_wrapper, timer):
        for index in range(args.warmup_iters + args.iters):
            data = copy.deepcopy(batch)
            timer.reset()
            timer.sync()
            start = time.perf_counter()
            model.train_step(data, optim_wrapper)
            timer.sync()
            total = time.perf_counter() - start
            if index >= args.warmup_iters:
                iterations.append(
                    dict(
                        total=total,
                        labels=dict(timer.seconds),
                        calls=dict(timer.calls)))
    return summarise_iterations(
        iterations,
        setup=dict(
            labeled=num_labeled,
            unlabeled=num_unlabeled,
            input_wh=input_wh,
            heatmap_wh=heatmap_wh,
            keypoints=num_keypoints,
            scheme=args.update_scheme,
            snapshots=args.snapshots,
            warmup=args.warmup_iters,
            networks=('A, B: ResNet-50, C: ResNet-18 (stock HeatmapHead)'
                      if network_cfgs is None else 'custom networks')))


def split_iteration(iteration: dict) -> dict:
    """Seconds per part of one iteration; 'rest' is what no timer saw."""
    parts = dict.fromkeys(PARTS, 0.)
    for label, seconds in iteration['labels'].items():
        parts[label_part(label)] += seconds
    parts['rest'] = iteration['total'] - sum(parts.values())
    return parts


def summarise_iterations(iterations: List[dict], setup: dict) -> dict:
    splits = [split_iteration(it) for it in iterations]
    totals = [it['total'] for it in iterations]
    parts = {p: 1e3 * statistics.median(s[p] for s in splits) for p in PARTS}
    shares = {
        p: statistics.median(s[p] / t for s, t in zip(splits, totals))
        for p in PARTS
    }
    target_share = statistics.median((s['PCM'] + s['SSCO'] + s['warping']) / t
                                     for s, t in zip(splits, totals))
    order = OTHER_LABELS + [f'`{name}`' for name in SSPCM_FUNCTION_PARTS]
    labels = sorted({label
                     for it in iterations for label in it['labels']},
                    key=lambda label:
                    (PARTS.index(label_part(label)), order.index(label)))
    details = {
        label:
        (statistics.median(it['calls'].get(label, 0) for it in iterations),
         1e3 * statistics.median(it['labels'].get(label, 0.)
                                 for it in iterations))
        for label in labels
    }
    return dict(
        iterations=iterations,
        parts=parts,
        shares=shares,
        total_ms=1e3 * statistics.median(totals),
        total_range_ms=(1e3 * min(totals), 1e3 * max(totals)),
        target_share=target_share,
        details=details,
        setup=setup)


def full_iteration_report(result: dict, target: float = 0.05) -> str:
    setup = result['setup']
    runs = len(result['iterations'])
    low, high = result['total_range_ms']
    lines = [
        f"SSPCM train_step ({setup['scheme']!r} scheme), {setup['networks']}; "
        f"labeled {setup['labeled']} + unlabeled {setup['unlabeled']} "
        f"images of {setup['input_wh'][0]}x{setup['input_wh'][1]} (w x h), "
        f"{setup['keypoints']} keypoints, heatmaps "
        f"{setup['heatmap_wh'][0]}x{setup['heatmap_wh'][1]}; snapshots A', B' "
        f"{'installed' if setup['snapshots'] else 'absent (first epoch)'}; "
        f"median of {runs} iterations after {setup['warmup']} warm-up "
        f'(total {low:.0f}-{high:.0f} ms).',
        '',
        '| part | ms per iteration | share of the iteration |',
        '|---|---:|---:|',
    ]
    for part in PARTS:
        lines.append(f"| {part} | {result['parts'][part]:.1f} | "
                     f"{100 * result['shares'][part]:.2f}% |")
    lines.append(f"| **total** | **{result['total_ms']:.1f}** | 100% |")
    lines += [
        '', 'Medians per part over the iterations; shares are medians of the '
        'per-iteration shares, so the columns need not add up exactly. '
        "'rest': data preprocessor, consistency losses, loss parsing and "
        'checks, Python glue.', '',
        '| timed call | part | calls per iteration | ms per iteration |',
        '|---|---|---:|---:|'
    ]
    for label, (calls, ms) in result['details'].items():
        lines.append(f'| {label} | {label_part(label)} | {calls:g} | '
                     f'{ms:.2f} |')
    share = result['target_share']
    lines += [
        '', FULL_ITERATION_NOTE, '',
        f'PCM + SSCO + warping <= {100 * target:g}% of an iteration: '
        f'measured {100 * share:.2f}%, '
        f"met {'yes' if share <= target else 'no'}"
    ]
    return '\n'.join(lines)


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
    load = ', '.join(f'{v:.2f}' for v in os.getloadavg())
    print(f'{datetime.datetime.now().isoformat(timespec="seconds")}; '
          f'device: {device}, torch {torch.__version__}, threads '
          f'{torch.get_num_threads()}, load average {load}\n')
    if not args.only_full_iteration:
        rows = benchmark_pcm(args, device)
        rows += benchmark_ssco(args, device)
        rows += benchmark_warp(args, device)
        print(markdown_table(rows))
    if args.full_iteration or args.only_full_iteration:
        if not args.only_full_iteration:
            print()
        print(full_iteration_report(benchmark_full_iteration(args, device)))
        load = ', '.join(f'{v:.2f}' for v in os.getloadavg())
        print(f'\nload average at the end: {load}')


if __name__ == '__main__':
    main()
