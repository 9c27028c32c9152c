"""UBodyWholeBodyVideoDataset and VideoFrameReader on a synthetic UBody
(real mp4v video files, per-scene annotation files, split lists)."""
import json
import multiprocessing
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.datasets.transforms import LoadImage
from mmpose.registry import DATASETS

import mmpose_kd  # noqa: F401  (registers the dataset)
from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
from mmpose_kd.datasets.synthetic.ubody import (DEFAULT_SCENES,
                                                render_ubody_video,
                                                write_video)
from mmpose_kd.datasets.ubody import (UBodyAnnotationError,
                                      UBodyFrameReadError,
                                      UBodyWholeBodyVideoDataset,
                                      VideoFrameReader, is_test_video,
                                      load_test_list, parse_frame_file_name,
                                      split_list_name)
from tool_loading import load_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets',
                  'coco_wholebody_ubody.py')
SEED, WIDTH, HEIGHT, FRAMES, VIDEOS = 0, 160, 128, 12, 3
INPUT_SIZE = (96, 128)

# importing mmpose_kd registered mmpose's datasets, transforms and codecs
init_default_scope('mmpose')


@pytest.fixture(scope='module')
def ubody_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ubody'))
    from mmpose_kd.datasets.synthetic.ubody import generate_ubody_dataset
    generate_ubody_dataset(
        root,
        videos_per_scene=VIDEOS,
        frames_per_video=FRAMES,
        img_size=(WIDTH, HEIGHT),
        seed=SEED)
    return root


@pytest.fixture(scope='module')
def extracted_root(ubody_root, tmp_path_factory):
    """Every frame of every video, extracted by the tool."""
    frames_root = str(tmp_path_factory.mktemp('frames'))
    tool = load_tool('ubody_extract_frames', register=True)
    assert tool.main([
        ubody_root, '--frames-root', frames_root, '--split', 'all',
        '--workers', '1', '--no-progress'
    ]) == 0
    return frames_root


def _dataset(root, **kwargs):
    kwargs.setdefault('frame_source', 'extracted')
    kwargs.setdefault('pipeline', [])
    return UBodyWholeBodyVideoDataset(data_root=root, **kwargs)


def _frames(dataset):
    """(scene, video, frame number) of every sample, without decoding."""
    out = []
    for i in range(len(dataset)):
        info = super(UBodyWholeBodyVideoDataset, dataset).get_data_info(i)
        out.append((info['ubody_scene'], info['ubody_video'],
                    int(info['frame_number'])))
    return out


def _videos(dataset):
    return {(scene, video) for scene, video, _ in _frames(dataset)}


def _all_videos():
    return {(scene, f'{scene}_{i}_Trim{i}' if i % 2 else f'{scene}_{i}')
            for scene in DEFAULT_SCENES for i in range(VIDEOS)}


def _stock_pipeline():
    codec = dict(
        type='MSRAHeatmap',
        input_size=INPUT_SIZE,
        heatmap_size=(24, 32),
        sigma=2)
    return [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=INPUT_SIZE),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]


# -- selection ---------------------------------------------------------------
def test_registered_without_collision():
    assert DATASETS.get('UBodyWholeBodyVideoDataset') is \
        UBodyWholeBodyVideoDataset
    # mmpose's own UBody dataset is still the stock one
    assert DATASETS.get('UBody2dDataset').__module__.startswith('mmpose.')


def test_file_names_and_list_names():
    assert parse_frame_file_name('Talk_3/000012.png') == ('Talk_3', 12)
    assert parse_frame_file_name('/Talk_3_Trim2/000001.png') == \
        ('Talk_3_Trim2', 1)
    assert split_list_name('Talk_3_Trim2') == 'Talk_3'
    assert split_list_name('Talk_3') == 'Talk_3'
    for bad in ('000001.png', 'Talk_3/frame.png', 'Talk_3/000000.png', 7):
        with pytest.raises(UBodyAnnotationError, match='ann.json'):
            parse_frame_file_name(bad, 'ann.json')


def test_intra_protocol_holds_out_listed_videos(ubody_root):
    train = _videos(_dataset(ubody_root, split='train', protocol='intra'))
    test = _videos(_dataset(ubody_root, split='test', protocol='intra'))
    last = {(s, f'{s}_{VIDEOS - 1}') for s in DEFAULT_SCENES}
    assert test == last
    assert train == _all_videos() - last


