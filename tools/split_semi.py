"""Split a COCO-format keypoint annotation file into a labeled and an
unlabeled part for semi-supervised training (SSPCM, Huang et al., CVPR 2023,
Sec. 4.1: COCO with 1K / 5K / 10K labels).

Two protocols:

* **The paper's** (what ``configs/sspcm/sspcm_*_coco-{1k,5k,10k}_*.py``
  use): the labeled part is the *first N person instances* of the training
  file and the unlabeled part is *all* of it, labeled people included. This
  is what the official code does (hlz0606/SSPCM, ``lib/dataset/coco.py``:
  ``self.db = self.db[:cfg.DATASET.TRAIN_LEN]`` over the instances of the
  images in file order; ``lib/dataset/mix_coco_coco.py`` sets ``TRAIN_LEN =
  0`` for the unlabeled set, i.e. the whole of train2017)::

      python tools/split_semi.py \\
          data/coco/annotations/person_keypoints_train2017.json \\
          --unit instances --order first --num-labeled 1000 --unlabeled all \\
          --out-labeled \\
          data/coco/annotations/person_keypoints_train2017_first-1k-instances.json

  An instance counts as the official code counts it: not crowd, ``area >
  0``, a box that stays non-empty once clipped to the image, and at least
  one keypoint (``--min-keypoints``). With ``--unlabeled all`` and no
  ``--out-unlabeled`` nothing else is written: the unlabeled part is the
  input file itself (point the config's unlabeled ``ann_file`` at it).

* **By image, seeded** (``--unit images --order random``, the default):
  ``--num-labeled`` images drawn among those with a person with keypoints;
  ``--unlabeled rest`` (default) keeps the other images.

Both outputs keep every other top-level field (``info``, ``categories``...).
A labeled file keeps only the selected people's annotations (``--unit
instances``) or all annotations of the selected images (``--unit images``).
A ``rest`` unlabeled file keeps the remaining annotations with their
keypoints, so that the same mmpose dataset class loads it (SSPCM never reads
them; ``--strip-unlabeled`` zeroes them). The same arguments give the same
split.
"""
import argparse
import json
import os
import os.path as osp
import random
import sys
from typing import Dict, List, Optional, Sequence, Tuple

UNITS = ('images', 'instances')
ORDERS = ('random', 'first')
UNLABELED = ('rest', 'all')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Split a COCO keypoint annotation file into labeled / '
        'unlabeled parts (by person instance or by image)')
    parser.add_argument('ann_file', help='COCO-format annotation JSON')
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument(
        '--num-labeled',
        type=int,
        help='number of labeled images or instances '
        '(see --unit)')
    size.add_argument(
        '--ratio',
        type=float,
        help='fraction of the eligible images or instances '
        'that are labeled, in (0, 1]')
    parser.add_argument(
        '--unit',
        choices=UNITS,
        default='images',
        help="what --num-labeled counts: 'instances' (person annotations, "
        "the SSPCM paper's protocol) or 'images' (default)")
    parser.add_argument(
        '--order',
        choices=ORDERS,
        default='random',
        help="'first': the first eligible ones in file order (the paper's "
        "protocol); 'random': a seeded draw (default)")
    parser.add_argument(
        '--unlabeled',
        choices=UNLABELED,
        default='rest',
        help="'all': the unlabeled part is the whole input, labeled people "
        "included (the paper's protocol); 'rest' (default): what is not "
        'labeled')
    parser.add_argument(
        '--seed', type=int, default=0, help='random seed (--order random)')
    parser.add_argument(
        '--min-keypoints',
        type=int,
        default=1,
        help='an instance is eligible if it has at least this many labeled '
        'keypoints (an image if one of its instances is)')
    parser.add_argument(
        '--out-labeled',
        help='output JSON of the labeled '
        'part (default: <ann>_labeled-<n>[-instances].json)')
    parser.add_argument(
        '--out-unlabeled',
        help='output JSON of the unlabeled part (default with --unlabeled '
        'rest: <ann>_unlabeled-<n>[-instances].json; with --unlabeled all '
        'nothing is written unless given)')
    parser.add_argument(
        '--strip-unlabeled',
        action='store_true',
        help='zero the keypoints in the unlabeled file')
    return parser.parse_args(argv)


def load_coco(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'split_semi: annotation file {path} does '
                                'not exist')
    with open(path) as f:
        try:
            coco = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'split_semi: {path} is not valid JSON: '
                             f'{err}') from None
    for key in ('images', 'annotations'):
        if not isinstance(coco, dict) or key not in coco:
            raise KeyError(f'split_semi: {path} has no "{key}" list; is it a '
                           'COCO-format annotation file?')
    return coco


def labeled_keypoint_count(ann: dict) -> int:
    """Number of labeled keypoints of one annotation (``num_keypoints`` or
    the count of visibility > 0 in ``keypoints``)."""
    if 'num_keypoints' in ann:
        return int(ann['num_keypoints'])
    keypoints = ann.get('keypoints') or []
    return sum(1 for v in keypoints[2::3] if v > 0)


