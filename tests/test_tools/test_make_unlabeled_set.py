"""tools/make_unlabeled_set.py: a folder of images and videos -> the
unlabeled set the SSPCM configs read, with boxes from a real mmdet detector
(a tiny RTMDet from mmdet's own config, random weights, threshold 0) or
from a detection file; the written files load in the SSPCM configs'
unlabeled dataset and go through its pipeline."""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.registry import DATASETS

from mmpose_kd.datasets.unlabeled import FrameSampling
from mmpose_kd.datasets.unlabeled.detections import (BELOW_THRESHOLD,
                                                     EMPTY_BOX, IMAGE_SKIPPED,
                                                     MALFORMED, NOT_IN_INPUT,
                                                     OTHER_CATEGORY)
from mmpose_kd.datasets.unlabeled.sources import iter_video_frames
from mmpose_kd.utils.config import resolve_config_path
from tool_loading import ROOT, load_tool

tool = load_tool('make_unlabeled_set')

VIDEO_FRAMES, VIDEO_FPS = 12, 10
SAMPLED_FRAMES = [
    'clips/walk.avi/000000.jpg', 'clips/walk.avi/000005.jpg',
    'clips/walk.avi/000010.jpg'
]  # --frame-interval 5
GOOD_IMAGES = ['a.jpg', 'sub/b.png']
MAX_PER_IMAGE = 4


@pytest.fixture(autouse=True)
def _one_thread():
    # The tiny detector's convolutions are ~100x slower with two OpenMP
    # threads when other jobs share the 2 cores (threads wait for each
    # other); one thread keeps the test at its measured time.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def input_dir(tmp_path_factory):
    """Two good images (one in a sub-folder), a broken image, a text file,
    a 12-frame MJPG video at 10 fps and a file that is not a video."""
    root = tmp_path_factory.mktemp('unlabeled_input')
    rng = np.random.default_rng(0)
    (root / 'sub').mkdir()
    (root / 'clips').mkdir()
    for name, (h, w) in (('a.jpg', (90, 120)), ('sub/b.png', (80, 100))):
        img = np.full((h, w, 3), 60, np.uint8)
        cv2.rectangle(img, (20, 10), (w // 2, h - 10), (200, 150, 90), -1)
        img += rng.integers(0, 20, img.shape, dtype=np.uint8)
        assert cv2.imwrite(str(root / name), img)
    (root / 'broken.jpg').write_bytes(b'\xff\xd8 this is not a jpeg')
    (root / 'notes.txt').write_text('not an image')
    (root / 'bad.mp4').write_bytes(b'\x00' * 256)
    writer = cv2.VideoWriter(
        str(root / 'clips/walk.avi'), cv2.VideoWriter_fourcc(*'MJPG'),
        VIDEO_FPS, (64, 48))
    assert writer.isOpened()
    for i in range(VIDEO_FRAMES):
        writer.write(np.full((48, 64, 3), 10 + 20 * i, np.uint8))
    writer.release()
    return str(root)


@pytest.fixture(scope='module')
def tiny_detector(tmp_path_factory):
    """mmdet's RTMDet-tiny config, shrunk (one class, 128 px input, at most
    four boxes per image), as a local config file and a random-weight
    checkpoint written the way mmdet writes its class names.

    Seeded random weights (PyTorch's default initialisation, whose scores
    differ from box to box; mmdet's own init gives every box the prior
    score 0.01), except the box regression output: with random
    regression weights the boxes are a pixel or two wide, and how many
    survive clipping to the image would depend on the draw. A zero weight
    and a bias of 2 make every box 2 strides from its point on each side
    (16 to 64 px squares), so boxes are kept and clipped deterministically.
    """
    from mmdet.apis import init_detector
    root = tmp_path_factory.mktemp('tiny_detector')
    cfg = Config.fromfile(
        resolve_config_path('mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'))
    cfg.model.backbone.init_cfg = None  # no pretrained download
    cfg.model.bbox_head.num_classes = 1
    cfg.model.test_cfg.max_per_img = MAX_PER_IMAGE
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(128, 128), keep_ratio=True),
        dict(type='Pad', size=(128, 128), pad_val=dict(img=(114, ) * 3)),
        dict(
            type='PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor'))
    ]
    config = str(root / 'rtmdet_tiny_person.py')
    cfg.dump(config)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = init_detector(cfg, None, device='cpu')
    with torch.no_grad():
        for reg in model.bbox_head.rtm_reg:
            reg.weight.zero_()
            reg.bias.fill_(2.0)
    checkpoint = str(root / 'rtmdet_tiny_person_random.pth')
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=('person', )))), checkpoint)
    return config, checkpoint


def _sspcm_unlabeled_configs():
    """Every SSPCM config whose unlabeled part reads a bbox file (wild
    images with detector boxes): the format this tool writes."""
    found = []
    for path in sorted(glob.glob(osp.join(ROOT, 'configs/sspcm/*.py'))):
        with open(path) as f:
            text = f.read()
        if 'wild' in osp.basename(path) or 'bbox_file' in text:
            found.append(path)
    return found


@pytest.fixture(scope='module')
def unlabeled_dataset_cfgs():
    cfgs = {}
    for path in _sspcm_unlabeled_configs():
        cfg = Config.fromfile(path)
        loaders = cfg.train_dataloader
        unlabeled = loaders.get('unlabeled') if 'unlabeled' in loaders \
            else None
        if unlabeled and unlabeled.dataset.get('bbox_file'):
            cfgs[osp.basename(path)] = unlabeled.dataset
    assert cfgs, 'no SSPCM config reads an unlabeled bbox file'
    return cfgs


def _run(args):
    return tool.main([*args, '--no-progress'])


def _read(out_dir):

    def load(rel):
        with open(osp.join(out_dir, rel)) as f:
            return json.load(f)

    return (load('annotations/image_info.json'),
            load('annotations/person_detections.json'), load('summary.json'))


def _check_loads_in_sspcm_configs(dataset_cfgs, out_dir, dets):
    """Build each SSPCM config's unlabeled dataset (its type, pipeline,
    test_mode and filter_cfg as shipped; only the data paths redirected)
    and take one sample through its pipeline."""
    for name, dataset_cfg in dataset_cfgs.items():
        cfg = dataset_cfg.copy()
        cfg.update(
            data_root=out_dir,
            ann_file='annotations/image_info.json',
            bbox_file=osp.join(out_dir, 'annotations/person_detections.json'),
            data_prefix=dict(img='images/'))
        thr = (cfg.get('filter_cfg') or {}).get('bbox_score_thr', -1)
        expected = [d for d in dets if d['score'] >= thr]
        with DefaultScope.overwrite_default_scope('mmpose'):
            dataset = DATASETS.build(cfg)
            assert len(dataset) == len(expected), name
            if not expected:
                continue
            info = dataset.get_data_info(0)
            x, y, w, h = expected[0]['bbox']
            np.testing.assert_allclose(
                info['bbox'][0], [x, y, x + w, y + h], atol=1e-3)
            sample = dataset[0]
        assert osp.isfile(info['img_path']), name
        affine = [t for t in cfg.pipeline if t['type'] == 'TopdownAffine']
        assert tuple(sample['inputs'].shape[1:]) == tuple(
            affine[0]['input_size'][::-1]), name