def test_inter_protocol_holds_out_scenes(ubody_root):
    train = _videos(_dataset(ubody_root, split='train', protocol='inter'))
    test = _videos(_dataset(ubody_root, split='test', protocol='inter'))
    # the synthetic inter list names every video of the last scene,
    # including the '_Trim' one by its name without the suffix
    assert test == {v for v in _all_videos() if v[0] == DEFAULT_SCENES[-1]}
    assert train == _all_videos() - test


def test_split_all_reads_every_frame_of_every_video(ubody_copy):
    """split='all' (the released DWPose configs' UBody): every annotated
    frame of every video, test videos of both protocols included; no split
    list is read."""
    import shutil
    shutil.rmtree(osp.join(ubody_copy, 'splits'))
    every = _dataset(ubody_copy, split='all')
    assert set(_frames(every)) == {(scene, video, frame)
                                   for scene, video in _all_videos()
                                   for frame in range(1, FRAMES + 1)}
    sampled = _dataset(ubody_copy, split='all', frame_interval=FRAMES)
    assert {frame for _, _, frame in _frames(sampled)} == {1}
    assert _videos(sampled) == _all_videos()
    with pytest.raises(FileNotFoundError, match='split list'):
        _dataset(ubody_copy, split='train')


def test_inter_list_naming_whole_scenes(ubody_root, tmp_path):
    splits = tmp_path / 'splits'
    splits.mkdir()
    np.save(splits / 'inter_scene_test_list.npy',
            np.array(['Interview', 'Fitness_1']))
    assert load_test_list(str(splits), 'inter') == {'Interview', 'Fitness_1'}
    test = _videos(
        _dataset(
            ubody_root, split='test', protocol='inter',
            splits_dir=str(splits)))
    # a listed scene name holds out the scene; 'Fitness_1' matches the
    # video file 'Fitness_1_Trim1'
    assert test == {v for v in _all_videos() if v[0] == 'Interview'} | \
        {('Fitness', 'Fitness_1_Trim1')}
    assert is_test_video('Interview', 'x_Trim4', frozenset({'Interview'}))


def test_trim_suffix_and_leading_slash(ubody_root, tmp_path):
    splits = tmp_path / 'splits'
    splits.mkdir()
    # list entries as in UBody: no '_Trim...' suffix; '.mp4' tolerated
    np.save(splits / 'intra_scene_test_list.npy',
            np.array(['Fitness_1', 'TalkShow_0.mp4']))
    test = _dataset(
        ubody_root,
        split='test',
        splits_dir=str(splits),
        frames_root='/frames')
    assert _videos(test) == {('Fitness', 'Fitness_1_Trim1'),
                             ('TalkShow', 'TalkShow_0')}
    # 'Fitness_1_Trim1' frames are written '/Fitness_1_Trim1/000001.png'
    paths = {test.get_data_info(i)['img_path'] for i in range(len(test))}
    assert '/frames/Fitness/Fitness_1_Trim1/000001.png' in paths
    assert '/frames/TalkShow/TalkShow_0/000012.png' in paths
    assert len(paths) == 2 * FRAMES


def test_frame_interval_samples_by_frame_number(ubody_root):
    full = _frames(_dataset(ubody_root, split='train'))
    sampled = _frames(_dataset(ubody_root, split='train', frame_interval=5))
    assert {f for _, _, f in sampled} == {1, 6, 11}
    per_video = {}
    for scene, video, frame in sampled:
        per_video.setdefault((scene, video), set()).add(frame)
    assert all(frames == {1, 6, 11} for frames in per_video.values())
    assert set(sampled) == {x for x in full if (x[2] - 1) % 5 == 0}
    # image ids interleave videos (13, 14... for the second video of a
    # scene), so sampling by id would pick other frames: 15 -> frame 3
    ann = json.load(
        open(
            osp.join(ubody_root, 'annotations', 'Fitness',
                     'keypoint_annotation.json')))
    by_id = [img['file_name'] for img in ann['images'] if img['id'] % 5 == 0]
    assert '/Fitness_1_Trim1/000003.png' in by_id


