"""The DWPose demo over several training seeds: run it once per seed (or
read runs already made) and print, per model, each part's AP and median
keypoint error (input px) for every seed with the mean and the spread
(max - min), as the README quotes them.

    python tools/experiments/dwpose_demo_seeds.py 0 1 2 \\
        [--work-dir work_dirs/dwpose_demo_seeds] [--no-run] [-- DEMO ARGS]

Seed S runs ``tools/run_dwpose_demo.py --seed S --work-dir <work-dir>/seed_S``
(the same data, teacher and schedule; only the training seed changes)
unless ``<work-dir>/seed_S/results.json`` exists or ``--no-run`` is given.
"""
import argparse
import json
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PARTS = ('AP', 'body AP', 'foot AP', 'face AP', 'hand AP')
# median keypoint error, input px (runs from before session 9 lack them)
ERRORS = ('body err', 'foot err', 'face err', 'hand err')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('seeds', type=int, nargs='+')
    p.add_argument('--work-dir', default='work_dirs/dwpose_demo_seeds')
    p.add_argument(
        '--no-run', action='store_true', help='only read the runs that exist')
    # what follows '--' goes to run_dwpose_demo.py untouched
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index('--') if '--' in argv else len(argv)
    args = p.parse_args(argv[:split])
    args.demo_args = argv[split + 1:]
    return args


def run_seed(seed, work_dir, demo_args):
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'run_dwpose_demo.py'), '--seed',
        str(seed), '--work-dir', work_dir
    ] + demo_args
    print('[seeds]', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def summarize(results):
    """``{seed: results.json}`` -> Markdown table of per-seed AP, mean and
    spread for every model and part."""
    seeds = sorted(results)
    models = [row['model'] for row in results[seeds[0]]['rows']]
    lines = [
        '| model | part | ' + ' / '.join(f's{s}' for s in seeds) +
        ' | mean | spread |', '|---|---|---|---|---|'
    ]
    for k, model in enumerate(models):
        for part in PARTS + ERRORS:
            if any(part not in results[s]['rows'][k] for s in seeds):
                continue
            values = [results[s]['rows'][k][part] for s in seeds]
            mean = sum(values) / len(values)
            fmt = '.2f' if part in ERRORS else '.1f'
            lines.append(f'| {model} | {part} | ' +
                         ' / '.join(f'{v:{fmt}}'
                                    for v in values) + f' | {mean:{fmt}} | '
                         f'{max(values) - min(values):{fmt}} |')
    times = [results[s]['total_seconds'] for s in seeds]
    rss = [results[s]['peak_rss_gib'] for s in seeds]
    lines.append('')
    lines.append(f'demo wall time {min(times):.0f}-{max(times):.0f} s; '
                 f'peak RSS {min(rss)}-{max(rss)} GiB')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    results = {}
    for seed in args.seeds:
        work_dir = osp.join(args.work_dir, f'seed_{seed}')
        path = osp.join(work_dir, 'results.json')
        if not osp.isfile(path) and not args.no_run:
            run_seed(seed, work_dir, args.demo_args)
        if osp.isfile(path):
            with open(path) as f:
                results[seed] = json.load(f)
    if not results:
        sys.exit('dwpose_demo_seeds: no results.json found under '
                 f'{args.work_dir}')
    table = summarize(results)
    with open(osp.join(args.work_dir, 'seeds.md'), 'w') as f:
        f.write(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