def is_training_instance(ann: dict,
                         img: dict,
                         min_keypoints: int = 1,
                         person_category: Optional[int] = None) -> bool:
    """Whether the official SSPCM code trains on this annotation
    (hlz0606/SSPCM ``lib/dataset/coco.py``,
    ``_load_coco_keypoint_annotation_kernal``): not crowd, ``area > 0``, the
    box clipped to the image (``x2 = min(W - 1, x1 + max(0, w - 1))``) not
    empty, a person, a keypoint labeled (``max(keypoints) > 0``; also at
    least ``min_keypoints`` of them)."""
    if ann.get('iscrowd', 0):
        return False
    if person_category is not None and ann.get('category_id') != \
            person_category:
        return False
    if not ann.get('area', 0) > 0 or 'bbox' not in ann:
        return False
    x, y, w, h = ann['bbox'][:4]
    width, height = img.get('width'), img.get('height')
    x1, y1 = max(0, x), max(0, y)
    x2, y2 = x1 + max(0, w - 1), y1 + max(0, h - 1)
    if width is not None:
        x2 = min(width - 1, x2)
    if height is not None:
        y2 = min(height - 1, y2)
    if x2 < x1 or y2 < y1:
        return False
    keypoints = ann.get('keypoints') or [0]
    if max(keypoints) <= 0:
        return False
    return labeled_keypoint_count(ann) >= min_keypoints


def _person_category(coco: dict) -> Optional[int]:
    for cat in coco.get('categories') or []:
        if cat.get('name') == 'person':
            return cat.get('id')
    return None


def eligible_instances(coco: dict, min_keypoints: int = 1) -> List[dict]:
    """The training instances in the official code's order: images in file
    order, each image's annotations in file order."""
    images = {img['id']: img for img in coco['images']}
    anns_by_image: Dict[int, List[dict]] = {img_id: [] for img_id in images}
    for ann in coco['annotations']:
        if ann.get('image_id') in anns_by_image:
            anns_by_image[ann['image_id']].append(ann)
    person = _person_category(coco)
    return [
        ann for img in coco['images'] for ann in anns_by_image[img['id']]
        if is_training_instance(ann, img, min_keypoints, person)
    ]


def _count(num_labeled: Optional[int], ratio: Optional[float],
           num_eligible: int, what: str, min_keypoints: int) -> int:
    if ratio is not None:
        if not 0 < ratio <= 1:
            raise ValueError(f'split_semi: --ratio must be in (0, 1], got '
                             f'{ratio}')
        num_labeled = max(1, round(ratio * num_eligible))
    if not 0 < num_labeled <= num_eligible:
        raise ValueError(
            f'split_semi: --num-labeled must be between 1 and the '
            f'{num_eligible} {what} with >= {min_keypoints} keypoints, got '
            f'{num_labeled}')
    return num_labeled


def _pick(candidates: list, n: int, order: str, seed: int) -> list:
    if order not in ORDERS:
        raise ValueError(f'split_semi: order must be one of {ORDERS}, got '
                         f'{order!r}')
    if order == 'first':
        return candidates[:n]
    return random.Random(seed).sample(candidates, n)


def split_coco(coco: dict,
               num_labeled: Optional[int] = None,
               ratio: Optional[float] = None,
               seed: int = 0,
               min_keypoints: int = 1,
               strip_unlabeled: bool = False,
               unit: str = 'images',
               order: str = 'random',
               unlabeled: str = 'rest') -> Tuple[dict, dict]:
    """Split ``coco``; returns (labeled, unlabeled) COCO dicts.

    ``unit='instances', order='first', unlabeled='all'`` is the SSPCM
    paper's protocol (see the module docstring)."""
    if (num_labeled is None) == (ratio is None):
        raise ValueError('split_semi: give exactly one of num_labeled and '
                         'ratio')
    if unit not in UNITS:
        raise ValueError(f'split_semi: unit must be one of {UNITS}, got '
                         f'{unit!r}')
    if unlabeled not in UNLABELED:
        raise ValueError(f'split_semi: unlabeled must be one of '
                         f'{UNLABELED}, got {unlabeled!r}')

    if unit == 'instances':
        eligible = eligible_instances(coco, min_keypoints)
        candidates = [id(ann) for ann in eligible]
        n = _count(num_labeled, ratio, len(candidates), 'instances',
                   min_keypoints)
        chosen = set(_pick(candidates, n, order, seed))
        labeled_ann = lambda ann: id(ann) in chosen  # noqa: E731
        labeled_image_ids = {
            ann['image_id']
            for ann in coco['annotations'] if labeled_ann(ann)
        }
    else:
        # An image is eligible if one of its people has keypoints (any
        # annotation, as before the instance protocol existed: seeded
        # image splits made then stay the same).
        eligible_ids = {
            ann['image_id']
            for ann in coco['annotations']
            if labeled_keypoint_count(ann) >= min_keypoints
        }
        candidates = [
            img['id'] for img in coco['images'] if img['id'] in eligible_ids
        ]
        if order == 'random':
            candidates.sort()  # the draw does not depend on file order
        n = _count(num_labeled, ratio, len(candidates), 'images',
                   min_keypoints)
        labeled_image_ids = set(_pick(candidates, n, order, seed))
        labeled_ann = lambda ann: ann['image_id'] in labeled_image_ids  # noqa

    labeled = _subset(coco, lambda img: img['id'] in labeled_image_ids,
                      labeled_ann)
    if unit == 'instances':
        # in the order the official code reads them (image by image)
        labeled['annotations'] = [ann for ann in eligible if labeled_ann(ann)]
    if unlabeled == 'all':
        unlabeled_part = _subset(coco, lambda img: True, lambda ann: True,
                                 strip_unlabeled)
    else:
        rest = [ann for ann in coco['annotations'] if not labeled_ann(ann)]
        if unit == 'instances':
            # every image keeps its people that are not labeled; images
            # whose people are all labeled (or that have none) go
            rest_ids = {ann['image_id'] for ann in rest}
            keep_image = lambda img: img['id'] in rest_ids  # noqa: E731
        else:
            keep_image = lambda img: img['id'] not in labeled_image_ids  # noqa
        rest_anns = {id(ann) for ann in rest}
        unlabeled_part = _subset(coco, keep_image,
                                 lambda ann: id(ann) in rest_anns,
                                 strip_unlabeled)
    return labeled, unlabeled_part


