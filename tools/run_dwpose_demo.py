"""The main job: DWPose end to end on the embedded synthetic whole-body data.

    python tools/run_dwpose_demo.py [--work-dir work_dirs/dwpose_demo] \\
        [--seed 0]

Steps (each a real MMEngine Runner, logs in its own work dir):
  1. generate the synthetic COCO-WholeBody dataset (once; seeded): half the
     images whole people as in COCO, half upper-body close-ups as UBody
     frames them, so faces and hands are large enough to measure;
  2. the teacher: the RTMPose-s checkpoint shipped in ``checkpoints/``
     (trained once by ``--train-teacher``, see below), or trained here;
  3. train the student alone (the baseline; RTMPose-t widths);
  4. DWPose stage 1: teacher -> student (feature + logit KD, decaying);
  5. DWPose stage 2: head-aware self-KD for 1/5 of stage 1's epochs;
  6. export both distilled students as plain mmpose checkpoints;
  7. evaluate everything with the stock CocoWholeBodyMetric (+ per-part AP)
     and the median keypoint error of each part (input px of the crop,
     readable where AP is at its floor) and write the tables (Markdown +
     JSON), a picture of one validation
     person as the baseline and the distilled student see it, and a plot of
     per-part AP, all to the work dir.

The shipped weights in ``checkpoints/synthetic/`` are what these commands
write, on the first 2000 training images of the same seeded data:

  - the teacher, in three rounds of its 30-epoch schedule (about an hour
    each on 2 cores), each after the first starting from the previous
    round's weights:

        python tools/run_dwpose_demo.py --train-teacher --teacher-only \\
            --num-train 2000 --data-root data/synthetic_wholebody_2000 \\
            --work-dir work_dirs/dwpose_demo_teacher
        python tools/run_dwpose_demo.py --train-teacher --teacher-only \\
            --num-train 2000 --data-root data/synthetic_wholebody_2000 \\
            --work-dir work_dirs/dwpose_demo_teacher2 \\
            --teacher-load-from $ROUND1
        python tools/run_dwpose_demo.py --train-teacher --teacher-only \\
            --num-train 2000 --data-root data/synthetic_wholebody_2000 \\
            --work-dir work_dirs/dwpose_demo_teacher3 \\
            --teacher-load-from $ROUND2

    where $ROUND1 is the first's compact file,
    work_dirs/dwpose_demo_teacher/teacher/<the shipped file's name>, and
    $ROUND2 the second's (work_dirs/dwpose_demo_teacher2/teacher/...);

  - the student's backbone initialisation, the student trained on the body-17
    keypoints (as the released students start from a body-pose CSPNeXt):

        python tools/run_dwpose_demo.py --train-student-init \\
            --num-train 2000 --data-root data/synthetic_wholebody_2000 \\
            --work-dir work_dirs/dwpose_demo_student_init
"""
import argparse
import json
import os
import os.path as osp
import resource
import time

import cv2
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmpose_kd  # noqa: F401
from mmpose_kd.utils.keypoint_errors import (REPORTED_PARTS,
                                             median_part_errors,
                                             wholebody_keypoint_errors)
from mmpose_kd.utils.runtime import apply_runtime_defaults

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CFG_DIR = osp.join(ROOT, 'configs', 'synthetic')
# teacher, student, stage 1, stage 2 configs of each model family, and the
# shipped teacher (None: the demo trains it)
FAMILIES = {
    # Default, the paper's family: CSPNeXt + SimCC (RTMPose), stride 16.
    'rtmpose':
    dict(
        teacher='rtmpose-s_synthetic-wholebody-128x96.py',
        student='rtmpose-t_synthetic-wholebody-128x96.py',
        stage1='dwpose-s1_s-dis-t_synthetic-wholebody-128x96.py',
        stage2='dwpose-s2_t-tt_synthetic-wholebody-128x96.py',
        teacher_ckpt=osp.join(ROOT, 'checkpoints', 'synthetic',
                              'rtmpose-s_synthetic-wholebody-128x96.pth'),
        # the body-17 model whose backbone the student config loads
        student_init='rtmpose-t_synthetic-body17-128x96.py'),
    # ResNet-18 heatmap models (the demo before RTMPose learned here).
    'heatmap':
    dict(
        teacher='res18-w32_synthetic-wholebody-128x96.py',
        student='res18-w8_synthetic-wholebody-128x96.py',
        stage1='dwpose-s1_res18w32-dis-w8_synthetic-wholebody-128x96.py',
        stage2='dwpose-s2_res18w8-w8w8_synthetic-wholebody-128x96.py',
        teacher_ckpt=None,
        student_init=None),
}
# stage-1 and student-alone epochs of the demo (stage 2: 1/5 of them)
DEMO_EPOCHS = 10
# the demo's data: same generator seed as the shipped teacher's, so its
# first --num-train images are the teacher's first training images
DATA = dict(
    num_train=800, num_val=80, img_size=256, seed=0, upper_body_fraction=0.5)

