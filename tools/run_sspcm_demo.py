"""SSPCM versus supervised-only training of student C on the synthetic data,
on a CPU (SSPCM, Huang et al., CVPR 2023, Table 1 in miniature).

1. Generate the synthetic COCO-WholeBody data (``mmpose_kd.datasets.
   synthetic``; 17 body keypoints read by stock ``CocoDataset``), unless it
   is already there.
2. Split the training images with ``tools/split_semi.py`` (default 30 of 600
   labeled, 5%).
3. Train, with the same iteration schedule and the same labeled batches per
   iteration:
   * supervised: network C alone (a stock ``TopdownPoseEstimator``) on the
     labeled images;
   * SSPCM: A, B, C on the labeled + unlabeled images.
4. Evaluate C (and SSPCM's A and B) with COCO keypoint AP on the synthetic
   validation images and print a table (also written to
   ``<work-dir>/results.json`` and ``results.md``).

A config whose unlabeled set is or holds ``UBodyWholeBodyVideoDataset``
(the whole-body ``sspcm_synthetic_rtmpose-t_wholebody*.py``; a
``CombinedDataset`` of the split's unlabeled images and UBody frames in
``..._coco-ubody-unlabeled.py``) also gets synthetic UBody videos
(``--ubody-root``), and the table gives whole-body and per-part AP. The
schedule is the config's number of epochs over the unlabeled set unless
``--epochs`` says otherwise.

Both runs go in parallel processes with one thread each by default (a
2-core machine runs them side by side); ``--sequential`` runs them one
after the other. Example::

    python tools/run_sspcm_demo.py --work-dir work_dirs/sspcm_demo
"""
import argparse
import copy
import importlib.util
import json
import math
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'sspcm',
                          'sspcm_synthetic_tiny-resnet_joint.py')
RUNS = ('supervised', 'sspcm')
UBODY = 'UBodyWholeBodyVideoDataset'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/sspcm_demo')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='SSPCM config whose network C, data pipelines '
        'and batch sizes both runs use')
    parser.add_argument(
        '--data-root',
        default=None,
        help='synthetic data folder (default: '
        '<work-dir>/data)')
    parser.add_argument('--num-train', type=int, default=600)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--num-labeled', type=int, default=30)
    parser.add_argument('--img-size', type=int, default=128)
    parser.add_argument('--data-seed', type=int, default=0)
    parser.add_argument(
        '--ubody-root',
        default=None,
        help='synthetic UBody folder, for configs whose unlabeled set is '
        'UBodyWholeBodyVideoDataset (default: <work-dir>/ubody; generated '
        'once)')
    parser.add_argument(
        '--ubody-videos-per-scene',
        type=int,
        default=4,
        help='synthetic UBody: videos in each of its 3 scenes')
    parser.add_argument(
        '--ubody-frames-per-video',
        type=int,
        default=50,
        help='synthetic UBody: frames per video (160x128, 1-2 people)')
    parser.add_argument('--split-seed', type=int, default=0)
    parser.add_argument(
        '--seed', type=int, default=0, help='training seed (both runs)')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='epochs over the unlabeled images (default: the config\'s '
        'train_cfg.max_epochs); the supervised run takes as many iterations')
    parser.add_argument(
        '--lr',
        type=float,
        default=None,
        help='override the config learning rate')
    parser.add_argument(
        '--cfg-options',
        nargs='*',
        default=[],
        help='key=value overrides of the SSPCM config '
        '(python literals), e.g. '
        'model.semi_train_cfg.pcm_loss_weight=2.0')
    parser.add_argument(
        '--threads', type=int, default=1, help='torch threads per run')
    parser.add_argument(
        '--sequential',
        action='store_true',
        help='run the two trainings one after the other')
    parser.add_argument(
        '--only', choices=RUNS, default=None,
        help=argparse.SUPPRESS)  # internal: one run
    return parser.parse_args(argv)


def resolve_epochs(args):
    """``--epochs`` or, without it, the config's ``train_cfg.max_epochs``
    (in place; returns ``args``)."""
    if args.epochs is None:
        from mmengine.config import Config
        args.epochs = Config.fromfile(args.config).train_cfg.max_epochs
    return args


