"""Benchmark DWPose stage 1: ours vs. mmpose 1.3.2's DWPoseDistiller.

    python tools/benchmark_distill.py [--batch-size 16] [--iters 6] \
        [--device cpu]

One process; the same teacher, student and batch for every row; each row is
a real MMEngine Runner (IterBasedTrainLoop) with the stock RTMPose hooks
(EMAHook included) on the synthetic whole-body data at the configs' input
size. Measured per row: median train-step time (data loading excluded: the
loop fetches the batch before ``before_train_iter``), peak memory (CUDA: peak
allocated; CPU: peak RSS of the process, reset between rows through
/proc/self/clear_refs), and the size of a saved checkpoint. Also the
teacher's inference time alone (eval, no_grad), for the target
(b)/(a) <= 1 + teacher/student-step + 0.05.

Rows: (a) the student trained alone, (b) DWPoseTwoStageDistiller stage 1,
(c) mmpose.models.distillers.DWPoseDistiller. Prints a Markdown table.
"""
import argparse
import gc
import os
import os.path as osp
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

import mmpose_kd  # noqa: F401
from mmpose_kd.utils.config import resolve_config_path
from mmpose_kd.utils.runtime import apply_runtime_defaults

W = 'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
STUDENT = W + 'rtmpose-m_8xb64-270e_coco-wholebody-256x192.py'
TEACHER = W + 'rtmpose-l_8xb64-270e_coco-wholebody-256x192.py'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--student', default=STUDENT)
    p.add_argument('--teacher', default=TEACHER)
    p.add_argument('--student-channels', type=int, default=768)
    p.add_argument('--teacher-channels', type=int, default=1024)
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--iters', type=int, default=6, help='timed iterations')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument(
        '--data-root',
        default=None,
        help='synthetic whole-body data (generated if missing)')
    p.add_argument(
        '--teacher-autocast',
        default=None,
        help="our distiller only, e.g. 'bfloat16'")
    p.add_argument('--work-dir', default=None)
    p.add_argument(
        '--checkpoints-only',
        action='store_true',
        help='only rows (b) and (c), one step each, and their '
        'checkpoint sizes (for comparing teacher/student pairs)')
    return p.parse_args()


class StepTimer(Hook):
    priority = 'VERY_HIGH'

    def __init__(self, device):
        self.device = device
        self.times = []

    def _sync(self):
        if self.device.startswith('cuda'):
            torch.cuda.synchronize()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._sync()
        self._t = time.perf_counter()

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self._sync()
        self.times.append(time.perf_counter() - self._t)


def reset_peak(device):
    gc.collect()
    if device.startswith('cuda'):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    else:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # resets the peak RSS (VmHWM) of this process


def peak_mib(device):
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def stock_model(path):
    cfg = Config.fromfile(resolve_config_path(path)).model
    cfg.backbone.init_cfg = None  # no download
    return cfg


def write_stock_cfg(path, out_dir, name):
    """mmpose's distiller takes config *files*; write ones without the
    pretrained-weights download."""
    cfg = Config.fromfile(resolve_config_path(path))
    cfg.model.backbone.init_cfg = None
    out = osp.join(out_dir, name + '.py')
    cfg.dump(out)
    return out


def base_cfg(args, model, work_dir, name):
    cfg = Config.fromfile(resolve_config_path(args.student))
    codec = cfg.codec
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs')
    ]
    cfg.model = model
    cfg.train_dataloader = dict(
        batch_size=args.batch_size,
        num_workers=2,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='CocoWholeBodyDataset',
            data_root=args.data_root,
            data_mode='topdown',
            ann_file='annotations/coco_wholebody_train_v1.0.json',
            data_prefix=dict(img='train2017/'),
            pipeline=pipeline))
    cfg.train_cfg = dict(
        type='IterBasedTrainLoop',
        max_iters=args.warmup + args.iters,
        val_interval=10**6)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    # stock RTMPose hooks: EMA (+ the pipeline switch, which never fires here)
    cfg.custom_hooks = [
        h for h in cfg.custom_hooks if h.type != 'mmdet.PipelineSwitchHook'
    ]
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=10**6, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**6)
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.log_level = 'WARNING'
    cfg.device = args.device
    apply_runtime_defaults(cfg)
    return cfg


def run_row(args, name, model_cfg, work_dir, extra_hooks=()):
    cfg = base_cfg(args, model_cfg, osp.join(work_dir, name), name)
    cfg.custom_hooks = list(cfg.custom_hooks) + list(extra_hooks)
    reset_peak(args.device)
    runner = Runner.from_cfg(cfg)
    timer = StepTimer(args.device)
    runner.register_hook(timer)
    runner.train()
    peak = peak_mib(args.device)
    ckpt = osp.join(work_dir, name, 'bench.pth')
    runner.save_checkpoint(osp.dirname(ckpt), 'bench.pth')
    size = os.path.getsize(ckpt) / 2**20
    step = statistics.median(timer.times[args.warmup:])
    del runner
    gc.collect()
    return dict(name=name, step=step, peak=peak, ckpt=size)