def test_detector_to_sspcm_unlabeled_set(input_dir, tiny_detector,
                                         unlabeled_dataset_cfgs, tmp_path,
                                         capsys):
    config, checkpoint = tiny_detector
    out = str(tmp_path / 'out')
    assert _run([
        input_dir, out, '--det-config', config, '--det-checkpoint', checkpoint,
        '--score-thr', '0', '--frame-interval', '5', '--device', 'cpu'
    ]) == 0
    printed = capsys.readouterr().out
    image_info, dets, summary = _read(out)

    # every readable image and every sampled frame is listed, in order
    names = [img['file_name'] for img in image_info['images']]
    assert names == GOOD_IMAGES[:1] + SAMPLED_FRAMES + GOOD_IMAGES[1:]
    assert [img['id'] for img in image_info['images']] == [1, 2, 3, 4, 5]
    sizes = {
        img['file_name']: (img['height'], img['width'])
        for img in image_info['images']
    }
    assert sizes['a.jpg'] == (90, 120) and sizes['sub/b.png'] == (80, 100)
    for name in names:
        # frames written, images linked: all readable from images/
        assert cv2.imread(osp.join(out, 'images', name)).shape[:2] == \
            sizes[name]
    frame = [
        img for img in image_info['images']
        if img['file_name'] == SAMPLED_FRAMES[1]
    ][0]
    assert frame['video'] == 'clips/walk.avi' and frame['frame_id'] == 5
    assert image_info['categories'][0]['id'] == 1

    # the summary counts what was read, kept and skipped
    assert summary['files'] == 6
    assert (summary['images'], summary['videos'], summary['frames']) == \
        (2, 1, 3)
    skipped = {s['file']: s['reason'] for s in summary['skipped']}
    assert sorted(skipped) == ['bad.mp4', 'broken.jpg', 'notes.txt']
    assert skipped['bad.mp4'].startswith('unreadable video')
    assert skipped['broken.jpg'].startswith('broken image')
    assert 'not an image or video' in skipped['notes.txt']
    assert summary['boxes_kept'] == len(dets) > 0
    per_image = np.bincount([d['image_id'] for d in dets], minlength=6)
    assert per_image.max() <= MAX_PER_IMAGE
    assert summary['entries_with_boxes'] == int((per_image > 0).sum())
    # threshold 0: only boxes that are empty once clipped can be dropped
    assert set(summary['boxes_dropped']) <= {EMPTY_BOX}
    for det in dets:
        img = image_info['images'][det['image_id'] - 1]
        x, y, w, h = det['bbox']
        assert det['category_id'] == 1 and w >= 1 and h >= 1
        assert 0 <= x and x + w <= img['width'] + 0.01
        assert 0 <= y and y + h <= img['height'] + 0.01
    assert 'Unlabeled set summary' in printed and 'bad.mp4' in printed

    _check_loads_in_sspcm_configs(unlabeled_dataset_cfgs, out, dets)

    # The same detector at the median score: exactly the boxes scoring at
    # least that are kept, the others are counted as below the threshold.
    scores = sorted(d['score'] for d in dets)
    thr = scores[len(scores) // 2]
    out2 = str(tmp_path / 'out2')
    assert _run([
        input_dir, out2, '--det-config', config, '--det-checkpoint',
        checkpoint, '--score-thr',
        repr(thr), '--frame-interval', '5', '--device', 'cpu'
    ]) == 0
    _, dets2, summary2 = _read(out2)
    assert dets2 == [d for d in dets if d['score'] >= thr]
    assert summary2['boxes_kept'] == len(dets2) < len(dets)
    assert summary2['boxes_dropped'][BELOW_THRESHOLD] == \
        len(dets) - len(dets2)

    # above every score: nothing kept, and the summary warns
    out3 = str(tmp_path / 'out3')
    assert _run([
        input_dir, out3, '--det-config', config, '--det-checkpoint',
        checkpoint, '--score-thr', '1.01', '--frame-interval', '5', '--device',
        'cpu'
    ]) == 0
    _, dets3, summary3 = _read(out3)
    assert dets3 == [] and summary3['boxes_kept'] == 0
    assert summary3['boxes_dropped'][BELOW_THRESHOLD] == len(dets)
    assert any('no person box' in w for w in summary3['warnings'])


def _detection_file(tmp_path):
    """Entries with known fates; images named by image_id (through the
    image list) or by file_name."""
    image_info = dict(images=[
        dict(id=10, file_name='a.jpg'),
        dict(id=12, file_name='clips/walk.avi/000005.jpg'),
        dict(id=13, file_name='broken.jpg'),
        dict(id=14, file_name='missing.jpg'),
        dict(id=15, file_name='clips/walk.avi/000003.jpg'),  # not sampled
    ])
    box = [10, 10, 30, 40]
    entries = [
        dict(image_id=10, category_id=1, bbox=box, score=0.9),  # kept
        dict(image_id=10, category_id=1, bbox=box, score=0.2),  # below
        dict(image_id=10, category_id=2, bbox=box, score=0.9),  # category
        # kept, clipped to the 100 x 80 image
        dict(
            file_name='sub/b.png',
            category_id=1,
            bbox=[90, 70, 50, 50],
            score=0.8),
        dict(
            file_name='sub/b.png',
            category_id=1,
            bbox=[200, 200, 10, 10],
            score=0.8),  # outside the image: empty
        # kept (inside the 64 x 48 frame)
        dict(image_id=12, category_id=1, bbox=[5, 6, 30, 20], score=0.7),
        dict(image_id=13, category_id=1, bbox=box, score=0.9),  # skipped img
        dict(image_id=14, category_id=1, bbox=box, score=0.9),  # not input
        dict(image_id=15, category_id=1, bbox=box, score=0.9),  # not input
        dict(image_id=99, category_id=1, bbox=box, score=0.9),  # malformed
        dict(image_id=10, category_id=1, bbox=[1, 2, 3], score=0.9),
        'not an object',
        dict(image_id=10, category_id=1, bbox=box, score=float('nan')),
    ]
    det_path = tmp_path / 'dets.json'
    det_path.write_text(json.dumps(entries))
    info_path = tmp_path / 'image_info.json'
    info_path.write_text(json.dumps(image_info))
    return str(det_path), str(info_path)


def test_detection_file_counts_exactly(input_dir, unlabeled_dataset_cfgs,
                                       tmp_path, capsys):
    det_path, info_path = _detection_file(tmp_path)
    out = str(tmp_path / 'out')
    assert _run([
        input_dir, out, '--det-file', det_path, '--det-image-info', info_path,
        '--score-thr', '0.5', '--frame-interval', '5', '--image-mode', 'copy'
    ]) == 0
    image_info, dets, summary = _read(out)
    ids = {img['file_name']: img['id'] for img in image_info['images']}
    assert dets == [
        dict(
            image_id=ids['a.jpg'],
            category_id=1,
            bbox=[10, 10, 30, 40],
            score=0.9),
        dict(
            image_id=ids['clips/walk.avi/000005.jpg'],
            category_id=1,
            bbox=[5, 6, 30, 20],
            score=0.7),
        dict(
            image_id=ids['sub/b.png'],
            category_id=1,
            bbox=[90, 70, 10, 10],
            score=0.8),
    ]
    assert summary['boxes_kept'] == 3 and summary['entries_with_boxes'] == 3
    assert summary['boxes_dropped'] == {
        BELOW_THRESHOLD: 1,
        OTHER_CATEGORY: 1,
        EMPTY_BOX: 1,
        IMAGE_SKIPPED: 1,
        NOT_IN_INPUT: 2,
        MALFORMED: 4
    }
    assert [m['index'] for m in summary['malformed_detections']] == \
        [9, 10, 11, 12]
    reasons = [m['reason'] for m in summary['malformed_detections']]
    assert 'image_id 99' in reasons[0] and "'bbox'" in reasons[1]
    assert "'score'" in reasons[3]
    assert (summary['images'], summary['videos'], summary['frames'],
            len(summary['skipped'])) == (2, 1, 3, 3)
    assert not osp.islink(osp.join(out, 'images', 'a.jpg'))  # copied
    printed = capsys.readouterr().out
    assert 'entry 9: image_id 99' in printed
    _check_loads_in_sspcm_configs(unlabeled_dataset_cfgs, out, dets)
    # the same files as the unlabeled part of a whole-body (133 keypoint)
    # SSPCM run: the stock whole-body class reads bbox files the same way
    with DefaultScope.overwrite_default_scope('mmpose'):
        wholebody = DATASETS.build(
            dict(
                type='CheckedCocoWholeBodyDataset',
                data_root=out,
                data_mode='topdown',
                ann_file='annotations/image_info.json',
                bbox_file=osp.join(out, 'annotations/person_detections.json'),
                data_prefix=dict(img='images/'),
                test_mode=True,
                pipeline=[
                    dict(type='CheckedLoadImage'),
                    dict(type='GetBBoxCenterScale'),
                    dict(type='TopdownAffine', input_size=(192, 256)),
                    dict(type='PackPoseInputs')
                ]))
        assert len(wholebody) == 3
        assert wholebody[2]['data_samples'].gt_instances.keypoints.shape \
            == (1, 133, 2)

    # an existing set is not overwritten unless asked
    assert _run([
        input_dir, out, '--det-file', det_path, '--det-image-info', info_path
    ]) == 1
    assert 'pass --overwrite' in capsys.readouterr().err
    assert _run([
        input_dir, out, '--det-file', det_path, '--det-image-info', info_path,
        '--overwrite', '--score-thr', '0.1', '--frame-interval', '5'
    ]) == 0
    assert _read(out)[2]['boxes_kept'] == 4  # the 0.2 box now kept


def test_strict_stops_at_the_first_unreadable_file(input_dir, tmp_path,
                                                   capsys):
    det_path, info_path = _detection_file(tmp_path)
    out = str(tmp_path / 'out')
    assert _run([
        input_dir, out, '--det-file', det_path, '--det-image-info', info_path,
        '--strict'
    ]) == 1
    err = capsys.readouterr().err
    # files are read in sorted order: bad.mp4 is the first bad one
    assert 'bad.mp4' in err and 'cannot be opened' in err
    assert '--strict' in err
    assert not osp.exists(osp.join(out, 'annotations/image_info.json'))


@pytest.mark.parametrize('content, expected', [
    ('{not json', 'is not readable JSON'),
    ('{"images": []}', 'must be a JSON list'),
])
def test_bad_detection_file_is_named(input_dir, tmp_path, capsys, content,
                                     expected):
    bad = tmp_path / 'dets.json'
    bad.write_text(content)
    assert _run([input_dir,
                 str(tmp_path / 'out'), '--det-file',
                 str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and expected in err


def test_image_ids_need_the_image_list(input_dir, tmp_path, capsys):
    dets = tmp_path / 'dets.json'
    dets.write_text(
        json.dumps(
            [dict(image_id=1, category_id=1, bbox=[0, 0, 5, 5], score=1.0)]))
    assert _run([input_dir,
                 str(tmp_path / 'out'), '--det-file',
                 str(dets)]) == 1
    assert '--det-image-info' in capsys.readouterr().err


def test_missing_detector_files_are_named(input_dir, tiny_detector, tmp_path,
                                          capsys):
    config, checkpoint = tiny_detector
    missing = str(tmp_path / 'nope.py')
    assert _run([
        input_dir,
        str(tmp_path / 'o1'), '--det-config', missing, '--det-checkpoint',
        checkpoint
    ]) == 1
    err = capsys.readouterr().err
    assert '--det-config' in err and missing in err
    missing = str(tmp_path / 'nope.pth')
    assert _run([
        input_dir,
        str(tmp_path / 'o2'), '--det-config', config, '--det-checkpoint',
        missing
    ]) == 1
    err = capsys.readouterr().err
    assert '--det-checkpoint' in err and missing in err
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    assert _run([
        input_dir,
        str(tmp_path / 'o4'), '--det-config', config, '--det-checkpoint',
        str(garbage)
    ]) == 1
    err = capsys.readouterr().err
    assert str(garbage) in err and 'could not be read' in err
    # a checkpoint of another network: named, with its missing keys
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'conv.weight': torch.zeros(1)}), other)
    assert _run([
        input_dir,
        str(tmp_path / 'o3'), '--det-config', config, '--det-checkpoint', other
    ]) == 1
    err = capsys.readouterr().err
    assert other in err and 'missing keys: backbone.' in err


def test_frame_sampling_by_interval_and_by_time(input_dir):
    video = osp.join(input_dir, 'clips/walk.avi')

    def sampled(**kwargs):
        return [
            i for i, _ in iter_video_frames(video, FrameSampling(**kwargs))
        ]

    assert sampled(interval=5) == [0, 5, 10]
    assert sampled(interval=1) == list(range(VIDEO_FRAMES))
    # 4 per second of a 10 fps video: the first frame at or after each
    # tick k / 4 s (0, 0.25, 0.5, 0.75, 1.0 s)
    assert sampled(interval=None, fps=4) == [0, 3, 5, 8, 10]
    assert sampled(interval=None, fps=30) == list(range(VIDEO_FRAMES))
    with pytest.raises(ValueError, match='exactly one'):
        FrameSampling(interval=2, fps=1)
    with pytest.raises(ValueError, match='>= 1'):
        FrameSampling(interval=0)
