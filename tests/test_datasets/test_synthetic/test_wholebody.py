"""The synthetic COCO-WholeBody files: exact format, determinism, visibility,
and that stock mmpose reads and evaluates them."""
import json
import os.path as osp

import numpy as np
import pytest

from mmpose_kd.datasets.synthetic import generate_wholebody_dataset

BODY, FOOT, FACE, HAND = 17, 6, 68, 21
KPT_FIELDS = dict(
    keypoints=BODY,
    foot_kpts=FOOT,
    face_kpts=FACE,
    lefthand_kpts=HAND,
    righthand_kpts=HAND)
ANN_KEYS = {
    'keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts', 'righthand_kpts',
    'face_box', 'lefthand_box', 'righthand_box', 'face_valid',
    'lefthand_valid', 'righthand_valid', 'foot_valid', 'bbox', 'area',
    'num_keypoints', 'iscrowd', 'category_id', 'id', 'image_id', 'segmentation'
}
PART_OF_BOX = dict(
    face_box='face_kpts',
    lefthand_box='lefthand_kpts',
    righthand_box='righthand_kpts')
PART_OF_VALID = dict(
    face_valid='face_kpts',
    lefthand_valid='lefthand_kpts',
    righthand_valid='righthand_kpts',
    foot_valid='foot_kpts')
IMG_W, IMG_H = 192, 160


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_wholebody')
    paths = generate_wholebody_dataset(
        str(root),
        num_train=6,
        num_val=6,
        img_size=(IMG_W, IMG_H),
        seed=3,
        progress=False)
    return paths


def _load(path):
    with open(path) as f:
        return json.load(f)


def _triplets(ann, field):
    return np.array(ann[field], dtype=np.float64).reshape(-1, 3)


def test_paths_and_layout(dataset):
    root = dataset['data_root']
    assert dataset['train_ann_file'] == osp.join(
        root, 'annotations', 'coco_wholebody_train_v1.0.json')
    assert dataset['val_ann_file'] == osp.join(root, 'annotations',
                                               'coco_wholebody_val_v1.0.json')
    for split in ('train', 'val'):
        coco = _load(dataset[f'{split}_ann_file'])
        assert len(coco['images']) == 6
        for img in coco['images']:
            assert osp.isfile(
                osp.join(root, dataset[f'{split}_img_dir'], img['file_name']))


def test_format_keys_and_lengths(dataset):
    for split in ('train', 'val'):
        coco = _load(dataset[f'{split}_ann_file'])
        assert {'images', 'annotations', 'categories'} <= set(coco)
        cat, = coco['categories']
        assert cat['id'] == 1 and cat['name'] == 'person'
        assert cat['keypoints'][0] == 'nose'
        assert cat['keypoints'][-1] == 'right_ankle'
        assert len(cat['keypoints']) == 17 and len(cat['skeleton']) == 19
        for img in coco['images']:
            assert set(img) == {'id', 'file_name', 'width', 'height'}
            assert (img['width'], img['height']) == (IMG_W, IMG_H)
        image_ids = {img['id'] for img in coco['images']}
        assert len(image_ids) == len(coco['images'])
        assert len(coco['annotations']) >= len(coco['images'])
        ann_ids = [ann['id'] for ann in coco['annotations']]
        assert len(set(ann_ids)) == len(ann_ids)
        for ann in coco['annotations']:
            assert set(ann) == ANN_KEYS
            assert ann['image_id'] in image_ids
            for field, num in KPT_FIELDS.items():
                assert len(ann[field]) == 3 * num, field
            for box in ('bbox', 'face_box', 'lefthand_box', 'righthand_box'):
                assert len(ann[box]) == 4
            for valid in PART_OF_VALID:
                assert isinstance(ann[valid], bool)
            assert ann['iscrowd'] == 0 and ann['category_id'] == 1
            body_v = _triplets(ann, 'keypoints')[:, 2]
            assert ann['num_keypoints'] == int((body_v > 0).sum())
            all_v = np.concatenate(
                [_triplets(ann, f)[:, 2] for f in KPT_FIELDS])
            assert (all_v > 0).any(), 'people without keypoints are dropped'
            assert 0 < ann['area'] <= ann['bbox'][2] * ann['bbox'][3] + 1e-6
            assert ann['segmentation'] and all(
                len(poly) >= 6 and len(poly) % 2 == 0
                for poly in ann['segmentation'])