def teacher_inference_time(args, teacher_ckpt):
    model = MODELS.build(stock_model(args.teacher)).to(args.device).eval()
    model.load_state_dict(torch.load(teacher_ckpt)['state_dict'])
    h, w = Config.fromfile(resolve_config_path(
        args.student)).codec['input_size'][::-1]
    x = torch.randn(args.batch_size, 3, h, w, device=args.device)
    times = []
    with torch.no_grad():
        for _ in range(args.warmup + args.iters):
            if args.device.startswith('cuda'):
                torch.cuda.synchronize()
            t = time.perf_counter()
            model.head(model.extract_feat(x))
            if args.device.startswith('cuda'):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
    return statistics.median(times[args.warmup:])


def main():
    args = parse_args()
    init_default_scope('mmpose')
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='bench_distill_')
    os.makedirs(work_dir, exist_ok=True)  # a new --work-dir is created
    if args.data_root is None:
        args.data_root = osp.join(work_dir, 'data')
    if not osp.isfile(
            osp.join(args.data_root, 'annotations',
                     'coco_wholebody_train_v1.0.json')):
        from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
        generate_wholebody_dataset(
            args.data_root, num_train=64, num_val=4, progress=False)
    torch.manual_seed(0)
    teacher_ckpt = osp.join(work_dir, 'teacher.pth')
    torch.save(
        {'state_dict': MODELS.build(stock_model(args.teacher)).state_dict()},
        teacher_ckpt)

    ours = dict(
        type='DWPoseTwoStageDistiller',
        stage=1,
        student=stock_model(args.student),
        teacher=stock_model(args.teacher),
        teacher_ckpt=teacher_ckpt,
        teacher_autocast=args.teacher_autocast,
        feature_distill=dict(
            type='FeatureDistillLoss',
            student_channels=args.student_channels,
            teacher_channels=args.teacher_channels,
            alpha=5e-5),
        logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1))
    theirs = dict(
        type='DWPoseDistiller',
        teacher_cfg=write_stock_cfg(args.teacher, work_dir, 'teacher_cfg'),
        student_cfg=write_stock_cfg(args.student, work_dir, 'student_cfg'),
        teacher_pretrained=teacher_ckpt,
        distill_cfg=[
            dict(methods=[
                dict(
                    type='FeaLoss',
                    name='loss_fea',
                    use_this=True,
                    student_channels=args.student_channels,
                    teacher_channels=args.teacher_channels,
                    alpha_fea=0.00007)
            ]),
            dict(methods=[
                dict(
                    type='KDLoss',
                    name='loss_logit',
                    use_this=True,
                    weight=0.1)
            ]),
        ],
        data_preprocessor=stock_model(args.student).data_preprocessor)

    if args.checkpoints_only:
        args.warmup, args.iters = 0, 1
        return report_checkpoints(args, [
            run_row(args, '(b) ours', ours, work_dir,
                    [dict(type='DistillScheduleHook')]),
            run_row(args, '(c) mmpose', theirs, work_dir)
        ])
    rows = [
        run_row(args, '(a) student alone', stock_model(args.student),
                work_dir),
        run_row(args, '(b) ours: DWPoseTwoStageDistiller stage 1', ours,
                work_dir, [dict(type='DistillScheduleHook')]),
        run_row(args, '(c) mmpose 1.3.2 DWPoseDistiller', theirs, work_dir),
    ]
    t_teacher = teacher_inference_time(args, teacher_ckpt)
    a, b, c = rows
    input_size = Config.fromfile(resolve_config_path(
        args.student)).codec['input_size']
    print(f'\ndevice: {args.device}; batch {args.batch_size}; input '
          f'{input_size}; '
          f'median of {args.iters} steps after {args.warmup} warm-up; '
          f'torch threads {torch.get_num_threads()}\n')
    print('| run | step time (s) | peak memory (MiB) | checkpoint (MiB) |')
    print('|---|---:|---:|---:|')
    for r in rows:
        print(f"| {r['name']} | {r['step']:.3f} | {r['peak']:.0f} | "
              f"{r['ckpt']:.1f} |")
    print(f'\nteacher inference alone (eval, no_grad): {t_teacher:.3f} s')
    limit = 1 + t_teacher / a['step'] + 0.05
    print('\n| target | measured | limit | met |')
    print('|---|---:|---:|---|')
    for label, val, lim in [
        ('(b)/(c) step time', b['step'] / c['step'], 0.9),
        ('(b)/(a) step time', b['step'] / a['step'], limit),
        ('(b)/(c) checkpoint size', b['ckpt'] / c['ckpt'], 0.5)
    ]:
        print(f'| {label} | {val:.3f} | {lim:.3f} | '
              f"{'yes' if val <= lim else 'no'} |")


def report_checkpoints(args, rows):
    """One Markdown row: the pair, parameters and both checkpoint sizes."""
    b, c = rows
    params = {
        key: sum(p.numel() for p in MODELS.build(
            stock_model(getattr(args, key))).parameters()) / 1e6
        for key in ('student', 'teacher')
    }
    name = (f"{osp.basename(args.teacher).split('_')[0]} -> "
            f"{osp.basename(args.student).split('_')[0]}")
    print('\n| pair | student params (M) | teacher params (M) | (b) ours '
          '(MiB) | (c) mmpose (MiB) | (b)/(c) |')
    print('|---|---:|---:|---:|---:|---:|')
    print(f"| {name} | {params['student']:.1f} | {params['teacher']:.1f} | "
          f"{b['ckpt']:.1f} | {c['ckpt']:.1f} | {b['ckpt'] / c['ckpt']:.3f} "
          '|')


if __name__ == '__main__':
    main()
