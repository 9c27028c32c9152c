"""CocoWholeBodyPerPartMetric returns per-part AP/AR: 1.0 for the ground
truth, lower for a perturbed body, and the same whole-body numbers as the
stock metric."""
import numpy as np
import pytest
from mmpose.datasets import CocoWholeBodyDataset
from mmpose.evaluation import CocoWholeBodyMetric

from mmpose_kd.evaluation import CocoWholeBodyPerPartMetric


def run(metric_cls, root, tmp_path, body_shift=0.0):
    ann = str(root / 'annotations' / 'coco_wholebody_val_v1.0.json')
    ds = CocoWholeBodyDataset(
        ann_file=ann,
        data_root=str(root),
        data_mode='topdown',
        test_mode=True,
        data_prefix=dict(img='val2017/'),
        pipeline=[])
    metric = metric_cls(
        ann_file=ann, outfile_prefix=str(tmp_path / metric_cls.__name__))
    metric.dataset_meta = ds.metainfo
    preds = []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['keypoints'].copy()
        kpts[:, :17] += body_shift
        x1, y1, x2, y2 = info['bbox'][0]
        preds.append(
            dict(
                id=info['id'],
                img_id=info['img_id'],
                pred_instances=dict(
                    keypoints=kpts,
                    keypoint_scores=info['keypoints_visible'].astype(
                        np.float32),
                    bbox_scores=np.ones(1, dtype=np.float32)),
                gt_instances=dict(bbox_scales=np.array([[x2 - x1, y2 - y1]]))))
    metric.process([dict()] * len(preds), preds)
    return metric.compute_metrics(metric.results)


def test_ground_truth_scores_one_for_every_part(tiny_wholebody, tmp_path):
    res = run(CocoWholeBodyPerPartMetric, tiny_wholebody, tmp_path)
    for part in ('body', 'foot', 'face', 'lefthand', 'righthand', 'hand'):
        assert res[f'{part}/AP'] == pytest.approx(1.0), part
    assert res['AP'] == pytest.approx(1.0)


def test_parts_move_independently_and_wholebody_matches_stock(
        tiny_wholebody, tmp_path):
    ours = run(
        CocoWholeBodyPerPartMetric, tiny_wholebody, tmp_path, body_shift=6.0)
    stock = run(CocoWholeBodyMetric, tiny_wholebody, tmp_path, body_shift=6.0)
    assert ours['body/AP'] < 0.9
    assert ours['face/AP'] == pytest.approx(1.0)
    assert ours['AP'] == pytest.approx(stock['AP'])
    assert ours['AR'] == pytest.approx(stock['AR'])
