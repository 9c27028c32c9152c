"""Checked COCO-style datasets (mmpose_kd/datasets/checked_coco.py): a
malformed annotation file or a keypoint array of the wrong length raises,
naming the file (and annotation id, image id, key, lengths)."""
import copy
import json

import numpy as np
import pytest
from mmpose.datasets import CocoDataset, CocoWholeBodyDataset

from mmpose_kd.datasets import (AnnotationFormatError, CheckedAicDataset,
                                CheckedCocoDataset,
                                CheckedCocoWholeBodyDataset,
                                CheckedMpiiDataset, CheckedUBody2dDataset)

TRAIN_ANN = 'annotations/coco_wholebody_train_v1.0.json'
WHOLEBODY_CLASSES = (CheckedCocoWholeBodyDataset, CheckedUBody2dDataset)


@pytest.fixture(scope='module')
def train_coco(tiny_wholebody):
    with open(tiny_wholebody / TRAIN_ANN) as f:
        return json.load(f)


def write_json(tmp_path, data, name='ann.json'):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def build(cls, ann_file, tiny_wholebody, **kwargs):
    return cls(
        ann_file=ann_file,
        data_root='',
        data_prefix=dict(img=str(tiny_wholebody / 'train2017') + '/'),
        **kwargs)


def test_a_good_file_gives_the_stock_data_list(tiny_wholebody):
    for checked, stock in ((CheckedCocoWholeBodyDataset, CocoWholeBodyDataset),
                           (CheckedCocoDataset, CocoDataset)):
        ours = build(checked, str(tiny_wholebody / TRAIN_ANN), tiny_wholebody)
        theirs = build(stock, str(tiny_wholebody / TRAIN_ANN), tiny_wholebody)
        assert len(ours) == len(theirs) > 0
        for i in range(len(ours)):
            a, b = ours.get_data_info(i), theirs.get_data_info(i)
            assert a['id'] == b['id']
            np.testing.assert_array_equal(a['keypoints'], b['keypoints'])
        assert ours.metainfo['num_keypoints'] == \
            theirs.metainfo['num_keypoints']


def test_stock_class_shifts_parts_silently(train_coco, tiny_wholebody,
                                           tmp_path):
    """Why the check: one keypoint moved from foot_kpts to face_kpts still
    reshapes to 133 points, with keypoint 22 taken from the face."""
    coco = copy.deepcopy(train_coco)
    ann = coco['annotations'][0]
    ann['face_kpts'] = ann['foot_kpts'][-3:] + ann['face_kpts']
    ann['foot_kpts'] = ann['foot_kpts'][:-3]
    path = write_json(tmp_path, coco)
    stock = build(CocoWholeBodyDataset, path, tiny_wholebody)
    assert stock.get_data_info(0)['keypoints'].shape == (1, 133, 2)
    with pytest.raises(AnnotationFormatError) as info:
        build(CheckedCocoWholeBodyDataset, path, tiny_wholebody)
    message = str(info.value)
    for part in (path, f"annotation id {ann['id']}",
                 f"image id {ann['image_id']}", "'foot_kpts'",
                 'must hold 18 numbers', 'got 15'):
        assert part in message


@pytest.mark.parametrize('cls', WHOLEBODY_CLASSES)
@pytest.mark.parametrize('key,count', [('keypoints', 17), ('foot_kpts', 6),
                                       ('face_kpts', 68),
                                       ('lefthand_kpts', 21),
                                       ('righthand_kpts', 21)])
def test_each_wholebody_part_is_checked(cls, key, count, train_coco,
                                        tiny_wholebody, tmp_path):
    coco = copy.deepcopy(train_coco)
    ann = coco['annotations'][-1]
    ann[key] = ann[key] + [0, 0, 0]
    path = write_json(tmp_path, coco)
    with pytest.raises(
            AnnotationFormatError,
            match=rf"annotation id {ann['id']} \(image id "
            rf"{ann['image_id']}\): key '{key}' must hold "
            rf'{3 * count} numbers .* got {3 * count + 3}'):
        build(cls, path, tiny_wholebody)


def test_a_missing_part_is_named(train_coco, tiny_wholebody, tmp_path):
    coco = copy.deepcopy(train_coco)
    del coco['annotations'][1]['lefthand_kpts']
    path = write_json(tmp_path, coco)
    with pytest.raises(
            AnnotationFormatError,
            match=r"has no key 'lefthand_kpts' \(expected 63"):
        build(CheckedCocoWholeBodyDataset, path, tiny_wholebody)


