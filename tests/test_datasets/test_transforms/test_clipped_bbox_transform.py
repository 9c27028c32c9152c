"""ClippedNormalBBoxTransform draws the official SSPCM (Simple Baseline /
HRNet) scale and rotation distributions, which mmpose's RandomBBoxTransform
cannot."""
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmpose.registry import TRANSFORMS

from mmpose_kd.datasets.transforms import ClippedNormalBBoxTransform

N = 40000


def _draw(transform, n=N):
    results = dict(
        bbox_center=np.zeros((n, 2), np.float32),
        bbox_scale=np.full((n, 2), 100., np.float32))
    out = transform(results)
    return out['bbox_scale'][:, 0] / 100., out['bbox_rotation']


def test_official_distributions():
    np.random.seed(0)
    scale, rot = _draw(ClippedNormalBBoxTransform())
    # scale = clip(N(1, 0.25), 0.75, 1.25): P(at a bound) = 2 (1 - Phi(1))
    assert scale.min() == pytest.approx(0.75) and \
        scale.max() == pytest.approx(1.25)
    at_bounds = np.isclose(scale, 0.75) | np.isclose(scale, 1.25)
    assert at_bounds.mean() == pytest.approx(0.3173, abs=0.015)
    assert scale.mean() == pytest.approx(1.0, abs=0.01)
    # rotation: 0 with p 0.4, else clip(N(0, 30), -60, 60)
    rotated = rot[rot != 0]
    assert rotated.size / N == pytest.approx(0.6, abs=0.015)
    assert np.abs(rotated).max() == pytest.approx(60.)
    assert np.isclose(np.abs(rotated), 60.).mean() == pytest.approx(
        0.0455, abs=0.008)
    # clipped N(0, 30) at 2 sigma has std 0.9594 * 30 = 28.8 deg
    assert rotated.std() == pytest.approx(28.8, abs=0.8)


def test_differs_from_mmpose_random_bbox_transform():
    """The nearest RandomBBoxTransform settings truncate instead of
    clipping: never exactly at the bounds, and a rotation std of 0.54 r."""
    np.random.seed(0)
    stock = TRANSFORMS.build(
        dict(
            type='RandomBBoxTransform',
            shift_prob=0.,
            scale_factor=(0.75, 1.25),
            rotate_factor=60.,
            rotate_prob=0.6))
    scale, rot = _draw(stock)
    assert (np.isclose(scale, 0.75) | np.isclose(scale, 1.25)).mean() < 0.01
    assert rot[rot != 0].std() == pytest.approx(0.54 * 60, abs=1.)


def test_probabilities_and_factors_apply():
    np.random.seed(1)
    scale, rot = _draw(
        ClippedNormalBBoxTransform(
            scale_prob=0., rotate_prob=1., rotate_factor=10., rotate_clip=1.),
        n=2000)
    assert np.all(scale == 1.)
    assert np.all(rot != 0) and np.abs(rot).max() <= 10.


def test_in_a_topdown_pipeline_keypoints_follow_the_box():
    """Scale and rotation reach TopdownAffine: the box centre stays at the
    image centre and a keypoint moves as the drawn rotation says."""
    np.random.seed(3)
    pipeline = Compose([
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(type='ClippedNormalBBoxTransform', rotate_prob=1.),
        dict(type='TopdownAffine', input_size=(64, 64)),
    ])
    img = np.zeros((200, 200, 3), np.uint8)
    results = pipeline(
        dict(
            img=img,
            img_shape=(200, 200),
            bbox=np.array([[50, 50, 150, 150]], np.float32),
            keypoints=np.array([[[100., 100.], [100., 70.]]], np.float32),
            keypoints_visible=np.ones((1, 2), np.float32)))
    scale = results['bbox_scale'][0, 0] / 100.
    rot = np.deg2rad(results['bbox_rotation'][0])
    center, top = results['transformed_keypoints'][0]
    assert center == pytest.approx([32., 32.], abs=1e-3)
    dist = 30. * 64. / (100. * scale)  # 30 px above the centre, resized
    # mmpose rotates the image content by +rot (counter-clockwise on screen)
    expected = [32. - dist * np.sin(rot), 32. - dist * np.cos(rot)]
    assert top == pytest.approx(expected, abs=1e-2)


@pytest.mark.parametrize('kwargs, match', [
    (dict(scale_factor=1.2), 'scale_factor must be < 1'),
    (dict(rotate_factor=-1.), 'rotate_factor must be >= 0'),
    (dict(rotate_prob=1.5), r'rotate_prob must be in \[0, 1\]'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClippedNormalBBoxTransform(**kwargs)
