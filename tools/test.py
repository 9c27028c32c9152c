"""Evaluate a checkpoint: argument-compatible with mmpose's ``tools/test.py``
(``--work-dir``, ``--out``, ``--cfg-options``, ``--launcher``); imports
mmpose_kd and picks ``gloo`` without CUDA, like ``tools/train.py``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmpose_kd.utils.runtime import (apply_runtime_defaults, build_runner,
                                     close_process_group)


def parse_args():
    parser = argparse.ArgumentParser(description='Evaluate a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    apply_runtime_defaults(cfg)
    runner = build_runner(cfg)
    runner.test()
    close_process_group()


if __name__ == '__main__':
    main()
