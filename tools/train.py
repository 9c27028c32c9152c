"""Train a model from an mmengine config: argument-compatible with mmpose's
``tools/train.py`` (``--work-dir``, ``--resume``, ``--amp``, ``--cfg-options``,
``--launcher``), plus two things mmpose_kd needs everywhere:

* ``mmpose_kd`` is imported, so its modules are registered even when the
  config does not list it in ``custom_imports``;
* without CUDA the distributed backend is ``gloo``, so ``--launcher pytorch``
  works on a CPU machine (CI runs two CPU processes this way).
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmpose_kd.utils.runtime import (apply_runtime_defaults, build_runner,
                                     close_process_group)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest checkpoint '
        'in the work dir when no path is given')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the LR by the actual batch size')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs, e.g. '
        'model.teacher_ckpt=/path/to/teacher.pth')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank (torchrun uses LOCAL_RANK).
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge command-line arguments into the config, as mmpose does."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        # mmengine scales by world_size * train batch / base_batch_size; for
        # SSPCM's two dataloaders the batch is labeled + unlabeled
        # (SemiSupervisedEpochBasedTrainLoop reports it).
        cfg.auto_scale_lr = dict(
            cfg.get('auto_scale_lr', None) or {}, enable=True)
        if 'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError(
                f'--auto-scale-lr: {args.config} has no '
                'auto_scale_lr.base_batch_size (the total batch size its LR '
                'was set for); add auto_scale_lr = dict(base_batch_size=N) '
                'or pass --cfg-options auto_scale_lr.base_batch_size=N')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    apply_runtime_defaults(cfg)
    runner = build_runner(cfg)
    runner.train()
    close_process_group()


if __name__ == '__main__':
    main()
