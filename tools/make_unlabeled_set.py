"""Make the unlabeled set of SSPCM from your own images and videos.

Reads every image and video under a folder (video frames sampled by frame
number or by time), finds person boxes with an mmdet detector named by its
config and checkpoint (or takes them from an existing detection file),
keeps those of the person category scoring at least ``--score-thr``, and
writes what the SSPCM configs' unlabeled dataset reads
(``CheckedCocoDataset`` with ``bbox_file`` in test mode, as
``configs/sspcm/_base_/sspcm_coco_wild.py``)::

    OUT/images/...                        images (linked or copied) and frames
    OUT/annotations/image_info.json       ann_file: COCO images + categories
    OUT/annotations/person_detections.json  bbox_file: COCO detection results
    OUT/summary.json                      what was read, kept and skipped

Examples::

    python tools/make_unlabeled_set.py my_videos/ data/my_unlabeled \\
        --det-config mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py \\
        --det-checkpoint checkpoints/rtmdet_m_8xb32-300e_coco.pth \\
        --score-thr 0.5 --fps 2
    python tools/make_unlabeled_set.py unlabeled2017/ data/wild \\
        --det-file COCO_unlabeled2017_detections_person.json \\
        --det-image-info image_info_unlabeled2017.json --score-thr 0.0

Broken images and unreadable videos are skipped, counted and named in the
summary (``--strict`` stops at the first one instead). The exit status is
0 on success and 1 on an error, printed as one line naming the file.
See docs/unlabeled_data.md.
"""
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # run from a checkout without pip install -e
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='A folder of images and videos -> the unlabeled set '
        'the SSPCM configs read (image info + person boxes in the COCO '
        'detection-results format).',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument(
        'input_dir',
        help='folder of images and/or videos '
        '(read recursively)')
    parser.add_argument(
        'out_dir',
        help='output folder (images/, '
        'annotations/, summary.json)')
    boxes = parser.add_argument_group(
        'person boxes (a detector, or a detection file)')
    boxes.add_argument(
        '--det-config',
        help='mmdet config file of the '
        "detector (a path, or 'mmdet::<path>' in mmdet's "
        'installed configs)')
    boxes.add_argument(
        '--det-checkpoint', help='its checkpoint (local '
        'file)')
    boxes.add_argument(
        '--det-cfg-options',
        nargs='+',
        default=None,
        metavar='KEY=VALUE',
        help='overrides of the detector '
        'config, as --cfg-options of mmdet/mmpose tools')
    boxes.add_argument(
        '--device',
        default=None,
        help='detector device '
        "(default: 'cuda:0' when available, else 'cpu')")
    boxes.add_argument(
        '--det-file',
        help='existing detections, COCO '
        'detection-results format (a list of {image_id or '
        'file_name, category_id, bbox [x,y,w,h], score})')
    boxes.add_argument(
        '--det-image-info',
        help='COCO file whose images '
        '(id, file_name relative to input_dir) resolve the '
        "--det-file entries' image_id")
    boxes.add_argument(
        '--score-thr',
        type=float,
        default=0.5,
        help='keep boxes scoring at least this')
    boxes.add_argument(
        '--det-cat-id',
        type=int,
        default=None,
        help='the person category: a detector label index '
        '(default 0, COCO-trained mmdet models) or a '
        '--det-file category_id (default 1, COCO)')
    frames = parser.add_argument_group('video frames')
    rate = frames.add_mutually_exclusive_group()
    rate.add_argument(
        '--frame-interval',
        type=int,
        default=None,
        help='keep frames 0, N, 2N, ... (default 1: all)')
    rate.add_argument(
        '--fps',
        type=float,
        default=None,
        help='keep this many frames per second of video')
    frames.add_argument(
        '--frame-ext',
        choices=['jpg', 'png'],
        default='jpg',
        help='file type of written frames')
    parser.add_argument(
        '--image-mode',
        choices=['symlink', 'hardlink', 'copy'],
        default='symlink',
        help='how images get into '
        'OUT/images (symlinks point at absolute paths)')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='stop at '
        'the first broken image, unreadable video or bad '
        'detection entry instead of skipping it')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace '
        'an unlabeled set already in out_dir')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    args = parser.parse_args(argv)
    use_detector = bool(args.det_config or args.det_checkpoint)
    if use_detector == bool(args.det_file):
        parser.error('give either --det-config and --det-checkpoint (a '
                     'detector) or --det-file (existing detections)')
    if use_detector and not (args.det_config and args.det_checkpoint):
        parser.error('a detector needs both --det-config and '
                     '--det-checkpoint')
    if args.det_image_info and not args.det_file:
        parser.error('--det-image-info goes with --det-file')
    if args.frame_interval is None and args.fps is None:
        args.frame_interval = 1
    if args.det_cat_id is None:
        args.det_cat_id = 0 if use_detector else 1
    return args


