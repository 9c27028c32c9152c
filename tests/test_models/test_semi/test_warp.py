"""Tests of the hard-view affine (mmpose_kd/models/semi/warp.py)."""
import math

import pytest
import torch

from mmpose_kd.models.semi.pcm import heatmap_argmax
from mmpose_kd.models.semi.warp import (affine_theta, sample_hard_affine,
                                        warp_heatmaps, warp_images,
                                        warp_points)

IMG_H, IMG_W = 256, 192
HM_H, HM_W = 64, 48
RATIO = IMG_W / HM_W  # 4


def gaussian(height, width, points, sigma):
    """[N, 1, H, W] with a Gaussian blob at points[n] = (x, y)."""
    ys = torch.arange(height, dtype=torch.float32)[:, None]
    xs = torch.arange(width, dtype=torch.float32)[None, :]
    blobs = [
        torch.exp(-((xs - x)**2 + (ys - y)**2) / (2 * sigma**2))
        for x, y in points
    ]
    return torch.stack(blobs)[:, None]


def image_to_heatmap(xy):
    # Same normalised coordinate (align_corners=False convention).
    return (xy + 0.5) / RATIO - 0.5


def centroid(maps):
    """[N, 1, H, W] -> [N, 2] intensity-weighted (x, y)."""
    _, _, height, width = maps.shape
    ys = torch.arange(height, dtype=maps.dtype)[:, None]
    xs = torch.arange(width, dtype=maps.dtype)[None, :]
    total = maps.sum(dim=(-1, -2))
    x = (maps * xs).sum(dim=(-1, -2)) / total
    y = (maps * ys).sum(dim=(-1, -2)) / total
    return torch.stack((x, y), dim=-1)[:, 0]


def test_identity_theta_is_a_no_op():
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 16, 12, generator=gen)
    theta = torch.eye(2, 3).repeat(2, 1, 1)
    assert torch.allclose(warp_images(images, theta), images, atol=1e-6)
    assert torch.allclose(warp_heatmaps(images, theta), images, atol=1e-6)
    points = torch.tensor([[[3., 4.]], [[11., 0.]]])
    assert torch.allclose(warp_points(points, theta, (16, 12)), points)
    # Angle 0 and scale 1 build the identity.
    built = affine_theta(torch.zeros(2), torch.ones(2), 16, 12)
    assert torch.allclose(built, theta)


def test_positive_angle_turns_counter_clockwise_and_scale_enlarges():
    # Odd sizes put the centre on a pixel centre: (cx, cy) = (3, 4).
    height, width = 9, 7
    right_of_centre = torch.tensor([[[4., 4.]]])
    theta = affine_theta(
        torch.tensor([90.]), torch.tensor([1.]), height, width)
    # Right of the centre goes up (y points down in images).
    assert torch.allclose(
        warp_points(right_of_centre, theta, (height, width)),
        torch.tensor([[[3., 3.]]]),
        atol=1e-5)
    theta = affine_theta(torch.tensor([0.]), torch.tensor([2.]), height, width)
    assert torch.allclose(
        warp_points(right_of_centre, theta, (height, width)),
        torch.tensor([[[5., 4.]]]),
        atol=1e-5)


@pytest.mark.parametrize('angle,scale', [(90., 1.), (-90., 1.), (0., 2.),
                                         (180., 1.)])
def test_a_single_pixel_lands_where_warp_points_says(angle, scale):
    # Exact pixel-to-pixel maps on a non-square image with odd sizes.
    height, width = 11, 9
    source = torch.tensor([[[5., 3.]]])  # (x, y), off-centre on both axes
    image = torch.zeros(1, 1, height, width)
    image[0, 0, 3, 5] = 1.
    theta = affine_theta(
        torch.tensor([angle]), torch.tensor([scale]), height, width)
    warped = warp_images(image, theta)
    landed = warp_points(source, theta, (height, width))[0, 0]
    x, y = int(round(landed[0].item())), int(round(landed[1].item()))
    assert torch.allclose(
        landed, torch.tensor([float(x), float(y)]), atol=1e-4)
    assert warped[0, 0, y, x].item() == pytest.approx(1., abs=1e-4)