METRIC_KEYS = [('AP', 'coco-wholebody/AP'), ('AR', 'coco-wholebody/AR'),
               ('body AP', 'coco-wholebody/body/AP'),
               ('foot AP', 'coco-wholebody/foot/AP'),
               ('face AP', 'coco-wholebody/face/AP'),
               ('hand AP', 'coco-wholebody/hand/AP')
               ]  # CocoWholeBodyPerPartMetric


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--work-dir', default='work_dirs/dwpose_demo')
    p.add_argument('--data-root', default='data/synthetic_wholebody_demo')
    p.add_argument(
        '--num-train',
        type=int,
        default=DATA['num_train'],
        help='synthetic train images')
    p.add_argument('--num-val', type=int, default=DATA['num_val'])
    p.add_argument(
        '--epochs',
        type=int,
        default=None,
        help=f'stage-1/student epochs (default {DEMO_EPOCHS}; stage 2 gets '
        '1/5, at least 1); with --train-student-init its epochs (default: '
        "the config's)")
    p.add_argument('--teacher-epochs', type=int, default=None)
    p.add_argument('--batch-size', type=int, default=None)
    p.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help="dataloader workers of every run (default: the configs' 1, "
        'which is what 2 CPU cores afford; more on a GPU machine)')
    p.add_argument(
        '--seed',
        type=int,
        default=0,
        help='training seed of every run (the data stays seed 0)')
    p.add_argument(
        '--threads',
        type=int,
        default=1,
        help='torch intra-op threads. 1 by default: with the dataloader '
        'worker beside it on a 2-core machine, 2 threads oversubscribe the '
        'cores (measured 3.7 s vs 0.26 s per teacher step under load)')
    p.add_argument(
        '--family',
        choices=sorted(FAMILIES),
        default='rtmpose',
        help='model family of teacher and student')
    p.add_argument(
        '--teacher-ckpt',
        default=None,
        help="teacher weights (default: the family's shipped "
        'checkpoint; the heatmap family trains its teacher)')
    p.add_argument(
        '--train-teacher',
        action='store_true',
        help='train the teacher here instead of loading one')
    p.add_argument(
        '--teacher-only',
        action='store_true',
        help='stop after the teacher (with --train-teacher: how '
        'the shipped teacher was made)')
    p.add_argument(
        '--teacher-load-from',
        default=None,
        help='with --train-teacher: start from these weights (the shipped '
        "teacher's second round)")
    p.add_argument(
        '--train-student-init',
        action='store_true',
        help="train the student's body-17 initialisation (the family's "
        '`student_init` config) and stop: how the shipped one was made')
    p.add_argument(
        '--teacher-autocast',
        default=None,
        help="e.g. 'bfloat16': run the frozen teacher under autocast")
    return p.parse_args(argv)


def make_data(args):
    """Generate the demo's data, or reuse it when it was written with the
    same settings (the annotation file's ``info`` says how)."""
    want = dict(DATA, num_train=args.num_train, num_val=args.num_val)
    ann = osp.join(args.data_root, 'annotations',
                   'coco_wholebody_val_v1.0.json')
    if osp.isfile(ann) and _data_settings(args.data_root) == want:
        print_log(f'[demo] reusing synthetic data in {args.data_root}',
                  'current')
        return
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    print_log(f'[demo] generating synthetic data in {args.data_root}',
              'current')
    generate_wholebody_dataset(args.data_root, **want)


def _data_settings(data_root):
    settings = {}
    for split in ('train', 'val'):
        path = osp.join(data_root, 'annotations',
                        f'coco_wholebody_{split}_v1.0.json')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            coco = json.load(f)
        info = coco.get('info', {})
        settings[f'num_{split}'] = len(coco['images'])
        width, height = info.get('width'), info.get('height')
        settings.update(
            img_size=width if width == height else (width, height),
            seed=info.get('seed'),
            upper_body_fraction=info.get('upper_body_fraction', 0.0))
    return settings


