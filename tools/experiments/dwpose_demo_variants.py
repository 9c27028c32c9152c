"""Variants of the DWPose demo's runs, on the demo's own data and models
(run `make demo` first), for the figures quoted in the README.

    # stage 2 from the demo's stage-1 student, for 4, 10 and 20 epochs
    python tools/experiments/dwpose_demo_variants.py stage2 4 10 20
    # stage 1 with the fp32 or bf16 teacher, and the student alone, per seed
    python tools/experiments/dwpose_demo_variants.py stage1 \\
        fp32:1 bf16:1 alone:1

Each run trains with the demo's config (schedule rescaled as the demo does),
evaluates the exported student with the demo's metric and appends a row to
``<out-dir>/results.json``; one torch thread per run.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _demo():
    spec = importlib.util.spec_from_file_location(
        'run_dwpose_demo', osp.join(ROOT, 'tools', 'run_dwpose_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('what', choices=['stage1', 'stage2'])
    p.add_argument(
        'runs',
        nargs='+',
        help='stage2: epochs; stage1: fp32:SEED, bf16:SEED or '
        'alone:SEED')
    p.add_argument(
        '--demo-dir', default=osp.join(ROOT, 'work_dirs', 'dwpose_demo'))
    p.add_argument(
        '--data-root',
        default=osp.join(ROOT, 'data', 'synthetic_wholebody_demo'))
    p.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='stage-1 / student-alone epochs (default: the demo\'s)')
    p.add_argument(
        '--family', default='rtmpose', choices=['rtmpose', 'heatmap'])
    p.add_argument('--out-dir', default=None)
    return p.parse_args()


def main():
    args = parse_args()
    torch.set_num_threads(1)
    demo = _demo()
    out_dir = args.out_dir or osp.join(ROOT, 'work_dirs',
                                       f'dwpose_{args.what}_variants')
    os.makedirs(out_dir, exist_ok=True)
    out_path = osp.join(out_dir, 'results.json')
    results = json.load(open(out_path)) if osp.exists(out_path) else {}
    data = argparse.Namespace(
        data_root=args.data_root, batch_size=None, seed=0)
    family = demo.FAMILIES[args.family]
    student_cfg, stage1_cfg, stage2_cfg = (
        osp.join(demo.CFG_DIR, family[k])
        for k in ('student', 'stage1', 'stage2'))
    args.epochs = args.epochs or demo.DEMO_EPOCHS
    teacher_ckpt = family['teacher_ckpt'] or osp.join(
        args.demo_dir, 'teacher', f'epoch_{args.epochs}.pth')
    for run in args.runs:
        wd = osp.join(out_dir, run.replace(':', '_s'))
        if args.what == 'stage2':
            cfg = demo.load_cfg(stage2_cfg, data, wd, int(run))
            cfg.model.teacher_ckpt = osp.join(args.demo_dir, 'stage1',
                                              'exported_student.pth')
            ckpt = osp.join(wd, 'exported_student.pth')
        else:
            kind, seed = run.split(':')
            if kind == 'alone':
                cfg = demo.load_cfg(student_cfg, data, wd, args.epochs)
                ckpt = osp.join(wd, f'epoch_{args.epochs}.pth')
            else:
                cfg = demo.load_cfg(stage1_cfg, data, wd, args.epochs)
                cfg.model.teacher_ckpt = teacher_ckpt
                cfg.model.teacher_autocast = {
                    'fp32': None,
                    'bf16': 'bfloat16'
                }[kind]
                ckpt = osp.join(wd, 'exported_student.pth')
            cfg.randomness = dict(seed=int(seed))
        seconds, _ = demo.train(cfg)
        metrics, _, _ = demo.evaluate(student_cfg, ckpt, data, wd + '_eval')
        results[run] = dict(
            train_seconds=round(seconds, 1),
            **{
                key: round(100 * float(metrics[name]), 1)
                for key, name in demo.METRIC_KEYS if name in metrics
            })
        print('RESULT', run, results[run], flush=True)
        with open(out_path, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