def test_scene_subset_and_renumbered_ids(ubody_root):
    dataset = _dataset(
        ubody_root, scenes=['Fitness', 'TalkShow'], split='train')
    assert {s for s, _ in _videos(dataset)} == {'Fitness', 'TalkShow'}
    infos = [
        super(UBodyWholeBodyVideoDataset, dataset).get_data_info(i)
        for i in range(len(dataset))
    ]
    ids = [info['id'] for info in infos]
    assert len(set(ids)) == len(ids)  # scene files both start at id 1
    img_ids = {(info['ubody_scene'], info['ubody_video'],
                info['frame_number']): info['img_id']
               for info in infos}
    assert len(set(img_ids.values())) == len(img_ids)
    assert infos[0]['keypoints'].shape == (1, 133, 2)
    assert 'raw_ann_info' not in infos[0]  # kept for the test split only
    test = _dataset(ubody_root, split='test')
    info = super(UBodyWholeBodyVideoDataset, test).get_data_info(0)
    assert info['raw_ann_info']['id'] == info['id']
    assert info['raw_ann_info']['image_id'] == info['img_id']
    assert test.metainfo['num_keypoints'] == 133
    assert test.metainfo['dataset_name'] == 'ubody_wholebody'


# -- decoding ----------------------------------------------------------------
def test_video_and_extracted_frames_agree(ubody_root, extracted_root):
    from_video = _dataset(
        ubody_root, split='test', frame_source='video', frame_interval=3)
    from_png = _dataset(
        ubody_root, split='test', frames_root=extracted_root, frame_interval=3)
    assert _frames(from_video) == _frames(from_png)
    load = LoadImage()
    for i in range(len(from_video)):
        info_video = from_video.get_data_info(i)
        assert info_video['img_path'].endswith(
            f".mp4#frame={info_video['frame_number']}")
        decoded = load(info_video)['img']
        extracted = load(from_png.get_data_info(i))['img']
        # the PNGs come from the same decoder: identical pixels
        np.testing.assert_array_equal(decoded, extracted)


def test_decoded_frames_are_the_rendered_ones(ubody_root):
    """Frame k of the annotations is the k-th frame written to the video:
    decoded frames match what was rendered, up to codec loss, and match it
    better than the neighbouring frames (no off-by-one)."""
    dataset = _dataset(
        ubody_root, split='train', frame_source='video', scenes=['Interview'])
    rendered = {}
    for video_index in range(VIDEOS):
        frames, _ = render_ubody_video(SEED, 1, video_index, FRAMES, WIDTH,
                                       HEIGHT)
        name = f'Interview_{video_index}'
        rendered[name + (f'_Trim{video_index}' if video_index % 2 else '')] \
            = frames
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        frames = rendered[info['ubody_video']]
        k = info['frame_number']
        error = np.abs(info['img'].astype(float) - frames[k - 1]).mean()
        assert error < 8.0, (info['img_path'], error)  # mp4v loss: ~5
        for other in (k - 2, k):  # the previous and the next frame
            if 0 <= other < FRAMES:
                assert error < np.abs(info['img'].astype(float) -
                                      frames[other]).mean()


class _SpyCapture:
    """Counts seeks of a wrapped cv2.VideoCapture."""

    def __init__(self, capture):
        self.capture, self.seeks = capture, 0

    def set(self, *args):
        self.seeks += 1
        return self.capture.set(*args)

    def __getattr__(self, name):
        return getattr(self.capture, name)


def test_reader_reads_forward_without_seeking(ubody_root):
    path = osp.join(ubody_root, 'videos', 'Fitness', 'Fitness_0.mp4')
    reference = []
    capture = cv2.VideoCapture(path)
    for _ in range(FRAMES):
        reference.append(capture.read()[1])
    reader = VideoFrameReader(max_forward_gap=4)
    video = reader.open(path)
    spy = video.capture = _SpyCapture(video.capture)
    for k in (1, 2, 3, 7):  # next frames, then a gap of 3: decode forward
        np.testing.assert_array_equal(reader.read(path, k), reference[k - 1])
    assert spy.seeks == 0
    for k in (2, 12, 5):  # backwards, far ahead (gap 4 < 9), backwards
        np.testing.assert_array_equal(reader.read(path, k), reference[k - 1])
    assert spy.seeks == 3
    reader.close()


