"""Where is a whole-body model wrong? Median keypoint error per part, in
input pixels of the top-down crop, on the ground-truth boxes of the val
split (mmpose's ``inference_topdown``), plus the body wrists and the hand
keypoints one by one.

    python tools/experiments/keypoint_errors.py \\
        configs/synthetic/rtmpose-s_synthetic-wholebody-128x96.py \\
        checkpoints/synthetic/rtmpose-s_synthetic-wholebody-128x96.pth \\
        data/synthetic_wholebody_demo
"""
import json
import os.path as osp
import sys

import numpy as np
import torch
from mmpose.apis import inference_topdown, init_model

import mmpose_kd  # noqa: F401

PARTS = dict(
    body=(0, 17),
    foot=(17, 23),
    face=(23, 91),
    left_hand=(91, 112),
    right_hand=(112, 133))
FIELDS = ('keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts',
          'righthand_kpts')


def main():
    cfg, ckpt, root = sys.argv[1:4]
    torch.set_num_threads(1)
    model = init_model(cfg, ckpt, device='cpu')
    input_h = model.cfg.codec['input_size'][1]
    aspect = model.cfg.codec['input_size'][0] / input_h
    with open(osp.join(root, 'annotations',
                       'coco_wholebody_val_v1.0.json')) as f:
        coco = json.load(f)
    files = {i['id']: i['file_name'] for i in coco['images']}
    errors = []
    for ann in coco['annotations']:
        gt = np.concatenate(
            [np.array(ann[k], dtype=float).reshape(-1, 3) for k in FIELDS])
        x, y, w, h = ann['bbox']
        result = inference_topdown(
            model, osp.join(root, 'val2017', files[ann['image_id']]),
            np.array([[x, y, x + w, y + h]]))[0]
        pred = result.pred_instances.keypoints[0]
        crop_h = 1.25 * max(h, w / aspect)  # image pixels of the crop
        err = np.full(len(gt), np.nan)
        seen = gt[:, 2] > 0
        err[seen] = np.linalg.norm(pred[seen] - gt[seen, :2], axis=1)
        errors.append(err * input_h / crop_h)
    errors = np.array(errors)
    print('| part | median error (input px) |\n|---|---|')
    for part, (i, j) in PARTS.items():
        print(f'| {part} | {np.nanmedian(errors[:, i:j]):.2f} |')
    print(f'| body wrists (left, right) | '
          f'{np.nanmedian(errors[:, 9]):.2f}, '
          f'{np.nanmedian(errors[:, 10]):.2f} |')
    hand = np.nanmedian(errors[:, 91:112], axis=0)
    print('left hand, keypoint by keypoint:', np.round(hand, 1).tolist())


if __name__ == '__main__':
    main()