def _subset(coco: dict, keep_image, keep_ann, strip: bool = False) -> dict:
    part = {
        k: v
        for k, v in coco.items() if k not in ('images', 'annotations')
    }
    part['images'] = [img for img in coco['images'] if keep_image(img)]
    ids = {img['id'] for img in part['images']}
    anns = [
        ann for ann in coco['annotations']
        if ann['image_id'] in ids and keep_ann(ann)
    ]
    if strip:
        anns = [_without_keypoints(ann) for ann in anns]
    part['annotations'] = anns
    return part


def _without_keypoints(ann: dict) -> dict:
    ann = dict(ann)
    if 'keypoints' in ann:
        ann['keypoints'] = [0] * len(ann['keypoints'])
    if 'num_keypoints' in ann:
        ann['num_keypoints'] = 0
    return ann


def summarize(coco: dict) -> Dict[str, int]:
    """Images, annotations and people with keypoints of a COCO dict."""
    return dict(
        images=len(coco['images']),
        annotations=len(coco['annotations']),
        people_with_keypoints=sum(1 for ann in coco['annotations']
                                  if labeled_keypoint_count(ann) > 0))


def default_out_paths(ann_file: str,
                      num_labeled: int,
                      unit: str = 'images') -> Tuple[str, str]:
    stem, ext = osp.splitext(ann_file)
    suffix = f'{num_labeled}-instances' if unit == 'instances' else \
        f'{num_labeled}'
    return (f'{stem}_labeled-{suffix}{ext}', f'{stem}_unlabeled-{suffix}{ext}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    coco = load_coco(args.ann_file)
    labeled, unlabeled = split_coco(
        coco,
        num_labeled=args.num_labeled,
        ratio=args.ratio,
        seed=args.seed,
        min_keypoints=args.min_keypoints,
        strip_unlabeled=args.strip_unlabeled,
        unit=args.unit,
        order=args.order,
        unlabeled=args.unlabeled)
    num = len(labeled['annotations'] if args.unit ==
              'instances' else labeled['images'])
    default_labeled, default_unlabeled = default_out_paths(
        args.ann_file, num, args.unit)
    out_unlabeled = args.out_unlabeled
    if out_unlabeled is None and (args.unlabeled == 'rest'
                                  or args.strip_unlabeled):
        out_unlabeled = default_unlabeled
    outputs = [(args.out_labeled or default_labeled, labeled)]
    if out_unlabeled is not None:
        outputs.append((out_unlabeled, unlabeled))
    for path, part in outputs:
        if osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
        # written whole, then renamed: a run reading the file meanwhile
        # (two demo seeds on one data root) sees the old or the new file
        tmp = f'{path}.{os.getpid()}.tmp'
        with open(tmp, 'w') as f:
            json.dump(part, f)
        os.replace(tmp, path)

    how = (f'first {num} {args.unit}' if args.order == 'first' else
           f'{num} random {args.unit}, seed {args.seed}')
    print(f'split {args.ann_file} ({how}; unlabeled: {args.unlabeled}):')
    print(f'{"part":<10} {"images":>8} {"annotations":>12} '
          f'{"people w/ kpts":>15}  file')
    files = [path for path, _ in outputs] + [None]
    for part, name, path in ((labeled, 'labeled', files[0]),
                             (unlabeled, 'unlabeled', files[1])):
        stats = summarize(part)
        where = path if path is not None else \
            f'{args.ann_file} (the input itself)'
        print(f'{name:<10} {stats["images"]:>8} {stats["annotations"]:>12} '
              f'{stats["people_with_keypoints"]:>15}  {where}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
