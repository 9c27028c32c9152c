"""Write a synthetic COCO-WholeBody dataset to disk.

:func:`generate_wholebody_dataset` lays the files out like real COCO::

    <out_dir>/
      annotations/coco_wholebody_train_v1.0.json
      annotations/coco_wholebody_val_v1.0.json
      train2017/000000000001.jpg ...
      val2017/000001000001.jpg ...

so stock mmpose configs only need ``data_root`` changed. Each image has its
own random generator seeded by ``(seed, split, index)``: the same arguments
give byte-identical files, and an image does not change when the other
split's size changes.
"""
import json
import os
import os.path as osp
from typing import Dict, Sequence, Tuple, Union

import cv2
import numpy as np

from .coco_format import build_coco_json, image_record
from .scene import render_scene

SPLITS = dict(
    train=dict(
        code=0,
        img_dir='train2017',
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        first_image_id=1),
    val=dict(
        code=1,
        img_dir='val2017',
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        first_image_id=1_000_001),
)
# annotation id = image id * ANN_ID_STRIDE + index of the person
ANN_ID_STRIDE = 10
MIN_IMG_SIZE = 64
JPEG_QUALITY = 95


def parse_img_size(img_size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``256`` or ``(width, height)`` -> ``(width, height)``."""
    if isinstance(img_size, (int, np.integer)):
        size = (int(img_size), int(img_size))
    else:
        size = tuple(int(v) for v in img_size)
        if len(size) != 2:
            raise ValueError(f'img_size must be an int or (width, height), '
                             f'got {img_size!r}')
    if min(size) < MIN_IMG_SIZE:
        raise ValueError(f'img_size must be at least {MIN_IMG_SIZE} pixels '
                         f'per side, got {img_size!r}')
    return size


def check_fraction(upper_body_fraction: float) -> None:
    if not 0.0 <= float(upper_body_fraction) <= 1.0:
        raise ValueError('upper_body_fraction must be in [0, 1], got '
                         f'{upper_body_fraction!r}')


def image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The random generator of image ``index`` of ``split``."""
    return np.random.default_rng([seed, SPLITS[split]['code'], index])


def render_image(seed: int,
                 split: str,
                 index: int,
                 width: int,
                 height: int,
                 max_people: int = 3,
                 upper_body_fraction: float = 0.0):
    """Image ``index`` of ``split`` and its people, exactly as
    :func:`write_split` writes them."""
    rng = image_rng(seed, split, index)
    # no extra draw at fraction 0: the default data stays byte-identical
    upper_body = bool(upper_body_fraction) and \
        rng.random() < upper_body_fraction
    return render_scene(
        rng, width, height, max_people=max_people, upper_body=upper_body)


def write_split(out_dir: str,
                split: str,
                num_images: int,
                img_size: Union[int, Sequence[int]] = 256,
                seed: int = 0,
                max_people: int = 3,
                progress: bool = True,
                upper_body_fraction: float = 0.0) -> str:
    """Render one split; returns the path of its annotation file.

    ``upper_body_fraction``: the share of images framed as UBody frames
    them (upper-body close-ups, :func:`~.scene.render_scene`); 0 draws no
    extra random number, so the default data stays byte-identical.
    """
    check_fraction(upper_body_fraction)
    if split not in SPLITS:
        raise ValueError(f'split must be one of {sorted(SPLITS)}, got '
                         f'{split!r}')
    width, height = parse_img_size(img_size)
    cfg = SPLITS[split]
    img_dir = osp.join(out_dir, cfg['img_dir'])
    ann_path = osp.join(out_dir, cfg['ann_file'])
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(osp.dirname(ann_path), exist_ok=True)

    indices = range(num_images)
    if progress:
        from tqdm import tqdm
        indices = tqdm(indices, desc=f'synthetic {split}', unit='img')
    images, annotations = [], []
    for index in indices:
        image_id = cfg['first_image_id'] + index
        file_name = f'{image_id:012d}.jpg'
        image, people = render_image(seed, split, index, width, height,
                                     max_people, upper_body_fraction)
        path = osp.join(img_dir, file_name)
        if not cv2.imwrite(path, image,
                           [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise OSError(f'could not write image {path}')
        images.append(image_record(image_id, file_name, width, height))
        for k, ann in enumerate(people):
            annotations.append(
                dict(ann, id=image_id * ANN_ID_STRIDE + k, image_id=image_id))
    coco = build_coco_json(
        images,
        annotations,
        extra_info=dict(
            split=split,
            seed=int(seed),
            width=width,
            height=height,
            max_people=int(max_people),
            **({
                'upper_body_fraction': float(upper_body_fraction)
            } if upper_body_fraction else {})))
    with open(ann_path, 'w') as f:
        json.dump(coco, f, separators=(',', ':'))
    return ann_path


def generate_wholebody_dataset(out_dir: str,
                               num_train: int = 400,
                               num_val: int = 80,
                               img_size: Union[int, Sequence[int]] = 256,
                               seed: int = 0,
                               progress: bool = True,
                               max_people: int = 3,
                               upper_body_fraction: float = 0.0
                               ) -> Dict[str, str]:
    """Write a seeded synthetic COCO-WholeBody dataset.

    Args:
        out_dir: dataset root (created if missing; files are overwritten).
        num_train: number of training images.
        num_val: number of validation images.
        img_size: ``int`` for square images or ``(width, height)``.
        seed: random seed; equal arguments give byte-identical files.
        progress: show a tqdm progress bar per split.
        max_people: people per image are drawn uniformly from
            ``1..max_people`` (``1..min(max_people, 2)`` in close-ups).
        upper_body_fraction: share of images framed as UBody frames them,
            head to about the waist, so faces and hands are large (0..1).

    Returns:
        dict with ``data_root``, ``train_ann_file``, ``val_ann_file``
        (absolute paths) and ``train_img_dir``, ``val_img_dir`` (paths
        relative to ``data_root``, as mmpose's ``data_prefix`` wants them).
    """
    for name, value in (('num_train', num_train), ('num_val', num_val),
                        ('seed', seed), ('max_people', max_people)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f'{name} must be a non-negative int, got '
                             f'{value!r}')
    if max_people < 1:
        raise ValueError(f'max_people must be >= 1, got {max_people}')
    parse_img_size(img_size)
    check_fraction(upper_body_fraction)
    out_dir = osp.abspath(out_dir)
    paths = dict(data_root=out_dir)
    for split, num in (('train', num_train), ('val', num_val)):
        paths[f'{split}_ann_file'] = write_split(out_dir, split, int(num),
                                                 img_size, int(seed),
                                                 int(max_people), progress,
                                                 float(upper_body_fraction))
        paths[f'{split}_img_dir'] = SPLITS[split]['img_dir'] + '/'
    return paths
