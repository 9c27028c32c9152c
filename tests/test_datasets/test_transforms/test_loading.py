"""CheckedLoadImage (mmpose_kd/datasets/transforms/loading.py): a missing or
broken image raises naming the file, or is skipped and counted."""
import copy
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from torch.utils.data import DataLoader, Dataset

from mmpose_kd.datasets import CheckedCocoWholeBodyDataset
from mmpose_kd.datasets.transforms import loading
from mmpose_kd.datasets.transforms.loading import (CheckedLoadImage,
                                                   ImageLoadError)
from bad_input_testing import TRAIN_ANN, damaged_copy


def jpeg_bytes(size=32):
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(
        rng.integers(0, 255, (size, size, 3), np.uint8), (5, 5), 2)
    ok, data = cv2.imencode('.jpg', img)
    assert ok
    return data.tobytes()


def with_exif_thumbnail(jpeg: bytes) -> bytes:
    """``jpeg`` with an APP1 (EXIF) segment holding a whole small JPEG,
    end marker included, as camera files carry."""
    payload = b'Exif\x00\x00' + jpeg_bytes(8)
    segment = b'\xff\xe1' + (len(payload) + 2).to_bytes(2, 'big') + payload
    return jpeg[:2] + segment + jpeg[2:]


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def load(path, **kwargs):
    return CheckedLoadImage(**kwargs)(dict(img_path=path))


@pytest.fixture
def recorded_warnings(monkeypatch):
    messages = []
    monkeypatch.setattr(loading, 'print_log',
                        lambda msg, **kwargs: messages.append(msg))
    return messages


def test_a_good_image_loads_as_with_load_image(tmp_path):
    path = write(tmp_path, 'ok.jpg', jpeg_bytes())
    results = load(path)
    assert results['img'].shape == (32, 32, 3)
    assert results['img_shape'] == results['ori_shape'] == (32, 32)
    # data after the end marker (motion photos) and an EXIF thumbnail are
    # not mistaken for damage
    assert load(write(tmp_path, 'tail.jpg',
                      jpeg_bytes() + b'\x00' * 64))['img'] is not None
    assert load(
        write(tmp_path, 'exif.jpg',
              with_exif_thumbnail(jpeg_bytes())))['img'] is not None


@pytest.mark.parametrize('name,data,reason', [
    ('missing.jpg', None, 'does not exist'),
    ('empty.jpg', b'', 'is empty'),
    ('garbage.jpg', b'this is not an image' * 10, 'cannot be decoded'),
    ('cut.jpg', jpeg_bytes()[:300], 'truncated JPEG'),
    ('cut_exif.jpg', with_exif_thumbnail(
        jpeg_bytes())[:-200], 'truncated JPEG'),
    ('cut.png', cv2.imencode('.png', np.zeros(
        (8, 8, 3), np.uint8))[1].tobytes()[:40], 'truncated PNG'),
])
def test_raise_names_the_file_and_the_problem(tmp_path, name, data, reason):
    path = str(tmp_path /
               name) if data is None else write(tmp_path, name, data)
    with pytest.raises(ImageLoadError) as info:
        load(path)
    assert path in str(info.value) and reason in str(info.value)


def test_skip_warns_with_path_and_running_count(tmp_path, recorded_warnings):
    transform = CheckedLoadImage(on_error='skip')
    missing = str(tmp_path / 'missing.jpg')
    assert transform(dict(img_path=missing)) is None
    assert transform(dict(img_path=missing)) is None
    assert transform.skip_counter.value == 2
    assert len(recorded_warnings) == 2
    assert missing in recorded_warnings[1]
    assert '2 image load(s) skipped so far' in recorded_warnings[1]
    # a copy of the pipeline counts into the same tally
    assert copy.deepcopy(transform).skip_counter is transform.skip_counter


def test_skip_still_raises_in_test_mode(tmp_path, recorded_warnings):
    """At val/test time every image must be evaluated, and mmengine's own
    error for a None names no file."""
    transform = CheckedLoadImage(on_error='skip')
    missing = str(tmp_path / 'missing.jpg')
    with pytest.raises(ImageLoadError, match='does not apply at validation'):
        transform(
            dict(img_path=missing, dataset=SimpleNamespace(test_mode=True)))
    assert transform.skip_counter.value == 0 and not recorded_warnings
    assert transform(
        dict(img_path=missing,
             dataset=SimpleNamespace(test_mode=False))) is None


def test_an_image_already_decoded_is_kept():
    img = np.zeros((5, 7, 3), np.uint8)
    results = CheckedLoadImage()(dict(img=img, img_path='video.mp4#frame=1'))
    assert results['img'] is img and results['img_shape'] == (5, 7)


def test_bad_arguments():
    with pytest.raises(ValueError, match='on_error'):
        CheckedLoadImage(on_error='ignore')
    with pytest.raises(ValueError, match='ignore_empty'):
        CheckedLoadImage(ignore_empty=True)


class PipelineReturnsNone(Dataset):
    """Runs the dataset's pipeline on sample ``i`` without mmengine's
    refetch, so the number of skips is known exactly."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, idx):
        return self.dataset.prepare_data(idx) is None


def test_skips_in_worker_processes_add_up_in_the_main_process(
        tiny_wholebody, tmp_path):
    root = tmp_path / 'data'
    missing, corrupt, bad_instances = damaged_copy(tiny_wholebody, root)
    dataset = CheckedCocoWholeBodyDataset(
        data_root=str(root),
        ann_file=TRAIN_ANN,
        data_prefix=dict(img='train2017/'),
        pipeline=[dict(type='CheckedLoadImage', on_error='skip')])
    counter = dataset.pipeline.transforms[0].skip_counter
    assert osp.exists(corrupt) and not osp.exists(missing)
    loader = DataLoader(
        PipelineReturnsNone(dataset),
        batch_size=2,
        num_workers=2,
        collate_fn=list)
    skipped = sum(sum(batch) for batch in loader)
    assert skipped == bad_instances > 0
    assert counter.value == bad_instances  # read in the main process
