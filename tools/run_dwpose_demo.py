"""The main job: DWPose end to end on the embedded synthetic whole-body data.

    python tools/run_dwpose_demo.py [--work-dir work_dirs/dwpose_demo]

Steps (each a real MMEngine Runner, logs in its own work dir):
  1. generate the synthetic COCO-WholeBody dataset (once; seeded);
  2. train the teacher (--family heatmap: ResNet-18 w32; rtmpose: RTMPose-s widths);
  3. train the student alone (the baseline; heatmap: ResNet-18 w8);
  4. DWPose stage 1: teacher -> student (feature + logit KD, decaying);
  5. DWPose stage 2: head-aware self-KD for 1/5 of stage 1's epochs;
  6. export both distilled students as plain mmpose checkpoints;
  7. evaluate everything with the stock CocoWholeBodyMetric and write one
     table (Markdown + JSON) to the work dir.
"""
import argparse
import json
import os
import os.path as osp
import time

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.utils.runtime import apply_runtime_defaults

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG_DIR = osp.join(ROOT, 'configs', 'synthetic')
# (teacher, student, stage 1, stage 2) configs of each model family.
FAMILIES = {
    # Default: heatmap heads learn the 133 keypoints within a CPU budget.
    'heatmap': ('res18-w32_synthetic-wholebody-128x96.py',
                'res18-w8_synthetic-wholebody-128x96.py',
                'dwpose-s1_res18w32-dis-w8_synthetic-wholebody-128x96.py',
                'dwpose-s2_res18w8-w8w8_synthetic-wholebody-128x96.py'),
    # RTMPose (SimCC), the paper's models: at 128x96 its head sees a 4x3
    # feature map and needs far more epochs than the CPU demo affords.
    'rtmpose': ('rtmpose-s_synthetic-wholebody-128x96.py',
                'rtmpose-t_synthetic-wholebody-128x96.py',
                'dwpose-s1_s-dis-t_synthetic-wholebody-128x96.py',
                'dwpose-s2_t-tt_synthetic-wholebody-128x96.py'),
}

METRIC_KEYS = [('AP', 'coco-wholebody/AP'), ('AR', 'coco-wholebody/AR'),
               ('body AP', 'coco-wholebody/body/AP'),
               ('foot AP', 'coco-wholebody/foot/AP'),
               ('face AP', 'coco-wholebody/face/AP'),
               ('hand AP', 'coco-wholebody/hand/AP')]  # CocoWholeBodyPerPartMetric


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--work-dir', default='work_dirs/dwpose_demo')
    p.add_argument('--data-root', default='data/synthetic_wholebody')
    p.add_argument('--num-train', type=int, default=None,
                   help='synthetic train images (default: generator default)')
    p.add_argument('--num-val', type=int, default=None)
    p.add_argument('--epochs', type=int, default=None,
                   help='stage-1/student epochs (stage 2 gets 1/5, at '
                   'least 1; the teacher gets --teacher-epochs)')
    p.add_argument('--teacher-epochs', type=int, default=None)
    p.add_argument('--batch-size', type=int, default=None)
    p.add_argument(
        '--threads', type=int, default=1,
        help='torch intra-op threads. 1 by default: with the dataloader '
        'worker beside it on a 2-core machine, 2 threads oversubscribe the '
        'cores (measured 3.7 s vs 0.26 s per teacher step under load)')
    p.add_argument('--family', choices=sorted(FAMILIES), default='heatmap',
                   help='model family of teacher and student')
    p.add_argument('--teacher-autocast', default=None,
                   help="e.g. 'bfloat16': run the frozen teacher under autocast")
    return p.parse_args()


def make_data(args):
    ann = osp.join(args.data_root, 'annotations',
                   'coco_wholebody_val_v1.0.json')
    if osp.isfile(ann):
        print_log(f'[demo] reusing synthetic data in {args.data_root}',
                  'current')
        return
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    kwargs = {}
    if args.num_train:
        kwargs['num_train'] = args.num_train
    if args.num_val:
        kwargs['num_val'] = args.num_val
    print_log(f'[demo] generating synthetic data in {args.data_root}',
              'current')
    generate_wholebody_dataset(args.data_root, **kwargs)


def load_cfg(path, args, work_dir, epochs=None, name=None):
    cfg = Config.fromfile(path)
    cfg.work_dir = work_dir
    cfg.experiment_name = name or osp.basename(work_dir)
    data_root = args.data_root.rstrip('/') + '/'
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[split].dataset.data_root = data_root
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = osp.join(data_root, 'annotations',
                                    'coco_wholebody_val_v1.0.json')
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    if epochs:
        set_epochs(cfg, epochs)
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_epochs
    # Evaluated once at the end, from the saved/exported checkpoint.
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return apply_runtime_defaults(cfg)