def test_reader_keeps_few_decoders_open(ubody_root):
    reader = VideoFrameReader(max_open=2)
    paths = [
        osp.join(ubody_root, 'videos', 'Fitness', f'{name}.mp4')
        for name in ('Fitness_0', 'Fitness_1_Trim1', 'Fitness_2')
    ]
    for path in paths:
        reader.read(path, 1)
    assert list(reader._open_videos()) == paths[1:]


_INHERITED_READER = None


def _read_in_child(path, frame_number):
    reader = _INHERITED_READER
    inherited = list(reader._videos)  # what the fork copied
    frame = reader.read(path, frame_number)
    return inherited, list(reader._videos), reader._owner_pid, frame


@pytest.mark.timeout(60)
def test_reader_reopens_after_fork(ubody_root):
    global _INHERITED_READER
    path = osp.join(ubody_root, 'videos', 'Interview', 'Interview_0.mp4')
    reference = [VideoFrameReader().read(path, k) for k in (3, 4, 9)]
    _INHERITED_READER = reader = VideoFrameReader()
    reader.read(path, 2)  # parent's decoder is now open at frame 3
    with multiprocessing.get_context('fork').Pool(1) as pool:
        inherited, after, pid, frame = pool.apply(_read_in_child, (path, 9))
    assert inherited == [path]  # it did inherit the parent's decoder...
    assert pid != os.getpid() and after == [path]  # ...and opened its own
    np.testing.assert_array_equal(frame, reference[2])
    # the parent's decoder still reads on where it was
    np.testing.assert_array_equal(reader.read(path, 3), reference[0])
    np.testing.assert_array_equal(reader.read(path, 4), reference[1])


@pytest.mark.timeout(90)
def test_dataloader_workers_decode_the_same_frames(ubody_root, extracted_root):
    kwargs = dict(
        split='train',
        frame_interval=4,
        scenes=['TalkShow'],
        pipeline=_stock_pipeline())
    from_video = _dataset(ubody_root, frame_source='video', **kwargs)
    from_png = _dataset(ubody_root, frames_root=extracted_root, **kwargs)
    # the main process decodes first: workers inherit an open decoder (and
    # must neither use nor release it, or they hang)
    from_video[0]
    loader = torch.utils.data.DataLoader(
        from_video,
        batch_size=4,
        num_workers=2,
        collate_fn=pseudo_collate,
        multiprocessing_context='fork')
    seen = 0
    for batch in loader:
        for inputs, sample in zip(batch['inputs'], batch['data_samples']):
            index = seen
            expected = from_png[index]
            assert inputs.shape == (3, INPUT_SIZE[1], INPUT_SIZE[0])
            assert torch.equal(inputs, expected['inputs'])
            np.testing.assert_allclose(
                sample.gt_instances.keypoints,
                expected['data_samples'].gt_instances.keypoints)
            seen += 1
    assert seen == len(from_png) > 0


# -- combined with COCO-WholeBody, and the base config ------------------------
@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('coco'))
    generate_wholebody_dataset(
        root, num_train=3, num_val=2, img_size=96, seed=1, progress=False)
    return root


def test_combined_with_coco_wholebody(ubody_root, coco_root):
    ubody = dict(
        type='UBodyWholeBodyVideoDataset',
        data_root=ubody_root,
        split='train',
        frame_interval=6,
        frame_source='video',
        pipeline=[])
    coco = dict(
        type='CocoWholeBodyDataset',
        data_root=coco_root,
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/'),
        pipeline=[])
    combined = DATASETS.build(
        dict(
            type='CombinedDataset',
            metainfo=dict(
                from_file='configs/_base_/datasets/coco_wholebody.py'),
            datasets=[coco, ubody],
            pipeline=_stock_pipeline()))
    n_coco, n_ubody = (len(d) for d in combined.datasets)
    assert n_coco > 0 and n_ubody > 0 and len(combined) == n_coco + n_ubody
    standalone = DATASETS.build(dict(ubody, pipeline=_stock_pipeline()))
    for index in (0, n_coco - 1, n_coco, len(combined) - 1):
        item = combined[index]
        assert item['inputs'].shape == (3, INPUT_SIZE[1], INPUT_SIZE[0])
        assert item['data_samples'].gt_instances.keypoints.shape == (1, 133, 2)
        if index >= n_coco:  # a UBody frame, decoded from its video
            same = standalone[index - n_coco]
            assert torch.equal(item['inputs'], same['inputs'])
            assert item['data_samples'].img_path == \
                same['data_samples'].img_path


