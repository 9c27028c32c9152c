"""How precise must a model be? The stock whole-body metric on ground truth
plus Gaussian noise of SIGMA input pixels per coordinate (the 128x96 crop of
each person's box, padded as the top-down pipeline pads it), per part.

    python tools/experiments/noise_ap.py data/synthetic_wholebody_demo \\
        0.5 1 1.5 2
"""
import contextlib
import io
import os.path as osp
import sys

import numpy as np
from mmpose.datasets import CocoWholeBodyDataset

from mmpose_kd.evaluation import CocoWholeBodyPerPartMetric

INPUT_H, ASPECT, PADDING = 128, 0.75, 1.25  # 128x96, bbox padding 1.25


def noisy_ap(root, sigma, seed=0, out_dir='/tmp'):
    ann = osp.join(root, 'annotations', 'coco_wholebody_val_v1.0.json')
    ds = CocoWholeBodyDataset(
        ann_file=ann,
        data_root=root,
        data_mode='topdown',
        test_mode=True,
        data_prefix=dict(img='val2017/'),
        pipeline=[])
    metric = CocoWholeBodyPerPartMetric(
        ann_file=ann, outfile_prefix=osp.join(out_dir, f'noise_ap_{sigma}'))
    metric.dataset_meta = ds.metainfo
    rng = np.random.default_rng(seed)
    preds = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        x1, y1, x2, y2 = info['bbox'][0]
        w, h = PADDING * (x2 - x1), PADDING * (y2 - y1)
        h = max(h, w / ASPECT)  # the crop's height in image pixels
        keypoints = info['keypoints'] + rng.normal(0, sigma * h / INPUT_H,
                                                   info['keypoints'].shape)
        preds.append(
            dict(
                id=info['id'],
                img_id=info['img_id'],
                pred_instances=dict(
                    keypoints=keypoints,
                    keypoint_scores=np.ones_like(
                        info['keypoints_visible'], dtype=np.float32),
                    bbox_scores=np.ones(1, dtype=np.float32)),
                gt_instances=dict(bbox_scales=np.array([[x2 - x1, y2 - y1]]))))
    metric.process([dict()] * len(preds), preds)
    with contextlib.redirect_stdout(io.StringIO()):
        return metric.compute_metrics(metric.results)


def main():
    root, sigmas = sys.argv[1], [float(s) for s in sys.argv[2:]]
    print('| sigma (input px) | whole-body | body | foot | face | hand |')
    print('|---|---|---|---|---|---|')
    for sigma in sigmas:
        r = noisy_ap(osp.abspath(root), sigma)
        print(f'| {sigma} | ' + ' | '.join(
            f'{100 * r[k]:.1f}'
            for k in ('AP', 'body/AP', 'foot/AP', 'face/AP', 'hand/AP')) +
              ' |')


if __name__ == '__main__':
    main()
