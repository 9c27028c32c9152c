"""Where is a whole-body model wrong? Median keypoint error per part, in
input pixels of the top-down crop, on the ground-truth boxes of the val
split (mmpose's ``inference_topdown``), plus the body wrists and the hand
keypoints one by one.

    python tools/experiments/keypoint_errors.py \\
        configs/synthetic/rtmpose-s_synthetic-wholebody-128x96.py \\
        checkpoints/synthetic/rtmpose-s_synthetic-wholebody-128x96.pth \\
        data/synthetic_wholebody_demo
"""
import sys

import numpy as np
import torch
from mmpose.apis import init_model

import mmpose_kd  # noqa: F401
from mmpose_kd.datasets.synthetic.layout import L_WRIST, R_WRIST
from mmpose_kd.utils.keypoint_errors import (WHOLEBODY_PARTS,
                                             median_part_errors,
                                             wholebody_keypoint_errors)


def main():
    cfg, ckpt, root = sys.argv[1:4]
    torch.set_num_threads(1)
    model = init_model(cfg, ckpt, device='cpu')
    errors = wholebody_keypoint_errors(model, root)
    print('| part | median error (input px) |\n|---|---|')
    for part, err in median_part_errors(errors, WHOLEBODY_PARTS).items():
        print(f'| {part} | {err:.2f} |')
    print(f'| body wrists (left, right) | '
          f'{np.nanmedian(errors[:, L_WRIST]):.2f}, '
          f'{np.nanmedian(errors[:, R_WRIST]):.2f} |')
    hand = np.nanmedian(errors[:, WHOLEBODY_PARTS['left_hand']], axis=0)
    print('left hand, keypoint by keypoint:', np.round(hand, 1).tolist())


if __name__ == '__main__':
    main()