def test_base_config_builds_on_synthetic_data(ubody_root, coco_root):
    cfg = Config.fromfile(CONFIG)
    for name in ('ubody_train_dataset', 'coco_wholebody_train_dataset',
                 'combined_train_dataset', 'train_dataloader',
                 'val_dataloader', 'test_dataloader', 'val_evaluator',
                 'test_evaluator'):
        assert name in cfg, name
    assert cfg.val_evaluator.ann_file == \
        'data/coco/annotations/coco_wholebody_val_v1.0.json'
    assert cfg.val_dataloader.dataset.data_root + \
        cfg.val_dataloader.dataset.data_prefix.img == 'data/coco/val2017/'
    cfg.merge_from_dict({
        'train_dataloader.dataset.datasets.0.data_root':
        coco_root,
        'train_dataloader.dataset.datasets.1.data_root':
        ubody_root,
    })
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert [type(d).__name__ for d in dataset.datasets] == \
        ['CheckedCocoWholeBodyDataset', 'UBodyWholeBodyVideoDataset']
    item = dataset[len(dataset) - 1]  # UBody, through the config pipeline
    assert item['inputs'].shape == (3, 256, 192)
    assert item['data_samples'].gt_instance_labels.keypoint_x_labels.shape[
        -2:] == (133, 384)


# -- errors ------------------------------------------------------------------
@pytest.fixture
def ubody_copy(ubody_root, tmp_path):
    root = str(tmp_path / 'UBody')
    shutil.copytree(ubody_root, root)
    return root


def test_bad_arguments_are_named(ubody_root):
    for kwargs, word in ((dict(split='val'), "'val'"), (dict(protocol='cross'),
                                                        "'cross'"),
                         (dict(frame_interval=0), 'frame_interval'),
                         (dict(frame_source='lmdb'),
                          "'lmdb'"), (dict(ann_file='x.json'), 'ann_file'),
                         (dict(scenes=['Cooking']), 'Cooking')):
        with pytest.raises((ValueError, FileNotFoundError), match=word):
            _dataset(ubody_root, **kwargs)


def test_missing_split_list(ubody_copy):
    os.remove(osp.join(ubody_copy, 'splits', 'inter_scene_test_list.npy'))
    with pytest.raises(FileNotFoundError, match='inter_scene_test_list.npy'):
        _dataset(ubody_copy, protocol='inter')


def test_missing_video(ubody_copy):
    missing = osp.join(ubody_copy, 'videos', 'Fitness', 'Fitness_1_Trim1.mp4')
    os.remove(missing)
    with pytest.raises(FileNotFoundError, match='Fitness_1_Trim1.mp4'):
        _dataset(ubody_copy, frame_source='video')
    _dataset(ubody_copy, frame_source='video', split='test')  # not needed
    with pytest.raises(FileNotFoundError, match='Fitness_1_Trim1.mp4'):
        VideoFrameReader().read(missing, 1)


def test_video_shorter_than_its_annotations(ubody_copy):
    path = osp.join(ubody_copy, 'videos', 'Interview', 'Interview_2.mp4')
    capture = cv2.VideoCapture(path)
    write_video(path, [capture.read()[1] for _ in range(5)])
    capture.release()
    dataset = _dataset(
        ubody_copy, split='test', scenes=['Interview'], frame_source='video')
    frames = _frames(dataset)
    dataset.get_data_info(frames.index(('Interview', 'Interview_2', 5)))
    with pytest.raises(
            UBodyFrameReadError, match=r'frame 6 .*Interview_2\.mp4'):
        dataset.get_data_info(frames.index(('Interview', 'Interview_2', 6)))
    # the decoder recovers: an earlier frame reads again
    dataset.get_data_info(frames.index(('Interview', 'Interview_2', 2)))


def _edit_annotation(root, scene, edit):
    path = osp.join(root, 'annotations', scene, 'keypoint_annotation.json')
    with open(path) as f:
        data = json.load(f)
    edit(data)
    with open(path, 'w') as f:
        json.dump(data, f)
    return path