def load_cfg(path, args, work_dir, epochs=None, name=None):
    cfg = Config.fromfile(path)
    cfg.work_dir = work_dir
    cfg.experiment_name = name or osp.basename(work_dir)
    data_root = args.data_root.rstrip('/') + '/'
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[split].dataset.data_root = data_root
        if getattr(args, 'num_workers', None):  # not in every tool's args
            cfg[split].num_workers = args.num_workers
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = osp.join(data_root, 'annotations',
                                    'coco_wholebody_val_v1.0.json')
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    if epochs:
        set_epochs(cfg, epochs)
    cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_epochs
    cfg.randomness = dict(seed=args.seed)
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
    cfg = load_cfg(
        student_cfg_path,
        args,
        work_dir,
        name=osp.basename(work_dir) + '_test')
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    params = sum(p.numel() for p in runner.model.parameters())
    model = runner.model.module if hasattr(runner.model, 'module') \
        else runner.model
    model.cfg = cfg  # what mmpose's inference_topdown reads
    model.dataset_meta = runner.test_dataloader.dataset.metainfo
    return metrics, params, model.eval()


def teacher_epochs(teacher_cfg):
    return Config.fromfile(teacher_cfg).train_cfg.max_epochs


def teacher_checkpoint(args, family, wd, teacher_cfg):
    """The teacher's weights: trained here, or the shipped/given file."""
    ckpt = args.teacher_ckpt or family['teacher_ckpt']
    if ckpt and not args.train_teacher:
        if not osp.isfile(ckpt):
            raise FileNotFoundError(
                f'teacher checkpoint {ckpt} not found; pass --teacher-ckpt '
                'or --train-teacher')
        print_log(f'[demo] teacher: {osp.relpath(ckpt, ROOT)}', 'current')
        return ckpt, None
    epochs = args.teacher_epochs or teacher_epochs(teacher_cfg)
    print_log(f'[demo] training the teacher ({epochs} epochs)', 'current')
    cfg = load_cfg(teacher_cfg, args, osp.join(wd, 'teacher'), epochs)
    if args.teacher_load_from:
        cfg.load_from = args.teacher_load_from
    seconds, _ = train(cfg)
    ckpt = osp.join(wd, 'teacher', f'epoch_{epochs}.pth')
    compact = osp.join(wd, 'teacher',
                       osp.basename(family['teacher_ckpt'] or 'teacher.pth'))
    write_compact_checkpoint(ckpt, compact)
    print_log(f'[demo] compact teacher (fp16, EMA weights): {compact}',
              'current')
    return ckpt, seconds


def train_student_init(args, family, wd):
    """Train the family's body-17 student (its full schedule) on the data
    and write its compact checkpoint, which the whole-body student config
    loads as its backbone's ``Pretrained`` init."""
    if not family['student_init']:
        raise ValueError(f'--family {args.family} has no student_init config')
    cfg_path = osp.join(CFG_DIR, family['student_init'])
    epochs = args.epochs or teacher_epochs(cfg_path)
    print_log(
        f"[demo] training the student's body-17 initialisation "
        f'({epochs} epochs)', 'current')
    cfg = load_cfg(cfg_path, args, osp.join(wd, 'student_init'), epochs)
    train(cfg)
    compact = osp.join(wd, 'student_init',
                       osp.splitext(family['student_init'])[0] + '.pth')
    write_compact_checkpoint(
        osp.join(wd, 'student_init', f'epoch_{epochs}.pth'), compact)
    print_log(f'[demo] student initialisation written to {compact}', 'current')
    return compact


def write_compact_checkpoint(ckpt, out_path):
    """The EMA weights of a training checkpoint (what mmengine's EMAHook
    saves as ``state_dict``) in fp16 with the dataset meta: what ships in
    ``checkpoints/`` (a fp32 model is restored from it exactly enough for a
    teacher or a backbone init: the demo's table was measured with these
    files)."""
    checkpoint = torch.load(ckpt, map_location='cpu', weights_only=False)
    state_dict = {
        k: v.half() if v.is_floating_point() else v
        for k, v in checkpoint['state_dict'].items()
    }
    meta = dict(dataset_meta=checkpoint.get('meta', {}).get('dataset_meta'))
    torch.save(dict(state_dict=state_dict, meta=meta), out_path)


