"""Distillation across keypoint sets on the demo's data: the shipped
133-keypoint RTMPose-s teacher teaches an RTMPose-t COCO body-17 student
through ``keypoint_map='coco_wholebody_to_coco'``, against the same student
trained alone, with the demo's schedule (10 epochs), per training seed.

    python tools/experiments/keypoint_map_body17.py 0 1 2 \\
        [--work-dir work_dirs/keypoint_map_body17]

Needs the demo's data (``make demo`` writes it). Prints and writes
``<work-dir>/results.md``: body AP (stock ``CocoMetric``, x100) per seed,
mean and spread.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG_DIR = osp.join(ROOT, 'configs', 'synthetic')
RUNS = {
    'alone': 'rtmpose-t_synthetic-body17-128x96.py',
    'mapped KD': 'dwpose-s1_s-dis-t-body17_synthetic-wholebody-128x96.py',
}


def _demo():
    spec = importlib.util.spec_from_file_location(
        'run_dwpose_demo', osp.join(ROOT, 'tools', 'run_dwpose_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('seeds', type=int, nargs='+')
    p.add_argument('--work-dir', default='work_dirs/keypoint_map_body17')
    p.add_argument(
        '--data-root',
        default=osp.join(ROOT, 'data', 'synthetic_wholebody_demo'))
    p.add_argument(
        '--epochs',
        type=int,
        default=None,
        help="default: the demo's student epochs")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    demo = _demo()
    epochs = args.epochs or demo.DEMO_EPOCHS
    os.makedirs(args.work_dir, exist_ok=True)
    out_path = osp.join(args.work_dir, 'results.json')
    results = {}
    if osp.isfile(out_path):
        with open(out_path) as f:
            results = json.load(f)
    student_cfg = osp.join(CFG_DIR, RUNS['alone'])
    for seed in args.seeds:
        for run, cfg_name in RUNS.items():
            key = f'{run}:{seed}'
            if key in results:
                continue
            wd = osp.join(args.work_dir, f"{run.replace(' ', '_')}_s{seed}")
            data = argparse.Namespace(
                data_root=args.data_root, batch_size=None, seed=seed)
            cfg = demo.load_cfg(osp.join(CFG_DIR, cfg_name), data, wd, epochs)
            if run == 'alone':
                ckpt = osp.join(wd, f'epoch_{epochs}.pth')
            else:
                cfg.model.teacher_ckpt = \
                    demo.FAMILIES['rtmpose']['teacher_ckpt']
                ckpt = osp.join(wd, 'exported_student.pth')
            seconds, _ = demo.train(cfg)
            metrics, _, _ = demo.evaluate(student_cfg, ckpt, data,
                                          wd + '_eval')
            results[key] = dict(
                body_ap=round(100 * float(metrics['coco/AP']), 1),
                train_seconds=round(seconds, 1))
            print('RESULT', key, results[key], flush=True)
            with open(out_path, 'w') as f:
                json.dump(results, f, indent=1)
    lines = [
        '| student | ' + ' / '.join(f's{s}' for s in args.seeds) +
        ' | mean | spread |', '|---|---|---|---|'
    ]
    for run in RUNS:
        values = [results[f'{run}:{s}']['body_ap'] for s in args.seeds]
        lines.append(f'| {run} | ' + ' / '.join(f'{v:.1f}' for v in values) +
                     f' | {sum(values) / len(values):.1f} | '
                     f'{max(values) - min(values):.1f} |')
    table = '\n'.join(lines)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print(table)


if __name__ == '__main__':
    main()