def test_coco_keypoints_use_the_metainfo_count(train_coco, tiny_wholebody,
                                               tmp_path):
    coco = copy.deepcopy(train_coco)
    coco['annotations'][0]['keypoints'] = \
        coco['annotations'][0]['keypoints'][:48]
    with pytest.raises(
            AnnotationFormatError,
            match="key 'keypoints' must hold 51 numbers .* got 48"):
        build(CheckedCocoDataset, write_json(tmp_path, coco), tiny_wholebody)
    # the stock class drops a person without keypoints silently; here the
    # key is required
    del coco['annotations'][0]['keypoints']
    with pytest.raises(AnnotationFormatError, match="no key 'keypoints'"):
        build(CheckedCocoDataset, write_json(tmp_path, coco), tiny_wholebody)


def aic_coco(train_coco):
    """The synthetic file cut to 14 keypoints per person (AIC's count)."""
    coco = copy.deepcopy(train_coco)
    for ann in coco['annotations']:
        ann['keypoints'] = ann['keypoints'][:42]
    return coco


def test_aic(train_coco, tiny_wholebody, tmp_path):
    coco = aic_coco(train_coco)
    dataset = build(CheckedAicDataset, write_json(tmp_path, coco),
                    tiny_wholebody)
    assert dataset.get_data_info(0)['keypoints'].shape == (1, 14, 2)
    coco['annotations'][2]['keypoints'].append(0)
    with pytest.raises(
            AnnotationFormatError,
            match="'keypoints' must hold 42 numbers .* got 43"):
        build(CheckedAicDataset, write_json(tmp_path, coco), tiny_wholebody)


@pytest.mark.parametrize('content,expected', [
    ('{"images": [', 'not a valid JSON file'),
    ('', 'not a valid JSON file'),
    ('[1, 2]', 'expected a COCO-style JSON object'),
    ('{"annotations": []}', "missing top-level key 'images'"),
    ('{"images": []}', "missing top-level key 'annotations'"),
    ('{"images": {"id": 1}, "annotations": []}',
     "key 'images' must hold a list"),
    ('{"images": [{"id": 1}], "annotations": []}',
     r"images\[0\] has no key 'file_name'"),
    ('{"images": [], "annotations": [{"id": 1}]}',
     r"annotations\[0\] has no key 'image_id'"),
])
@pytest.mark.parametrize('cls',
                         (CheckedCocoDataset, CheckedCocoWholeBodyDataset))
def test_a_malformed_file_is_named(cls, content, expected, tiny_wholebody,
                                   tmp_path):
    path = write_json(tmp_path, content)
    with pytest.raises(AnnotationFormatError, match=expected) as info:
        build(cls, path, tiny_wholebody)
    assert str(info.value).startswith(path)


def test_stock_json_error_names_no_file(tiny_wholebody, tmp_path):
    """What the checked classes replace."""
    path = write_json(tmp_path, '{"images": [')
    with pytest.raises(json.JSONDecodeError) as info:
        build(CocoWholeBodyDataset, path, tiny_wholebody)
    assert path not in str(info.value)


def test_missing_files_are_named(tiny_wholebody, tmp_path):
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match=missing):
        build(CheckedCocoWholeBodyDataset, missing, tiny_wholebody)
    with pytest.raises(FileNotFoundError, match='bbox file'):
        build(
            CheckedCocoDataset,
            str(tiny_wholebody / TRAIN_ANN),
            tiny_wholebody,
            bbox_file=missing,
            test_mode=True)


def test_a_bad_bbox_file_is_named(tiny_wholebody, tmp_path):
    bbox_file = write_json(tmp_path, '[{"image_id": 1', name='boxes.json')
    with pytest.raises(AnnotationFormatError) as info:
        build(
            CheckedCocoDataset,
            str(tiny_wholebody / TRAIN_ANN),
            tiny_wholebody,
            bbox_file=bbox_file,
            test_mode=True)
    assert str(info.value).startswith(bbox_file)


def mpii_entries():
    joints = [[10.0 + k, 20.0 + k] for k in range(16)]
    return [
        dict(
            image=f'00000000{i}.jpg',
            center=[40.0, 50.0],
            scale=0.3,
            joints=joints,
            joints_vis=[1] * 16) for i in (1, 2)
    ]


def test_mpii(tiny_wholebody, tmp_path):
    entries = mpii_entries()
    path = write_json(tmp_path, entries)
    assert len(build(CheckedMpiiDataset, path, tiny_wholebody)) == 2
    entries[1]['joints'] = entries[1]['joints'][:15]
    path = write_json(tmp_path, entries)
    with pytest.raises(AnnotationFormatError) as info:
        build(CheckedMpiiDataset, path, tiny_wholebody)
    message = str(info.value)
    for part in (path, "entry 1 (image '000000002.jpg')", "'joints'",
                 '32 numbers', 'got 30 numbers'):
        assert part in message
    with pytest.raises(AnnotationFormatError, match='a JSON list of people'):
        build(CheckedMpiiDataset, write_json(tmp_path, {'images': []}),
              tiny_wholebody)