@pytest.mark.parametrize('edit, key', [
    (lambda d: d['annotations'][3].pop('face_kpts'), 'face_kpts'),
    (lambda d: d['annotations'][0].update(lefthand_kpts=[1, 2, 2]),
     'lefthand_kpts'),
    (lambda d: d['annotations'][1].pop('bbox'), 'bbox'),
    (lambda d: d.pop('images'), 'images'),
    (lambda d: d['images'][2].pop('file_name'), 'file_name'),
    (lambda d: d['images'][2].update(file_name='Fitness_0/x.png'),
     'Fitness_0/x.png'),
])
def test_malformed_annotation_names_file_and_key(ubody_copy, edit, key):
    path = _edit_annotation(ubody_copy, 'Fitness', edit)
    with pytest.raises(UBodyAnnotationError) as info:
        _dataset(ubody_copy, split='train')
    assert path in str(info.value) and key in str(info.value)


def test_annotation_not_json(ubody_copy):
    path = osp.join(ubody_copy, 'annotations', 'TalkShow',
                    'keypoint_annotation.json')
    with open(path, 'w') as f:
        f.write('{"images": [')
    with pytest.raises(UBodyAnnotationError, match='not valid JSON') as info:
        _dataset(ubody_copy)
    assert path in str(info.value)


# -- the synthetic UBody generator -------------------------------------------
def test_make_synthetic_dataset_ubody_variant(tmp_path):
    make = load_tool('make_synthetic_dataset')
    runs = []
    for name in ('a', 'b'):
        make.main([
            '--variant', 'ubody', '--out',
            str(tmp_path / name), '--img-size', '96', '64', '--scenes',
            'Speech', 'Movie', '--videos-per-scene', '2', '--frames-per-video',
            '3', '--seed', '5', '--no-progress'
        ])
        with open(tmp_path / name / 'annotations' / 'Movie' /
                  'keypoint_annotation.json') as f:
            runs.append(json.load(f))
    assert runs[0] == runs[1]  # seeded
    names = [img['file_name'] for img in runs[0]['images']]
    assert names == [
        'Movie_0/000001.png', 'Movie_0/000002.png', 'Movie_0/000003.png',
        '/Movie_1_Trim1/000001.png', '/Movie_1_Trim1/000002.png',
        '/Movie_1_Trim1/000003.png'
    ]
    assert list(
        np.load(tmp_path / 'a' / 'splits' /
                'inter_scene_test_list.npy')) == ['Movie_0', 'Movie_1']
    capture = cv2.VideoCapture(
        str(tmp_path / 'a' / 'videos' / 'Movie' / 'Movie_1_Trim1.mp4'))
    assert capture.get(cv2.CAP_PROP_FPS) == 30
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 3
    dataset = _dataset(
        str(tmp_path / 'a'),
        split='test',
        protocol='inter',
        frame_source='video')
    assert {s for s, _ in _videos(dataset)} == {'Movie'}
    assert dataset.get_data_info(0)['img'].shape == (64, 96, 3)


def test_bottomup_mode_decodes_every_image(ubody_copy):
    # frame 3 of Fitness_2 (a test video) loses its people: bottom-up test
    # mode keeps such images, with img_path only
    def drop_people(data):
        image_id = next(img['id'] for img in data['images']
                        if img['file_name'] == 'Fitness_2/000003.png')
        data['annotations'] = [
            a for a in data['annotations'] if a['image_id'] != image_id
        ]

    _edit_annotation(ubody_copy, 'Fitness', drop_people)
    dataset = _dataset(
        ubody_copy,
        split='test',
        frame_source='video',
        data_mode='bottomup',
        test_mode=True,
        scenes=['Fitness'])
    assert len(dataset) == FRAMES
    people = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert info['img'].shape == (HEIGHT, WIDTH, 3)
        people.append(len(info['id']))
        if info['id']:
            assert info['keypoints'].shape == (len(info['id']), 133, 2)
    assert people.count(0) == 1


def test_reader_maps_30fps_numbers_onto_other_frame_rates(tmp_path):
    path = str(tmp_path / 'slow.mp4')
    frames = [np.full((64, 64, 3), 10 + 20 * i, np.uint8) for i in range(8)]
    write_video(path, frames, fps=15)
    reader = VideoFrameReader()
    # at 15 fps, 30 fps frame k is shown at index round((k - 1) / 2)
    for k, index in ((1, 0), (2, 0), (3, 1), (5, 2), (14, 6), (4, 2)):
        brightness = reader.read(path, k).mean()
        nearest = np.argmin([abs(brightness - f.mean()) for f in frames])
        assert nearest == index, (k, brightness)
