"""COCO-WholeBody annotation records.

* :func:`person_annotation` - one person's annotation dict (every
  COCO-WholeBody field except ``id`` and ``image_id``) from its 133 keypoints,
  their visibility flags and its pixel mask.
* :func:`image_record` - an ``images`` entry.
* :func:`build_coco_json` - the whole file: ``info``, ``licenses``,
  ``images``, ``annotations``, ``categories``.

Numbers are rounded to two decimals so that the JSON is short and identical
from run to run.
"""
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from .layout import (FACE_SLICE, FOOT_SLICE, LEFT_HAND_SLICE, NUM_WHOLEBODY,
                     PART_FIELDS, PERSON_CATEGORY, RIGHT_HAND_SLICE)

DECIMALS = 2


def _r(value: float) -> float:
    return round(float(value), DECIMALS)


def keypoint_triplets(keypoints: np.ndarray,
                      visibility: np.ndarray) -> np.ndarray:
    """(N, 3) array [x, y, v]; points with v=0 become (0, 0, 0) as COCO
    requires."""
    out = np.zeros((len(keypoints), 3))
    labeled = visibility > 0
    out[labeled, :2] = np.round(keypoints[labeled], DECIMALS)
    out[:, 2] = visibility
    return out


def _flat(triplets: np.ndarray) -> List[float]:
    flat = []
    for x, y, v in triplets:
        flat += [_r(x), _r(y), int(v)]
    return flat


def part_box(triplets: np.ndarray, width: int, height: int) -> List[float]:
    """[x, y, w, h] around the labeled points of a part, padded by 10% of its
    size (+2 px) and clipped to the image; zeros when none is labeled."""
    labeled = triplets[triplets[:, 2] > 0, :2]
    if len(labeled) == 0:
        return [0.0, 0.0, 0.0, 0.0]
    lo, hi = labeled.min(axis=0), labeled.max(axis=0)
    pad = 0.1 * float((hi - lo).max()) + 2.0
    x0, y0 = max(0.0, lo[0] - pad), max(0.0, lo[1] - pad)
    x1, y1 = min(float(width), hi[0] + pad), min(float(height), hi[1] + pad)
    return [_r(x0), _r(y0), _r(x1 - x0), _r(y1 - y0)]


def mask_polygons(mask: np.ndarray) -> List[List[float]]:
    """COCO polygon segmentation of a binary mask (outer contours)."""
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        poly = cv2.approxPolyDP(contour, 1.0, True).reshape(-1, 2)
        if len(poly) >= 3:
            polygons.append([float(v) for v in poly.reshape(-1)])
    return polygons


def person_annotation(keypoints: np.ndarray, visibility: np.ndarray,
                      mask: np.ndarray) -> Optional[Dict]:
    """COCO-WholeBody annotation of one person (no ``id``/``image_id``).

    Args:
        keypoints: (133, 2) pixel coordinates.
        visibility: (133,) flags, 0 = not labeled (out of frame), 1 =
            labeled but occluded, 2 = visible.
        mask: (H, W) bool mask of the person's pixels inside the image
            (occluded parts included); gives ``bbox``, ``area`` and
            ``segmentation``.

    Returns:
        The annotation dict, or ``None`` when no keypoint is labeled.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    visibility = np.asarray(visibility, dtype=np.int64)
    if keypoints.shape != (NUM_WHOLEBODY, 2) or \
            visibility.shape != (NUM_WHOLEBODY, ):
        raise ValueError(
            f'expected keypoints (133, 2) and visibility (133,), got '
            f'{keypoints.shape} and {visibility.shape}')
    if not np.isin(visibility, (0, 1, 2)).all():
        raise ValueError(f'visibility flags must be 0, 1 or 2, got '
                         f'{sorted(set(visibility.tolist()))}')
    if not (visibility > 0).any():
        return None
    height, width = mask.shape
    triplets = keypoint_triplets(keypoints, visibility)
    labeled = triplets[triplets[:, 2] > 0, :2]

    # bbox: the person's pixels, grown to hold every labeled keypoint
    ys, xs = np.nonzero(mask)
    x0, y0 = labeled.min(axis=0)
    x1, y1 = labeled.max(axis=0)
    if len(xs):
        x0, y0 = min(x0, xs.min()), min(y0, ys.min())
        x1, y1 = max(x1, xs.max() + 1), max(y1, ys.max() + 1)
    x1, y1 = min(x1, width), min(y1, height)
    area = float(mask.sum()) if len(xs) else float((x1 - x0) * (y1 - y0))

    parts = {name: triplets[sl] for name, sl in PART_FIELDS}
    polygons = mask_polygons(mask) or [[
        _r(x0), _r(y0),
        _r(x1), _r(y0),
        _r(x1), _r(y1),
        _r(x0), _r(y1)
    ]]
    return dict(
        segmentation=polygons,
        num_keypoints=int((parts['keypoints'][:, 2] > 0).sum()),
        area=_r(max(area, 1.0)),
        iscrowd=0,
        keypoints=_flat(parts['keypoints']),
        bbox=[_r(x0), _r(y0), _r(x1 - x0),
              _r(y1 - y0)],
        category_id=PERSON_CATEGORY['id'],
        face_box=part_box(triplets[FACE_SLICE], width, height),
        lefthand_box=part_box(triplets[LEFT_HAND_SLICE], width, height),
        righthand_box=part_box(triplets[RIGHT_HAND_SLICE], width, height),
        lefthand_kpts=_flat(parts['lefthand_kpts']),
        righthand_kpts=_flat(parts['righthand_kpts']),
        face_kpts=_flat(parts['face_kpts']),
        face_valid=bool((parts['face_kpts'][:, 2] > 0).any()),
        lefthand_valid=bool((parts['lefthand_kpts'][:, 2] > 0).any()),
        righthand_valid=bool((parts['righthand_kpts'][:, 2] > 0).any()),
        foot_valid=bool((triplets[FOOT_SLICE][:, 2] > 0).any()),
        foot_kpts=_flat(parts['foot_kpts']),
    )


def image_record(image_id: int, file_name: str, width: int,
                 height: int) -> Dict:
    return dict(
        id=int(image_id),
        file_name=file_name,
        width=int(width),
        height=int(height))


def build_coco_json(images: Sequence[Dict],
                    annotations: Sequence[Dict],
                    description: str = 'mmpose_kd synthetic COCO-WholeBody',
                    extra_info: Optional[Dict] = None) -> Dict:
    """Assemble a COCO-WholeBody annotation file.

    ``annotations`` must already carry ``id`` and ``image_id``. Nothing
    time-dependent goes in, so equal inputs give equal files.
    """
    ids = [ann.get('id') for ann in annotations]
    if None in ids or len(set(ids)) != len(ids):
        raise ValueError('every annotation needs a unique "id"')
    image_ids = {img['id'] for img in images}
    for ann in annotations:
        if ann.get('image_id') not in image_ids:
            raise ValueError(f'annotation {ann["id"]} has image_id '
                             f'{ann.get("image_id")!r}, which is not in '
                             f'"images"')
    info = dict(description=description, version='1.0')
    info.update(extra_info or {})
    return dict(
        info=info,
        licenses=[],
        images=list(images),
        annotations=list(annotations),
        categories=[dict(PERSON_CATEGORY)],
    )


__all__ = [
    'person_annotation', 'image_record', 'build_coco_json', 'part_box',
    'mask_polygons', 'keypoint_triplets'
]