def test_rotation_preserves_pixel_distances_on_non_square_images():
    # The paper's code rotates in normalised coordinates, which shears a
    # 192x256 image; ours must be a true rotation and scale in pixels.
    theta = affine_theta(
        torch.tensor([37.]), torch.tensor([1.2]), IMG_H, IMG_W)
    points = torch.tensor([[[20., 30.], [150., 200.], [100., 10.]]])
    warped = warp_points(points, theta, (IMG_H, IMG_W))
    before = torch.cdist(points, points)
    after = torch.cdist(warped, warped)
    assert torch.allclose(after, 1.2 * before, rtol=1e-4)


def test_warp_points_agrees_with_a_warped_blob():
    gen = torch.Generator().manual_seed(1)
    points = [(96., 128.), (60., 90.), (130., 170.), (80., 150.)]
    theta = sample_hard_affine(4, IMG_H, IMG_W, generator=gen)
    images = gaussian(IMG_H, IMG_W, points, sigma=4.)
    warped = warp_images(images, theta)
    expected = warp_points(
        torch.tensor(points)[:, None], theta, (IMG_H, IMG_W))[:, 0]
    # Blobs stay well inside the image, so the centroid is unbiased.
    inside = ((expected > 15) &
              (expected < torch.tensor([IMG_W - 15., IMG_H - 15.])))
    assert inside.all()
    assert torch.allclose(centroid(warped), expected, atol=0.1)


def test_heatmap_warp_is_aligned_with_image_warp():
    gen = torch.Generator().manual_seed(2)
    # Within 45 px of the centre: after scale <= 1.25 the blobs (3 sigma =
    # 24 px) stay inside the image whatever the rotation.
    points = torch.tensor([[70., 100.], [120., 160.], [96., 128.], [60., 105.],
                           [125., 100.], [80., 160.]])
    num = len(points)
    theta = sample_hard_affine(num, IMG_H, IMG_W, generator=gen)
    images = gaussian(IMG_H, IMG_W, points.tolist(), sigma=8.)
    heatmaps = gaussian(
        HM_H, HM_W, image_to_heatmap(points).tolist(), sigma=2.)
    img_xy, _ = heatmap_argmax(warp_images(images, theta))
    hm_xy, _ = heatmap_argmax(warp_heatmaps(heatmaps, theta))
    # Within one heatmap pixel (RATIO image pixels) on both axes.
    assert ((img_xy / RATIO - hm_xy).abs() <= 1.).all()
    # And the sub-pixel centroids agree much more tightly.
    hm_centroid = centroid(warp_heatmaps(heatmaps, theta))
    img_centroid = centroid(warp_images(images, theta))
    assert torch.allclose(
        image_to_heatmap(img_centroid), hm_centroid, atol=0.1)
    # And both agree with where warp_points moves the source point.
    expected = warp_points(points[:, None], theta, (IMG_H, IMG_W))[:, 0]
    assert torch.allclose(img_centroid, expected, atol=0.2)


def test_sampler_statistics_match_the_paper_setting():
    gen = torch.Generator().manual_seed(3)
    num = 20000
    theta, (angle, scale, shift) = sample_hard_affine(
        num, IMG_H, IMG_W, generator=gen, return_params=True)
    assert (shift == 0).all()  # the paper's setting has no shift
    assert theta.shape == (num, 2, 3) and theta.dtype == torch.float32
    assert torch.allclose(theta, affine_theta(angle, scale, IMG_H, IMG_W))
    rotated = angle != 0
    assert rotated.float().mean().item() == pytest.approx(0.8, abs=0.02)
    assert angle.abs().max().item() <= 60.
    # N(0, 30) clipped at +-60: about 4.6 % of rotated samples sit at the clip.
    at_clip = (angle[rotated].abs() == 60.).float().mean().item()
    assert at_clip == pytest.approx(0.0455, abs=0.01)
    assert angle[rotated].std().item() == pytest.approx(28.8, abs=1.0)
    assert scale.min().item() >= 0.75 and scale.max().item() <= 1.25
    # N(1, 0.25) clipped to [0.75, 1.25]: about 31.7 % at the clips.
    clipped = ((scale == 0.75) | (scale == 1.25)).float().mean().item()
    assert clipped == pytest.approx(0.317, abs=0.02)
    assert scale.mean().item() == pytest.approx(1., abs=0.01)