def main(argv=None):
    args = parse_args(argv)
    if args.teacher_load_from and not args.train_teacher:
        raise ValueError('--teacher-load-from needs --train-teacher (it is '
                         "where the teacher's training starts)")
    torch.set_num_threads(args.threads)
    wd = osp.abspath(args.work_dir)
    os.makedirs(wd, exist_ok=True)
    t_start = time.time()
    make_data(args)

    family = FAMILIES[args.family]
    if args.train_student_init:
        train_student_init(args, family, wd)
        return
    TEACHER_CFG, STUDENT_CFG, STAGE1_CFG, STAGE2_CFG = (
        osp.join(CFG_DIR, family[k])
        for k in ('teacher', 'student', 'stage1', 'stage2'))
    epochs = args.epochs or DEMO_EPOCHS
    s2_epochs = max(1, round(epochs / 5))
    rows, times = [], {}

    print_log('[demo] 1/5 the teacher', 'current')
    teacher_ckpt, seconds = teacher_checkpoint(args, family, wd, TEACHER_CFG)
    if seconds is not None:
        times['teacher'] = seconds
    if args.teacher_only:
        print_log(f'[demo] teacher written to {teacher_ckpt}', 'current')
        return

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
    teacher_name = 'teacher (RTMPose-s)' if args.family == 'rtmpose' \
        else 'teacher (ResNet-18 w32)'
    if seconds is not None:
        epochs_done = args.teacher_epochs or teacher_epochs(TEACHER_CFG)
        teacher_sched = f'{epochs_done} ep'
    else:
        teacher_sched = 'given' if args.teacher_ckpt else 'shipped'
    runs = [
        (teacher_name, TEACHER_CFG, teacher_ckpt, teacher_sched),
        ('student alone (baseline)', STUDENT_CFG, alone_ckpt, f'{epochs} ep'),
        ('DWPose stage 1 student', STUDENT_CFG, s1_export, f'{epochs} ep'),
        ('DWPose stage 1+2 student', STUDENT_CFG, s2_export,
         f'{epochs}+{s2_epochs} ep'),
    ]
    models = {}
    for name, cfg_path, ckpt, sched in runs:
        metrics, params, model = evaluate(
            cfg_path, ckpt, args,
            osp.join(wd, 'eval',
                     name.split(' ')[0] + '_' + str(len(rows))))
        models[name] = model
        row = dict(model=name, schedule=sched, params=params)
        row.update({
            k: round(100 * float(metrics[m]), 1)
            for k, m in METRIC_KEYS if m in metrics
        })
        # where AP sits at its floor (hands), the error still moves
        errors = median_part_errors(
            wholebody_keypoint_errors(model, args.data_root))
        row.update(
            {f'{part} err': round(err, 2)
             for part, err in errors.items()})
        rows.append(row)

    figures = write_figures(args, wd, rows, [
        ('student alone', models['student alone (baseline)']),
        ('DWPose stage 1', models['DWPose stage 1 student']),
        ('DWPose stage 1+2', models['DWPose stage 1+2 student'])
    ])

    table = format_table(rows)
    summary = dict(
        rows=rows,
        train_seconds=times,
        total_seconds=round(time.time() - t_start, 1),
        peak_rss_gib=peak_rss_gib(),
        seed=args.seed,
        torch_threads=torch.get_num_threads(),
        figures=figures)
    with open(osp.join(wd, 'results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(wd, 'results.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(table)
    print(f'\ntotal {summary["total_seconds"]} s, peak RSS '
          f'{summary["peak_rss_gib"]} GiB; results in '
          f'{osp.join(wd, "results.md")} and results.json; figures ' +
          ', '.join(figures.values()))


def write_figures(args, wd, rows, models):
    """The picture of one validation person (baseline vs distilled) and
    the per-part AP plot, in the work dir."""
    from mmpose_kd.utils.demo_figures import (pick_close_up, plot_per_part_ap,
                                              predictions_side_by_side)
    ann_file = osp.join(args.data_root, 'annotations',
                        'coco_wholebody_val_v1.0.json')
    image, ann = pick_close_up(ann_file)
    picture = predictions_side_by_side(
        osp.join(args.data_root, 'val2017', image['file_name']), ann['bbox'],
        models)
    paths = dict(
        picture=osp.join(wd, 'predictions.png'),
        plot=osp.join(wd, 'per_part_ap.png'))
    cv2.imwrite(paths['picture'], picture)
    plot_per_part_ap(
        rows,
        paths['plot'],
        title=f'synthetic COCO-WholeBody val, seed {args.seed}')
    return paths


def peak_rss_gib():
    """Peak resident memory of this process and of its finished children
    (the dataloader workers), GiB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + \
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(kib / 2**20, 2)


def format_table(rows):
    """The AP table (x100, higher is better), then the median keypoint
    error table (input px of the crop, lower is better)."""
    cols = ['model', 'schedule', 'params'] + [k for k, _ in METRIC_KEYS]
    lines = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    for r in rows:
        vals = [r['model'], r['schedule'], f"{r['params'] / 1e6:.2f}M"
                ] + [f"{r[k]:.1f}" if k in r else '-' for k, _ in METRIC_KEYS]
        lines.append('| ' + ' | '.join(vals) + ' |')
    err_cols = [f'{part} err' for part in REPORTED_PARTS]
    lines += [
        '', 'Median keypoint error, input px of the crop (lower is better):',
        '', '| model | ' + ' | '.join(err_cols) + ' |',
        '|' + '---|' * (len(err_cols) + 1)
    ]
    for r in rows:
        vals = [r['model']
                ] + [f'{r[k]:.2f}' if k in r else '-' for k in err_cols]
        lines.append('| ' + ' | '.join(vals) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
