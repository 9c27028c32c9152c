"""Split a COCO-format keypoint annotation file by image into a labeled and
an unlabeled subset (the semi-supervised settings of SSPCM, Huang et al.,
CVPR 2023, Sec. 4.1: e.g. COCO with 1K / 5K / 10K labeled images).

Example::

    python tools/split_semi.py data/coco/annotations/person_keypoints_train2017.json \
        --num-labeled 1000 --seed 1 \
        --out-labeled data/coco/annotations/person_keypoints_train2017_1k_labeled.json \
        --out-unlabeled data/coco/annotations/person_keypoints_train2017_1k_unlabeled.json

Images are drawn among those with at least one person annotation that has
keypoints (``--min-keypoints``; images without any stay in the unlabeled
part, which stock mmpose filters as usual). Both outputs keep every other
top-level field (``info``, ``categories``…) and every annotation of their
images; the unlabeled file keeps its keypoints too, so that the same mmpose
dataset class loads it (SSPCM never reads them; pass ``--strip-unlabeled``
to zero them). The same seed gives the same split.
"""
import argparse
import json
import os
import os.path as osp
import random
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Split a COCO keypoint annotation file by image into '
        'labeled / unlabeled subsets')
    parser.add_argument('ann_file', help='COCO-format annotation JSON')
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument('--num-labeled', type=int,
                      help='number of labeled images')
    size.add_argument('--ratio', type=float,
                      help='fraction of eligible images that are labeled, '
                      'in (0, 1]')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--min-keypoints', type=int, default=1,
        help='an image is eligible for the labeled part if one of its '
        'annotations has at least this many labeled keypoints')
    parser.add_argument('--out-labeled', help='output JSON of the labeled '
                        'part (default: <ann>_labeled-<n>.json)')
    parser.add_argument('--out-unlabeled', help='output JSON of the '
                        'unlabeled part (default: <ann>_unlabeled-<n>.json)')
    parser.add_argument('--strip-unlabeled', action='store_true',
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


def split_coco(coco: dict,
               num_labeled: Optional[int] = None,
               ratio: Optional[float] = None,
               seed: int = 0,
               min_keypoints: int = 1,
               strip_unlabeled: bool = False) -> Tuple[dict, dict]:
    """Split ``coco`` by image; returns (labeled, unlabeled) COCO dicts."""
    if (num_labeled is None) == (ratio is None):
        raise ValueError('split_semi: give exactly one of num_labeled and '
                         'ratio')
    anns_by_image: Dict[int, List[dict]] = defaultdict(list)
    for ann in coco['annotations']:
        anns_by_image[ann['image_id']].append(ann)
    eligible = sorted(
        img['id'] for img in coco['images'] if any(
            labeled_keypoint_count(ann) >= min_keypoints
            for ann in anns_by_image[img['id']]))
    if ratio is not None:
        if not 0 < ratio <= 1:
            raise ValueError(f'split_semi: --ratio must be in (0, 1], got '
                             f'{ratio}')
        num_labeled = max(1, round(ratio * len(eligible)))
    if not 0 < num_labeled <= len(eligible):
        raise ValueError(
            f'split_semi: --num-labeled must be between 1 and the '
            f'{len(eligible)} images with a person of >= {min_keypoints} '
            f'keypoints, got {num_labeled}')
    labeled_ids = set(random.Random(seed).sample(eligible, num_labeled))

    def subset(keep_image, strip=False) -> dict:
        part = {k: v for k, v in coco.items()
                if k not in ('images', 'annotations')}
        part['images'] = [img for img in coco['images'] if keep_image(img)]
        ids = {img['id'] for img in part['images']}
        anns = [ann for ann in coco['annotations'] if ann['image_id'] in ids]
        if strip:
            anns = [_without_keypoints(ann) for ann in anns]
        part['annotations'] = anns
        return part

    labeled = subset(lambda img: img['id'] in labeled_ids)
    unlabeled = subset(lambda img: img['id'] not in labeled_ids,
                       strip_unlabeled)
    return labeled, unlabeled


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
        people_with_keypoints=sum(
            1 for ann in coco['annotations']
            if labeled_keypoint_count(ann) > 0))


def default_out_paths(ann_file: str, num_labeled: int) -> Tuple[str, str]:
    stem, ext = osp.splitext(ann_file)
    return (f'{stem}_labeled-{num_labeled}{ext}',
            f'{stem}_unlabeled-{num_labeled}{ext}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    coco = load_coco(args.ann_file)
    labeled, unlabeled = split_coco(
        coco,
        num_labeled=args.num_labeled,
        ratio=args.ratio,
        seed=args.seed,
        min_keypoints=args.min_keypoints,
        strip_unlabeled=args.strip_unlabeled)
    default_labeled, default_unlabeled = default_out_paths(
        args.ann_file, len(labeled['images']))
    outputs = ((args.out_labeled or default_labeled, labeled),
               (args.out_unlabeled or default_unlabeled, unlabeled))
    for path, part in outputs:
        if osp.dirname(path):
            os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            json.dump(part, f)

    print(f'split {args.ann_file} (seed {args.seed}):')
    print(f'{"part":<10} {"images":>8} {"annotations":>12} '
          f'{"people w/ kpts":>15}  file')
    for (path, part), name in zip(outputs, ('labeled', 'unlabeled')):
        stats = summarize(part)
        print(f'{name:<10} {stats["images"]:>8} {stats["annotations"]:>12} '
              f'{stats["people_with_keypoints"]:>15}  {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