# ---------------------------------------------------------------- data
def prepare_data(args) -> str:
    """Generate and split the data once; returns the data root."""
    data_root = osp.abspath(args.data_root or osp.join(args.work_dir, 'data'))
    train_ann = osp.join(data_root, 'annotations',
                         'coco_wholebody_train_v1.0.json')
    stamp = osp.join(data_root, 'demo_data.json')
    wanted = dict(
        num_train=args.num_train,
        num_val=args.num_val,
        img_size=args.img_size,
        seed=args.data_seed)
    if not (osp.isfile(stamp) and _read_json(stamp) == wanted):
        from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
        print(f'generating synthetic data in {data_root} ...', flush=True)
        generate_wholebody_dataset(data_root, progress=False, **wanted)
        with open(stamp, 'w') as f:
            json.dump(wanted, f)
    if _reads_ubody(args):
        _prepare_ubody(args)
    split_semi = _load_tool('split_semi')
    split_semi.main([
        train_ann, '--num-labeled',
        str(args.num_labeled), '--seed',
        str(args.split_seed), '--out-labeled',
        osp.join(data_root, 'annotations', 'train_labeled.json'),
        '--out-unlabeled',
        osp.join(data_root, 'annotations', 'train_unlabeled.json')
    ])
    return data_root


# ---------------------------------------------------------------- configs
def sspcm_config(args, data_root: str):
    """The SSPCM config with the demo's data, schedule and seed."""
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    for option in args.cfg_options:
        key, value = option.split('=', 1)
        cfg.merge_from_dict({key: _literal(value)})
    data_root = data_root.rstrip('/') + '/'
    cfg.train_dataloader.labeled.dataset.data_root = data_root
    for dataset in _unlabeled_parts(cfg):
        dataset.data_root = (
            _ubody_root(args) if dataset.type == UBODY else data_root)
    for name in ('val_dataloader', 'test_dataloader'):
        cfg[name].dataset.data_root = data_root
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = osp.join(data_root, cfg.val_ann_file)
    if args.lr is not None:
        cfg.optim_wrapper.optimizer.lr = args.lr
    cfg.randomness = dict(seed=args.seed)
    cfg.work_dir = osp.join(osp.abspath(args.work_dir), 'sspcm')
    return cfg


def iteration_schedule(cfg, num_iters: int) -> list:
    """The config's schedule as iterations: linear warm-up, then x0.1 for
    the last epoch's worth (1/epochs) of the iterations."""
    warmup = min(50, max(1, num_iters // 10))
    return [
        dict(
            type='LinearLR',
            begin=0,
            end=warmup,
            start_factor=0.01,
            by_epoch=False),
        dict(
            type='MultiStepLR',
            begin=0,
            end=num_iters,
            by_epoch=False,
            milestones=[int(num_iters * 0.9)],
            gamma=0.1)
    ]


def finalize_sspcm(cfg, args, num_iters: int):
    cfg.train_cfg = dict(
        type='SemiSupervisedEpochBasedTrainLoop',
        max_epochs=args.epochs,
        val_begin=args.epochs + 1)
    cfg.param_scheduler = iteration_schedule(cfg, num_iters)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        interval=args.epochs,
        save_best=None,
        max_keep_ckpts=1)
    # The estimator reads its warm-up iteration from the training progress.
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(
            h.get('type') in ('TrainingProgressHook', 'DistillScheduleHook')
            for h in hooks):
        hooks.append(dict(type='TrainingProgressHook'))
    cfg.custom_hooks = hooks
    return cfg


def supervised_config(sspcm_cfg, args, num_iters: int):
    """Network C alone on the labeled part: same labeled batches, optimizer
    and iteration schedule as the SSPCM run."""
    cfg = copy.deepcopy(sspcm_cfg)
    cfg.model = copy.deepcopy(sspcm_cfg.model.network_c)
    cfg.train_dataloader = copy.deepcopy(sspcm_cfg.train_dataloader.labeled)
    # IterBasedTrainLoop pauses 2 s whenever a finite sampler runs out.
    cfg.train_dataloader.sampler = dict(type='InfiniteSampler', shuffle=True)
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop',
        max_iters=num_iters,
        val_begin=num_iters + 1)
    cfg.param_scheduler = iteration_schedule(cfg, num_iters)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=num_iters,
        save_best=None,
        max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.log_processor = dict(by_epoch=False)
    cfg.custom_hooks = [dict(type='SyncBuffersHook')]
    cfg.work_dir = osp.join(osp.abspath(args.work_dir), 'supervised')
    return cfg