def test_visibility_and_boxes_are_consistent(dataset):
    counts = np.zeros(3, dtype=int)
    for split in ('train', 'val'):
        coco = _load(dataset[f'{split}_ann_file'])
        for ann in coco['annotations']:
            x, y, w, h = ann['bbox']
            assert x >= 0 and y >= 0 and w > 0 and h > 0
            assert x + w <= IMG_W + 1e-6 and y + h <= IMG_H + 1e-6
            for field in KPT_FIELDS:
                kpts = _triplets(ann, field)
                assert set(np.unique(kpts[:, 2])) <= {0, 1, 2}
                counts += np.bincount(kpts[:, 2].astype(int), minlength=3)
                hidden = kpts[kpts[:, 2] == 0]
                assert (hidden[:, :2] == 0).all(), 'v=0 must have 0 coords'
                shown = kpts[kpts[:, 2] > 0, :2]
                # labeled keypoints lie in the image and in the person box
                assert ((shown >= 0) & (shown <= [IMG_W - 1, IMG_H - 1])).all()
                assert ((shown >= [x, y]) &
                        (shown <= [x + w + 1e-6, y + h + 1e-6])).all()
            for valid, field in PART_OF_VALID.items():
                assert ann[valid] == bool(
                    (_triplets(ann, field)[:, 2] > 0).any())
            for box, field in PART_OF_BOX.items():
                bx, by, bw, bh = ann[box]
                if not ann[box.replace('box', 'valid')]:
                    assert ann[box] == [0.0, 0.0, 0.0, 0.0]
                    continue
                assert bx >= 0 and by >= 0 and bw > 0 and bh > 0
                assert bx + bw <= IMG_W + 1e-6 and by + bh <= IMG_H + 1e-6
                shown = _triplets(ann, field)
                shown = shown[shown[:, 2] > 0, :2]
                assert ((shown >= [bx, by]) &
                        (shown <= [bx + bw, by + bh])).all()
    # 12 images with 1-3 people: every flag value occurs
    assert (counts > 0).all(), counts


def test_same_seed_same_bytes_other_seed_differs(dataset, tmp_path):
    again = generate_wholebody_dataset(
        str(tmp_path / 'again'),
        num_train=6,
        num_val=6,
        img_size=(IMG_W, IMG_H),
        seed=3,
        progress=False)
    other = generate_wholebody_dataset(
        str(tmp_path / 'other'),
        num_train=6,
        num_val=6,
        img_size=(IMG_W, IMG_H),
        seed=4,
        progress=False)
    for split in ('train', 'val'):
        key = f'{split}_ann_file'
        with open(dataset[key], 'rb') as a, open(again[key], 'rb') as b:
            assert a.read() == b.read()
        with open(dataset[key], 'rb') as a, open(other[key], 'rb') as b:
            assert a.read() != b.read()
        first = _load(dataset[key])['images'][0]['file_name']
        img_dir = dataset[f'{split}_img_dir']
        with open(osp.join(dataset['data_root'], img_dir, first), 'rb') as a, \
                open(osp.join(again['data_root'], img_dir, first), 'rb') as b:
            assert a.read() == b.read()


def test_train_images_do_not_depend_on_val_size(dataset, tmp_path):
    fewer_val = generate_wholebody_dataset(
        str(tmp_path / 'v'),
        num_train=6,
        num_val=1,
        img_size=(IMG_W, IMG_H),
        seed=3,
        progress=False)
    with open(dataset['train_ann_file'], 'rb') as a, \
            open(fewer_val['train_ann_file'], 'rb') as b:
        assert a.read() == b.read()


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_train=-1), 'num_train'),
    (dict(num_val=1.5), 'num_val'),
    (dict(img_size=32), 'img_size'),
    (dict(img_size=(64, 64, 3)), 'img_size'),
    (dict(max_people=0), 'max_people'),
    (dict(upper_body_fraction=1.5), 'upper_body_fraction'),
])
def test_bad_arguments_name_the_value(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_wholebody_dataset(str(tmp_path), progress=False, **kwargs)


def test_upper_body_close_ups(dataset, tmp_path):
    """``upper_body_fraction=1`` frames every image as UBody does: larger
    faces and hands, legs mostly out of frame; the framing is recorded and
    the default (fraction 0) files are unchanged by the option."""
    default = _load(dataset['train_ann_file'])
    close = generate_wholebody_dataset(
        str(tmp_path / 'close'),
        num_train=6,
        num_val=0,
        img_size=(IMG_W, IMG_H),
        seed=3,
        progress=False,
        upper_body_fraction=1.0)
    close = _load(close['train_ann_file'])
    assert close['info']['upper_body_fraction'] == 1.0
    assert 'upper_body_fraction' not in default['info']

    def median(anns, key, index):
        return np.median([a[key][index] for a in anns if a['face_valid']])

    # face boxes (w, h) are larger in close-ups
    assert median(close['annotations'], 'face_box', 2) > \
        1.5 * median(default['annotations'], 'face_box', 2)
    # ankles (body keypoints 15, 16) are out of frame in most close-ups
    ankles = np.array(
        [_triplets(a, 'keypoints')[15:17, 2] for a in close['annotations']])
    assert (ankles == 0).mean() > 0.5
    assert max(
        len([a for a in close['annotations'] if a['image_id'] == img['id']])
        for img in close['images']) <= 2


def _stock_dataset(paths, split, test_mode):
    from mmpose.datasets import CocoWholeBodyDataset
    from mmpose.utils import register_all_modules
    register_all_modules()
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=(96, 128)),
        dict(type='PackPoseInputs'),
    ]
    return CocoWholeBodyDataset(
        data_root=paths['data_root'],
        ann_file=paths[f'{split}_ann_file'],
        data_prefix=dict(img=paths[f'{split}_img_dir']),
        data_mode='topdown',
        pipeline=pipeline,
        test_mode=test_mode)