def test_sampler_options_and_determinism():

    def seeded(seed):
        return torch.Generator().manual_seed(seed)

    first = sample_hard_affine(5, 8, 6, generator=seeded(7))
    again = sample_hard_affine(5, 8, 6, generator=seeded(7))
    other = sample_hard_affine(5, 8, 6, generator=seeded(8))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    _, (angle, scale, _) = sample_hard_affine(
        100,
        8,
        6,
        rot_prob=0.,
        scale_std=0.,
        return_params=True,
        generator=torch.Generator().manual_seed(0))
    assert (angle == 0).all() and (scale == 1).all()
    with pytest.raises(ValueError, match='rot_prob'):
        sample_hard_affine(2, 8, 6, rot_prob=1.5)
    with pytest.raises(ValueError, match='scale_range'):
        sample_hard_affine(2, 8, 6, scale_range=(1.2, 0.8))
    with pytest.raises(ValueError, match='shift_factor'):
        sample_hard_affine(2, 8, 6, shift_factor=1.5)


def test_shift_moves_points_and_content_alike():
    gen = torch.Generator().manual_seed(5)
    num = 2000
    theta, (angle, scale, shift) = sample_hard_affine(
        num, IMG_H, IMG_W, shift_factor=0.2, generator=gen, return_params=True)
    # uniform in +-0.2 of the size, and theta is the deterministic one
    assert shift[:, 0].abs().max() <= 0.2 * IMG_W
    assert shift[:, 1].abs().max() <= 0.2 * IMG_H
    assert shift[:, 0].abs().max() > 0.19 * IMG_W
    assert shift.mean(0).abs().max() < 0.01 * IMG_H
    assert torch.allclose(theta, affine_theta(angle, scale, IMG_H, IMG_W,
                                              shift))
    # the image centre is no longer left in place: it lands at centre+shift
    # after rotation and scale about it
    centre = torch.tensor([(IMG_W - 1) / 2., (IMG_H - 1) / 2.])
    moved = warp_points(centre.expand(num, 1, 2), theta, (IMG_H, IMG_W))
    assert torch.allclose(moved[:, 0], centre + shift, atol=1e-3)
    # a pure shift moves every point by it, and the image content with it
    pure = affine_theta(
        torch.zeros(1), torch.ones(1), IMG_H, IMG_W, torch.tensor([[5., -3.]]))
    point = torch.tensor([[[20., 30.]]])
    assert torch.allclose(
        warp_points(point, pure, (IMG_H, IMG_W)),
        torch.tensor([[[25., 27.]]]),
        atol=1e-4)
    image = torch.zeros(1, 1, IMG_H, IMG_W)
    image[0, 0, 30, 20] = 1.
    warped = warp_images(image, pure)
    assert warped[0, 0, 27, 25] == pytest.approx(1., abs=1e-5)


def test_warp_rejects_a_theta_of_the_wrong_batch():
    with pytest.raises(ValueError, match='theta must be'):
        warp_images(torch.zeros(2, 3, 8, 6), torch.eye(2, 3)[None])
    with pytest.raises(ValueError, match='heatmaps must be'):
        warp_heatmaps(torch.zeros(3, 8, 6), torch.eye(2, 3)[None])


def test_angle_of_the_built_theta():
    # Reading the rotation back from theta (pixel space) gives the angle.
    theta = affine_theta(torch.tensor([25.]), torch.tensor([1.]), IMG_H, IMG_W)
    aspect = IMG_H / IMG_W
    sin = theta[0, 1, 0].item() * aspect  # (inverse) sin
    cos = theta[0, 0, 0].item()
    assert math.degrees(math.atan2(sin, cos)) == pytest.approx(25., abs=1e-4)