def count_iterations(sspcm_cfg, args) -> int:
    """Iterations of the SSPCM run: epochs x unlabeled batches."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    loader = sspcm_cfg.train_dataloader.unlabeled
    dataset = DATASETS.build(copy.deepcopy(loader.dataset))
    if loader.get('drop_last', False):
        per_epoch = len(dataset) // loader.batch_size
    else:
        per_epoch = math.ceil(len(dataset) / loader.batch_size)
    return args.epochs * per_epoch


# ---------------------------------------------------------------- runs
def run_one(args, which: str, data_root: str) -> dict:
    """Train one run and evaluate it; returns its results."""
    import torch
    torch.set_num_threads(args.threads)
    import mmpose_kd  # noqa: F401
    from mmpose_kd.utils.runtime import apply_runtime_defaults, build_runner

    sspcm = sspcm_config(args, data_root)
    num_iters = count_iterations(sspcm, args)
    if which == 'sspcm':
        cfg = finalize_sspcm(sspcm, args, num_iters)
    else:
        cfg = supervised_config(sspcm, args, num_iters)
    apply_runtime_defaults(cfg)
    runner = build_runner(cfg)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    results = dict(
        run=which, iterations=num_iters, train_seconds=round(train_seconds, 1))
    metric = metric_prefix(cfg)
    if which == 'sspcm':
        results.update(evaluate_networks(runner, metric))
    else:
        results.update(_named_metrics(runner.val(), metric, '', 'C'))
    with open(osp.join(args.work_dir, f'{which}_results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    return results


def launch(args, data_root: str) -> dict:
    """Both runs, in parallel subprocesses unless --sequential."""
    results = {}
    if args.sequential:
        for which in RUNS:
            results[which] = run_one(args, which, data_root)
        return results
    base = [sys.executable, osp.abspath(__file__)
            ] + [a for a in sys.argv[1:]] + ['--data-root', data_root]
    procs = {}
    for which in RUNS:
        log = open(osp.join(args.work_dir, f'{which}.log'), 'w')
        procs[which] = (subprocess.Popen(
            base + ['--only', which],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, OMP_NUM_THREADS=str(args.threads))), log)
    for which, (proc, log) in procs.items():
        code = proc.wait()
        log.close()
        if code != 0:
            raise RuntimeError(f'the {which} run failed (exit {code}); see '
                               f'{osp.join(args.work_dir, which + ".log")}')
        results[which] = _read_json(
            osp.join(args.work_dir, f'{which}_results.json'))
    return results


def metric_prefix(cfg) -> str:
    """The evaluator's metric prefix: 'coco' (body) or 'coco-wholebody'."""
    return 'coco' if cfg.val_evaluator.type == 'CocoMetric' \
        else 'coco-wholebody'


#: Per-part AP of the whole-body metric (CocoWholeBodyPerPartMetric).
PARTS = ('body', 'foot', 'face', 'hand')


def _named_metrics(metrics: dict, metric: str, prefix: str, key: str) -> dict:
    """``AP_<key>`` (and ``<part>_AP_<key>`` for whole-body) from a
    metrics dict whose names start with ``prefix``."""
    out = {f'AP_{key}': metrics[f'{prefix}{metric}/AP']}
    if metric == 'coco-wholebody':
        for part in PARTS:
            out[f'{part}_AP_{key}'] = metrics[f'{prefix}{metric}/{part}/AP']
    return out


def evaluate_networks(runner, metric: str) -> dict:
    """C, A and B of a trained SSPCM run: through ``SSPCMValLoop`` when
    the config uses it (one pass, names prefixed per network), else one
    validation per network."""
    results = {}
    if runner.cfg.get('val_cfg', {}).get('type') == 'SSPCMValLoop':
        metrics = runner.val()
        for key in ('C', 'A', 'B'):
            results.update(_named_metrics(metrics, metric, f'{key}/', key))
        return results
    model = runner.model
    for key in ('C', 'A', 'B'):
        model.semi_test_cfg['predict_on'] = key
        results.update(_named_metrics(runner.val(), metric, '', key))
    model.semi_test_cfg['predict_on'] = 'C'
    return results


def report(args, results: dict) -> str:
    sup, semi = results['supervised'], results['sspcm']
    if 'body_AP_C' in semi:
        return _report_wholebody(args, sup, semi)
    lines = [
        f'SSPCM demo: {args.num_labeled} labeled of {args.num_train} '
        f'synthetic training images, {args.epochs} epochs over the '
        f'unlabeled images = {semi["iterations"]} iterations, '
        f'seed {args.seed}',
        '',
        '| training | network | COCO AP (synthetic val) | train time |',
        '|---|---|---|---|',
        f'| supervised only (labeled images) | C | {sup["AP_C"]:.3f} | '
        f'{sup["train_seconds"]:.0f} s |',
        f'| SSPCM (labeled + unlabeled) | C | {semi["AP_C"]:.3f} | '
        f'{semi["train_seconds"]:.0f} s |',
        f'| SSPCM (labeled + unlabeled) | A (teacher) | {semi["AP_A"]:.3f} '
        '| |',
        f'| SSPCM (labeled + unlabeled) | B (teacher) | {semi["AP_B"]:.3f} '
        '| |',
        '',
        f'SSPCM - supervised (C): {semi["AP_C"] - sup["AP_C"]:+.3f} AP',
    ]
    return '\n'.join(lines)


