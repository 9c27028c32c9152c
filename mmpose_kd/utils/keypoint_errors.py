"""Median keypoint error per whole-body part, in input pixels of the
top-down crop.

COCO-WholeBody AP reads a part only once its keypoints fall within the
part's OKS tolerance; on hands that is about 2 px of a 128x96 crop, so a
model that halves its hand error from 12 px to 6 px still scores hand AP
0. The median error in crop pixels reads that change. The demo reports it
beside the AP table and ``tools/experiments/keypoint_errors.py`` prints it
for one model.
"""
import json
import os.path as osp

import numpy as np

from mmpose_kd.datasets.synthetic.layout import (LEFT_HAND_SLICE,
                                                 NUM_WHOLEBODY, PART_FIELDS,
                                                 RIGHT_HAND_SLICE)

# the annotation fields of the 133 keypoints, in the order mmpose stacks
# them, and each part's slice of the 133-point vector
WHOLEBODY_FIELDS = tuple(field for field, _ in PART_FIELDS)
WHOLEBODY_PARTS = dict(
    zip(('body', 'foot', 'face', 'left_hand', 'right_hand'),
        (part for _, part in PART_FIELDS)))
# the parts the demo reports (both hands pooled, as hand AP pools them)
REPORTED_PARTS = dict(
    body=WHOLEBODY_PARTS['body'],
    foot=WHOLEBODY_PARTS['foot'],
    face=WHOLEBODY_PARTS['face'],
    hand=slice(LEFT_HAND_SLICE.start, RIGHT_HAND_SLICE.stop))


def wholebody_keypoint_errors(model,
                              data_root,
                              ann_name='coco_wholebody_val_v1.0.json',
                              img_dir='val2017'):
    """Each annotated person of a COCO-WholeBody split, run through the
    model on its ground-truth box (mmpose's ``inference_topdown``).

    Returns an array (people, 133) of the distance between predicted and
    annotated keypoint, scaled to input pixels of the crop the model saw
    (the box padded by 1.25 at the codec's aspect ratio, as
    ``GetBBoxCenterScale`` does); NaN where the keypoint is not annotated.
    """
    from mmpose.apis import inference_topdown
    ann_file = osp.join(data_root, 'annotations', ann_name)
    with open(ann_file) as f:
        coco = json.load(f)
    input_w, input_h = model.cfg.codec['input_size']
    aspect = input_w / input_h
    files = {i['id']: i['file_name'] for i in coco['images']}
    errors = []
    for ann in coco['annotations']:
        missing = [k for k in WHOLEBODY_FIELDS if k not in ann]
        if missing:
            raise KeyError(f'{ann_file}: annotation {ann.get("id")} has no '
                           f'{missing} (not a COCO-WholeBody file)')
        gt = np.concatenate([
            np.asarray(ann[k], dtype=float).reshape(-1, 3)
            for k in WHOLEBODY_FIELDS
        ])
        x, y, w, h = ann['bbox']
        result = inference_topdown(
            model, osp.join(data_root, img_dir, files[ann['image_id']]),
            np.array([[x, y, x + w, y + h]]))[0]
        pred = result.pred_instances.keypoints[0]
        crop_h = 1.25 * max(h, w / aspect)  # image pixels of the crop
        err = np.full(len(gt), np.nan)
        seen = gt[:, 2] > 0
        err[seen] = np.linalg.norm(pred[seen] - gt[seen, :2], axis=1)
        errors.append(err * input_h / crop_h)
    return np.array(errors).reshape(-1, NUM_WHOLEBODY)


def median_part_errors(errors, parts=None):
    """Median over people and keypoints of each part's errors (``parts``:
    name -> slice of the 133 keypoints; NaN ignored; NaN where a part has
    no annotated keypoint)."""
    parts = REPORTED_PARTS if parts is None else parts
    out = {}
    for name, part in parts.items():
        block = errors[:, part]
        out[name] = float(
            np.nanmedian(block)) if np.isfinite(block).any() else float('nan')
    return out