def _cfg_options(pairs):
    if not pairs:
        return None
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    return parser.parse_args(['--o', *pairs]).o


def main(argv=None) -> int:
    args = parse_args(argv)
    import mmpose_kd  # noqa: F401  (version checks, checkpoint allow-list)
    from mmpose_kd.datasets.unlabeled import (DetectionFile,
                                              DetectionFileError,
                                              DetectorError, FrameSampling,
                                              MMDetDetector, UnlabeledSetError,
                                              build_unlabeled_set)
    try:
        sampling = FrameSampling(interval=args.frame_interval, fps=args.fps)
        detector = detection_file = None
        if args.det_file:
            detection_file = DetectionFile(args.det_file, args.det_image_info)
        else:
            import torch
            device = args.device or ('cuda:0'
                                     if torch.cuda.is_available() else 'cpu')
            detector = MMDetDetector(
                args.det_config,
                args.det_checkpoint,
                device=device,
                cfg_options=_cfg_options(args.det_cfg_options))
        summary_warnings = []
        if detector is not None:
            name = detector.class_name(args.det_cat_id)
            if name is None:
                raise DetectorError(
                    f'--det-cat-id {args.det_cat_id} is not a class of the '
                    f'detector ({len(detector.classes)} classes)')
            if name != 'person':
                summary_warnings.append(
                    f"--det-cat-id {args.det_cat_id} is the detector's "
                    f'class {name!r}, not \'person\'')
            if detector.unexpected_keys:
                summary_warnings.append(
                    f'--det-checkpoint has {len(detector.unexpected_keys)} '
                    'key(s) the detector does not use, e.g. '
                    f'{detector.unexpected_keys[0]!r}')
        summary = build_unlabeled_set(
            args.input_dir,
            args.out_dir,
            detector=detector,
            detection_file=detection_file,
            score_thr=args.score_thr,
            det_cat_id=args.det_cat_id,
            sampling=sampling,
            image_mode=args.image_mode,
            frame_ext=args.frame_ext,
            strict=args.strict,
            overwrite=args.overwrite,
            progress=not args.no_progress,
            warnings=summary_warnings)
    except (UnlabeledSetError, DetectionFileError, DetectorError,
            FileNotFoundError, ValueError) as err:
        print(f'make_unlabeled_set: error: {err}', file=sys.stderr)
        return 1
    print(summary.format())
    out = summary.outputs
    print('\nUse it as the unlabeled part of an SSPCM config, e.g. '
          'configs/sspcm/sspcm_res18_coco-train-wild_256x192.py:\n'
          '  --cfg-options '
          f"train_dataloader.unlabeled.dataset.data_root={out['data_root']}/ "
          'train_dataloader.unlabeled.dataset.ann_file='
          'annotations/image_info.json '
          f"train_dataloader.unlabeled.dataset.bbox_file={out['bbox_file']} "
          'train_dataloader.unlabeled.dataset.data_prefix.img=images/')
    return 0


if __name__ == '__main__':
    sys.exit(main())