def _report_wholebody(args, sup: dict, semi: dict) -> str:

    def row(name, network, res, key, seconds=None):
        cells = [f'{res["AP_" + key]:.3f}'
                 ] + [f'{res[part + "_AP_" + key]:.3f}' for part in PARTS]
        time_cell = f'{seconds:.0f} s' if seconds is not None else ''
        return f'| {name} | {network} | ' + ' | '.join(cells) + \
            f' | {time_cell} |'

    lines = [
        f'SSPCM whole-body demo: {args.num_labeled} labeled of '
        f'{args.num_train} synthetic COCO-WholeBody training images, '
        f'{_unlabeled_description(args)} unlabeled, {args.epochs} epochs '
        'over the '
        f'unlabeled people = {semi["iterations"]} iterations, seed '
        f'{args.seed}', '',
        '| training | network | whole-body AP | body AP | foot AP | '
        'face AP | hand AP | train time |',
        '|---|---|---|---|---|---|---|---|',
        row('supervised only (labeled images)', 'C', sup, 'C',
            sup['train_seconds']),
        row('SSPCM (labeled + unlabeled)', 'C', semi, 'C',
            semi['train_seconds']),
        row('SSPCM (labeled + unlabeled)', 'A (teacher)', semi, 'A'),
        row('SSPCM (labeled + unlabeled)', 'B (teacher)', semi, 'B'), '',
        f'SSPCM - supervised (C): {semi["AP_C"] - sup["AP_C"]:+.3f} '
        'whole-body AP'
    ]
    return '\n'.join(lines)


def main(argv=None):
    args = resolve_epochs(parse_args(argv))
    os.makedirs(args.work_dir, exist_ok=True)
    if args.only is not None:
        run_one(args, args.only, args.data_root)
        return 0
    start = time.time()
    data_root = prepare_data(args)
    results = launch(args, data_root)
    text = report(args, results)
    text += f'\n(total wall time {time.time() - start:.0f} s)'
    print(text)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(dict(args=vars(args), results=results), f, indent=1)
    return 0


# ---------------------------------------------------------------- helpers
def _unlabeled_parts(cfg) -> list:
    """The unlabeled dataset configs: the dataset itself, or the parts of
    a ``CombinedDataset`` (e.g. COCO-WholeBody images + UBody frames)."""
    dataset = cfg.train_dataloader.unlabeled.dataset
    if dataset.type == 'CombinedDataset':
        return list(dataset.datasets)
    return [dataset]


def _reads_ubody(args) -> bool:
    """Whether the config's unlabeled set holds the UBody video dataset."""
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    return any(part.type == UBODY for part in _unlabeled_parts(cfg))


def _unlabeled_description(args) -> str:
    from mmengine.config import Config
    parts = _unlabeled_parts(Config.fromfile(args.config))
    names = [
        'synthetic UBody videos'
        if part.type == UBODY else 'the other training images'
        for part in parts
    ]
    return ' and '.join(names)


def _ubody_root(args) -> str:
    return osp.abspath(args.ubody_root
                       or osp.join(args.work_dir, 'ubody')).rstrip('/') + '/'


def _prepare_ubody(args) -> None:
    """The synthetic UBody of the whole-body demo, generated once: 3
    scenes x ``--ubody-videos-per-scene`` videos x
    ``--ubody-frames-per-video`` frames at 160x128 with 1-2 upper-body
    people (the config's header)."""
    wanted = dict(
        videos_per_scene=args.ubody_videos_per_scene,
        frames_per_video=args.ubody_frames_per_video,
        img_size=[160, 128],
        seed=0)
    root = _ubody_root(args)
    stamp = osp.join(root, 'demo_data.json')
    if osp.isfile(stamp) and _read_json(stamp) == wanted:
        return
    from mmpose_kd.datasets.synthetic import generate_ubody_dataset
    print(f'generating synthetic UBody videos in {root} ...', flush=True)
    generate_ubody_dataset(root,
                           **dict(wanted, img_size=tuple(wanted['img_size'])))
    with open(stamp, 'w') as f:
        json.dump(wanted, f)


def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _read_json(path: str):
    with open(path) as f:
        return json.load(f)


def _literal(text: str):
    import ast
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


if __name__ == '__main__':
    sys.exit(main())