def set_epochs(cfg, epochs):
    """Rescale the schedule so its cosine decay and pipeline switch still
    fire inside the run."""
    cfg.train_cfg.max_epochs = epochs
    for sched in cfg.param_scheduler:
        if sched.type == 'CosineAnnealingLR':
            sched.begin, sched.end, sched.T_max = epochs // 2, epochs, \
                epochs - epochs // 2
    for hook in cfg.get('custom_hooks', []):
        if hook.type == 'mmdet.PipelineSwitchHook':
            hook.switch_epoch = max(0, epochs - max(1, epochs // 5))


def train(cfg):
    t0 = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    return time.time() - t0, runner


def evaluate(student_cfg_path, ckpt, args, work_dir):
    cfg = load_cfg(student_cfg_path, args, work_dir,
                   name=osp.basename(work_dir) + '_test')
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    params = sum(p.numel() for p in runner.model.parameters())
    return metrics, params


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    wd = osp.abspath(args.work_dir)
    os.makedirs(wd, exist_ok=True)
    t_start = time.time()
    make_data(args)

    TEACHER_CFG, STUDENT_CFG, STAGE1_CFG, STAGE2_CFG = (
        osp.join(CFG_DIR, name) for name in FAMILIES[args.family])
    base = Config.fromfile(STUDENT_CFG)
    epochs = args.epochs or base.train_cfg.max_epochs
    teacher_epochs = args.teacher_epochs or epochs
    s2_epochs = max(1, round(epochs / 5))
    rows, times = [], {}

    print_log(f'[demo] 1/5 training the teacher ({teacher_epochs} epochs)',
              'current')
    cfg = load_cfg(TEACHER_CFG, args, osp.join(wd, 'teacher'), teacher_epochs)
    times['teacher'], runner = train(cfg)
    teacher_ckpt = osp.join(wd, 'teacher', f'epoch_{teacher_epochs}.pth')

    print_log(f'[demo] 2/5 training the student alone ({epochs} epochs)',
              'current')
    cfg = load_cfg(STUDENT_CFG, args, osp.join(wd, 'student_alone'), epochs)
    times['student alone'], _ = train(cfg)
    alone_ckpt = osp.join(wd, 'student_alone', f'epoch_{epochs}.pth')

    print_log(f'[demo] 3/5 DWPose stage 1 ({epochs} epochs)', 'current')
    cfg = load_cfg(STAGE1_CFG, args, osp.join(wd, 'stage1'), epochs)
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.model.teacher_autocast = args.teacher_autocast
    times['DWPose stage 1'], _ = train(cfg)
    s1_export = osp.join(wd, 'stage1', 'exported_student.pth')

    print_log(f'[demo] 4/5 DWPose stage 2 ({s2_epochs} epochs)', 'current')
    cfg = load_cfg(STAGE2_CFG, args, osp.join(wd, 'stage2'), s2_epochs)
    cfg.model.teacher_ckpt = s1_export
    times['DWPose stage 2'], _ = train(cfg)
    s2_export = osp.join(wd, 'stage2', 'exported_student.pth')

    print_log('[demo] 5/5 evaluating with CocoWholeBodyMetric', 'current')
    runs = [
        (f'teacher ({args.family})', TEACHER_CFG, teacher_ckpt,
         f'{teacher_epochs} ep'),
        ('student alone (baseline)', STUDENT_CFG, alone_ckpt, f'{epochs} ep'),
        ('DWPose stage 1 student', STUDENT_CFG, s1_export, f'{epochs} ep'),
        ('DWPose stage 1+2 student', STUDENT_CFG, s2_export,
         f'{epochs}+{s2_epochs} ep'),
    ]
    for name, cfg_path, ckpt, sched in runs:
        metrics, params = evaluate(cfg_path, ckpt, args,
                                   osp.join(wd, 'eval', name.split(' ')[0]
                                            + '_' + str(len(rows))))
        row = dict(model=name, schedule=sched, params=params)
        row.update({k: round(100 * float(metrics[m]), 1)
                    for k, m in METRIC_KEYS if m in metrics})
        rows.append(row)

    table = format_table(rows)
    summary = dict(rows=rows, train_seconds=times,
                   total_seconds=round(time.time() - t_start, 1),
                   torch_threads=torch.get_num_threads())
    with open(osp.join(wd, 'results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(wd, 'results.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(table)
    print(f'\ntotal {summary["total_seconds"]} s; results in '
          f'{osp.join(wd, "results.md")} and results.json')


def format_table(rows):
    cols = ['model', 'schedule', 'params'] + [k for k, _ in METRIC_KEYS]
    lines = ['| ' + ' | '.join(cols) + ' |',
             '|' + '---|' * len(cols)]
    for r in rows:
        vals = [r['model'], r['schedule'], f"{r['params'] / 1e6:.2f}M"] + [
            f"{r[k]:.1f}" if k in r else '-' for k, _ in METRIC_KEYS]
        lines.append('| ' + ' | '.join(vals) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