def test_stock_coco_wholebody_dataset_loads_it(dataset):
    ds = _stock_dataset(dataset, 'train', test_mode=False)
    coco = _load(dataset['train_ann_file'])
    assert len(ds) == len(coco['annotations'])
    assert ds.metainfo['num_keypoints'] == 133
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 128, 96)
    gt = sample['data_samples'].gt_instances
    assert gt.keypoints.shape == (1, 133, 2)
    assert gt.keypoints_visible.shape == (1, 133)
    # the raw record round-trips the first annotation's body keypoints
    first = coco['annotations'][0]
    info = ds.get_data_info(0)
    expected = _triplets(first, 'keypoints')
    np.testing.assert_allclose(info['keypoints'][0, :17], expected[:, :2])
    np.testing.assert_array_equal(info['keypoints_visible'][0, :17],
                                  (expected[:, 2] > 0).astype(float))


def test_stock_metric_scores_ground_truth_as_perfect(dataset, tmp_path):
    """Ground truth fed as predictions: every part's AP is 1.0.

    Keypoints with v=0 are not labeled, so they are predicted with score 0
    (a part with no labeled keypoint is then not a detection of that part).
    """
    from mmpose.evaluation import CocoWholeBodyMetric
    from xtcocotools.cocoeval import COCOeval

    ds = _stock_dataset(dataset, 'val', test_mode=True)
    prefix = str(tmp_path / 'gt_as_pred')
    metric = CocoWholeBodyMetric(
        ann_file=dataset['val_ann_file'], outfile_prefix=prefix)
    metric.dataset_meta = ds.metainfo
    data_batch, predictions = [], []
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        x1, y1, x2, y2 = info['bbox'][0]
        predictions.append(
            dict(
                id=info['id'],
                img_id=info['img_id'],
                pred_instances=dict(
                    keypoints=info['keypoints'].copy(),
                    keypoint_scores=info['keypoints_visible'].astype(
                        np.float32),
                    bbox_scores=np.ones(1, dtype=np.float32)),
                gt_instances=dict(
                    bbox_scales=np.array([[x2 - x1, y2 - y1]]) * 1.25)))
        data_batch.append(dict())
    metric.process(data_batch, predictions)
    results = metric.compute_metrics(metric.results)
    assert results['AP'] == pytest.approx(1.0)
    assert results['AR'] == pytest.approx(1.0)

    # CocoWholeBodyMetric returns only the whole-body numbers and prints the
    # parts; evaluate each part the same way it does (its sigmas, area).
    sigmas = ds.metainfo['sigmas']
    cuts = np.cumsum([0, BODY, FOOT, FACE, HAND, HAND])
    det = metric.coco.loadRes(f'{prefix}.keypoints.json')
    parts = ['body', 'foot', 'face', 'lefthand', 'righthand']
    for k, part in enumerate(parts):
        coco_eval = COCOeval(
            metric.coco,
            det,
            f'keypoints_{part}',
            sigmas[cuts[k]:cuts[k + 1]],
            use_area=True)
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
        assert coco_eval.stats[0] == pytest.approx(1.0), part
