"""tools/ubody_extract_frames.py: extracts exactly the frames the dataset
selects, in parallel, resumably, and reports what it cannot read."""
import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmpose_kd.datasets.synthetic.ubody import generate_ubody_dataset
from mmpose_kd.datasets.ubody import (UBodyWholeBodyVideoDataset,
                                      VideoFrameReader)
from tool_loading import load_tool

FRAMES, VIDEOS = 10, 3

tool = load_tool('ubody_extract_frames', register=True)


@pytest.fixture(scope='module')
def ubody_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ubody'))
    generate_ubody_dataset(
        root,
        scenes=('Fitness', 'Speech'),
        videos_per_scene=VIDEOS,
        frames_per_video=FRAMES,
        img_size=(128, 96),
        seed=3)
    return root


@pytest.fixture
def ubody_copy(ubody_root, tmp_path):
    root = str(tmp_path / 'UBody')
    shutil.copytree(ubody_root, root)
    return root


def _written(frames_root):
    return sorted(
        osp.relpath(p, frames_root)
        for p in glob.glob(osp.join(frames_root, '**', '*'), recursive=True)
        if osp.isfile(p))


def _run(root, frames_root, *extra):
    return tool.main(
        [root, '--frames-root', frames_root, '--no-progress', *extra])


def test_extracts_exactly_what_the_dataset_selects(ubody_root, tmp_path):
    frames_root = str(tmp_path / 'frames')
    assert _run(ubody_root, frames_root, '--split', 'train',
                '--frame-interval', '3', '--workers', '2') == 0
    dataset = UBodyWholeBodyVideoDataset(
        data_root=ubody_root,
        split='train',
        frame_interval=3,
        frames_root=frames_root,
        pipeline=[])
    wanted = sorted({
        osp.relpath(dataset.get_data_info(i)['img_path'], frames_root)
        for i in range(len(dataset))
    })
    assert _written(frames_root) == wanted
    # layout <Scene>/<video>/<frame:06d>.png, frames 1, 4, 7, 10; the
    # '_Trim' video keeps its full name; test videos (index 2) are left out
    assert 'Fitness/Fitness_1_Trim1/000007.png' in wanted
    assert {osp.basename(p)
            for p in wanted
            } == {'000001.png', '000004.png', '000007.png', '000010.png'}
    assert not any('_2/' in p for p in wanted)


def test_pixels_come_from_the_shared_decoder(ubody_root, tmp_path):
    frames_root = str(tmp_path / 'frames')
    assert _run(ubody_root, frames_root, '--split', 'test', '--scenes',
                'Speech', '--workers', '1') == 0
    video = osp.join(ubody_root, 'videos', 'Speech', 'Speech_2.mp4')
    reader = VideoFrameReader()
    for k in (1, 5, FRAMES):
        png = cv2.imread(
            osp.join(frames_root, 'Speech', 'Speech_2', f'{k:06d}.png'))
        np.testing.assert_array_equal(png, reader.read(video, k))


def test_resumes_and_leaves_no_partial_files(ubody_root, tmp_path, capsys):
    frames_root = str(tmp_path / 'frames')
    assert _run(ubody_root, frames_root, '--split', 'all') == 0
    first = _written(frames_root)
    assert len(first) == 2 * VIDEOS * FRAMES
    assert not [p for p in first if '.part' in p]
    capsys.readouterr()
    assert _run(ubody_root, frames_root, '--split', 'all') == 0
    assert 'extracted 0 frame(s), 60 already present' in \
        capsys.readouterr().out
    removed = osp.join(frames_root, first[7])
    os.remove(removed)
    # a leftover partial file from a crash is not taken for a frame
    with open(osp.join(osp.dirname(removed), '.000002.png.part.png'),
              'w') as f:
        f.write('partial')
    assert _run(ubody_root, frames_root, '--split', 'all') == 0
    assert 'extracted 1 frame(s), 59 already present' in \
        capsys.readouterr().out
    assert osp.isfile(removed)


def test_reports_unreadable_videos_and_frames(ubody_copy, tmp_path, capsys):
    frames_root = str(tmp_path / 'frames')
    os.remove(osp.join(ubody_copy, 'videos', 'Fitness', 'Fitness_0.mp4'))
    short = osp.join(ubody_copy, 'videos', 'Speech', 'Speech_1_Trim1.mp4')
    capture = cv2.VideoCapture(short)
    from mmpose_kd.datasets.synthetic.ubody import write_video
    write_video(short, [capture.read()[1] for _ in range(6)])
    capture.release()
    with open(osp.join(ubody_copy, 'videos', 'Speech', 'Speech_0.mp4'),
              'wb') as f:
        f.write(b'not a video')
    assert _run(ubody_copy, frames_root, '--split', 'all', '--workers',
                '2') == 1
    out = capsys.readouterr().out
    # 10 (missing) + 4 (frames 7..10 of the short one) + 10 (garbage)
    assert 'could not be read in 3 video(s)' in out
    assert '24 could not be read' in out
    assert 'Fitness/Fitness_0: 10 frame(s) not read (all frames)' in out
    assert 'Speech/Speech_1_Trim1: 4 frame(s) not read (frames 7, 8, 9, 10)' \
        in out
    assert 'Speech/Speech_0: 10 frame(s) not read' in out
    # everything else was extracted
    assert len(_written(frames_root)) == 2 * VIDEOS * FRAMES - 24
