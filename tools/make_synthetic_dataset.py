"""Write the embedded synthetic COCO-WholeBody dataset (or, with
``--variant ubody``, a synthetic UBody laid out as UBody is distributed).

Example::

    python tools/make_synthetic_dataset.py --out data/synthetic_wholebody \
        --num-train 400 --num-val 80 --img-size 256 --seed 0

writes ``annotations/coco_wholebody_{train,val}_v1.0.json`` and images in
``train2017/`` and ``val2017/`` under ``--out``: load it with mmpose's stock
``CocoWholeBodyDataset`` (``data_root=--out``).
"""
import argparse
import os
import os.path as osp
import sys
import time

# let `python tools/make_synthetic_dataset.py` work from a source checkout
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_kd.datasets.synthetic import (  # noqa: E402
    generate_wholebody_dataset, preview_grid, save_preview)
from mmpose_kd.datasets.synthetic.ubody import \
    generate_ubody_dataset  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write a seeded synthetic COCO-WholeBody dataset.')
    parser.add_argument(
        '--out',
        default='data/synthetic_wholebody',
        help='dataset root to write')
    parser.add_argument(
        '--num-train', type=int, default=400, help='number of training images')
    parser.add_argument(
        '--num-val', type=int, default=80, help='number of validation images')
    parser.add_argument(
        '--img-size',
        type=int,
        nargs='+',
        default=[256],
        metavar='PX',
        help='image size: one value (square) or WIDTH HEIGHT')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--max-people',
        type=int,
        default=3,
        help='people per image are 1..MAX_PEOPLE')
    parser.add_argument(
        '--upper-body-fraction',
        type=float,
        default=0.0,
        help='share of images framed as UBody frames them (upper-body '
        'close-ups with large faces and hands); the demo uses 0.5')
    parser.add_argument(
        '--no-progress', action='store_true', help='do not show progress bars')
    parser.add_argument(
        '--preview',
        metavar='PNG',
        help='also write the first train images with their '
        'keypoints drawn to this image file')
    parser.add_argument(
        '--preview-images',
        type=int,
        default=2,
        help='rows in the preview image')
    # --variant ubody writes UBody's distributed layout (videos/,
    # annotations/<Scene>/, splits/); see mmpose_kd/datasets/synthetic/ubody.py
    parser.add_argument(
        '--variant',
        choices=['wholebody', 'ubody'],
        default='wholebody',
        help='dataset layout to write')
    parser.add_argument(
        '--scenes',
        nargs='+',
        default=['Fitness', 'Interview', 'TalkShow'],
        help='ubody: scene names')
    parser.add_argument(
        '--videos-per-scene',
        type=int,
        default=3,
        help='ubody: videos per scene (>= 2)')
    parser.add_argument(
        '--frames-per-video',
        type=int,
        default=30,
        help='ubody: annotated frames per video (30 fps)')
    args = parser.parse_args(argv)
    if len(args.img_size) not in (1, 2):
        parser.error(f'--img-size takes 1 or 2 values, got {args.img_size}')
    return args


def main(argv=None):
    args = parse_args(argv)
    img_size = args.img_size[0] if len(args.img_size) == 1 else tuple(
        args.img_size)
    start = time.time()
    if args.variant == 'ubody':
        return main_ubody(args, img_size, start)
    try:
        paths = generate_wholebody_dataset(
            args.out,
            num_train=args.num_train,
            num_val=args.num_val,
            img_size=img_size,
            seed=args.seed,
            progress=not args.no_progress,
            max_people=args.max_people,
            upper_body_fraction=args.upper_body_fraction)
    except ValueError as err:
        sys.exit(f'make_synthetic_dataset: {err}')
    print(f'wrote {args.num_train} train + {args.num_val} val images to '
          f'{paths["data_root"]} in {time.time() - start:.1f} s')
    for key in ('train_ann_file', 'val_ann_file'):
        print(f'  {key}: {paths[key]}')
    if args.preview:
        grid = preview_grid(
            args.seed,
            img_size,
            args.preview_images,
            max_people=args.max_people,
            upper_body_fraction=args.upper_body_fraction)
        os.makedirs(osp.dirname(osp.abspath(args.preview)), exist_ok=True)
        save_preview(args.preview, grid)
        print(f'  preview: {args.preview}')


def main_ubody(args, img_size, start):
    size = (img_size, img_size) if isinstance(img_size, int) else img_size
    try:
        info = generate_ubody_dataset(
            args.out,
            scenes=args.scenes,
            videos_per_scene=args.videos_per_scene,
            frames_per_video=args.frames_per_video,
            img_size=size,
            seed=args.seed,
            max_people=min(args.max_people, 2),
            progress=not args.no_progress)
    except ValueError as err:
        sys.exit(f'make_synthetic_dataset: {err}')
    print(f'wrote {info["num_frames"]} annotated frames of '
          f'{sum(map(len, info["scenes"].values()))} videos to '
          f'{info["data_root"]} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
