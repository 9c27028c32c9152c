"""mmpose_kd.utils.keypoint_errors: the median keypoint error per part, in
input pixels of the crop. mmpose's ``inference_topdown`` is replaced by a
stand-in that returns the annotation shifted by a known offset, so the
distance and its scaling to the crop are checked against a hand-computed
value."""
import json
import types

import mmpose.apis
import numpy as np
import pytest

from mmpose_kd.utils.keypoint_errors import (REPORTED_PARTS, WHOLEBODY_FIELDS,
                                             median_part_errors,
                                             wholebody_keypoint_errors)


def _write_split(root, bbox, visible_hand=True):
    (root / 'annotations').mkdir(parents=True)
    rng = np.random.default_rng(0)
    ann = dict(id=1, image_id=7, bbox=bbox)
    sizes = dict(
        keypoints=17,
        foot_kpts=6,
        face_kpts=68,
        lefthand_kpts=21,
        righthand_kpts=21)
    for field, n in sizes.items():
        xy = rng.uniform(10, 90, size=(n, 2))
        v = np.full((n, 1), 2.0)
        if field.endswith('hand_kpts') and not visible_hand:
            v[:] = 0
        ann[field] = np.hstack([xy, v]).ravel().tolist()
    coco = dict(
        images=[dict(id=7, file_name='a.jpg', width=200, height=200)],
        annotations=[ann])
    with open(root / 'annotations' / 'coco_wholebody_val_v1.0.json', 'w') as f:
        json.dump(coco, f)
    return ann


def _shifted_inference(ann, shift):
    gt = np.concatenate([
        np.asarray(ann[k], dtype=float).reshape(-1, 3)[:, :2]
        for k in WHOLEBODY_FIELDS
    ])

    def inference_topdown(model, img, bboxes):
        assert img.endswith('val2017/a.jpg')
        x, y, w, h = ann['bbox']
        np.testing.assert_allclose(bboxes, [[x, y, x + w, y + h]])
        inst = types.SimpleNamespace(keypoints=(gt + shift)[None])
        return [types.SimpleNamespace(pred_instances=inst)]

    return inference_topdown


def _model(input_size=(96, 128)):
    return types.SimpleNamespace(
        cfg=types.SimpleNamespace(codec=dict(input_size=input_size)))


def test_errors_are_scaled_to_the_crop(tmp_path, monkeypatch):
    # a tall box: the crop is 1.25 x its height, 100 image px -> 125 px
    ann = _write_split(tmp_path, [20, 30, 40, 100])
    monkeypatch.setattr(mmpose.apis, 'inference_topdown',
                        _shifted_inference(ann, np.array([3.0, 4.0])))
    errors = wholebody_keypoint_errors(_model(), str(tmp_path))
    assert errors.shape == (1, 133)
    np.testing.assert_allclose(errors, 5.0 * 128 / 125.0)
    # a wide box: the height follows the 96:128 aspect, 96 / 0.75 = 128
    ann = _write_split(tmp_path / 'wide', [20, 30, 96, 40])
    monkeypatch.setattr(mmpose.apis, 'inference_topdown',
                        _shifted_inference(ann, np.array([0.0, 10.0])))
    errors = wholebody_keypoint_errors(_model(), str(tmp_path / 'wide'))
    np.testing.assert_allclose(errors, 10.0 * 128 / (1.25 * 128))


def test_unannotated_keypoints_are_left_out(tmp_path, monkeypatch):
    ann = _write_split(tmp_path, [0, 0, 75, 100], visible_hand=False)
    monkeypatch.setattr(mmpose.apis, 'inference_topdown',
                        _shifted_inference(ann, np.array([6.0, 8.0])))
    errors = wholebody_keypoint_errors(_model(), str(tmp_path))
    assert np.isnan(errors[0, 91:]).all()
    medians = median_part_errors(errors)
    assert set(medians) == set(REPORTED_PARTS)
    assert np.isnan(medians['hand'])
    assert medians['face'] == pytest.approx(10.0 * 128 / 125.0)


def test_median_pools_people_and_keypoints():
    errors = np.full((3, 133), np.nan)
    errors[:, 91:133] = np.arange(3 * 42).reshape(3, 42)
    errors[0, 0:17] = 1.0
    medians = median_part_errors(errors)
    assert medians['hand'] == pytest.approx(np.median(np.arange(126)))
    assert medians['body'] == 1.0 and np.isnan(medians['foot'])


def test_a_body_only_file_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / 'annotations').mkdir()
    coco = dict(
        images=[dict(id=1, file_name='a.jpg')],
        annotations=[
            dict(id=5, image_id=1, bbox=[0, 0, 1, 1], keypoints=[0] * 51)
        ])
    path = tmp_path / 'annotations' / 'coco_wholebody_val_v1.0.json'
    path.write_text(json.dumps(coco))
    with pytest.raises(KeyError, match='annotation 5 has no'):
        wholebody_keypoint_errors(_model(), str(tmp_path))
