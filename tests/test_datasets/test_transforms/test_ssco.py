"""Tests of SemiCutOcclude (mmpose_kd/datasets/transforms/ssco.py)."""
import numpy as np
import pytest
import torch

from mmpose_kd.datasets.transforms.ssco import SemiCutOcclude

H, W = 40, 30  # non-square on purpose: swapped x/y would index wrongly


def coded_images(num, channels=2, height=H, width=W):
    """Pixel values that say where they come from: n, c, y, x."""
    n = torch.arange(num).view(-1, 1, 1, 1) * 100000
    c = torch.arange(channels).view(1, -1, 1, 1) * 10000
    y = torch.arange(height).view(1, 1, -1, 1) * 100
    x = torch.arange(width).view(1, 1, 1, -1)
    return (n + c + y + x).float().expand(num, channels, height,
                                          width).contiguous()


def decode(values):
    values = values.long()
    return values // 100000, values % 10000 // 100, values % 100


def exact_ssco(half, **kwargs):
    """No jitter, a fixed half size, sizes given at the images' own size."""
    return SemiCutOcclude(num_patches=1, half_size_range=(half, half),
                          jitter_std=0., ref_size=(W, H), **kwargs)


def test_pastes_the_source_patch_at_the_destination_keypoint():
    images = coded_images(2)
    # Asymmetric keypoints: (x, y) = (5, 20) in image 0, (22, 8) in image 1.
    keypoints = torch.tensor([[[5., 20.]], [[22., 8.]]])
    out, boxes = exact_ssco(3, generator=0)(images, keypoints)
    # Image 0 borrows from image 1 (the only other image) and vice versa.
    assert boxes.tolist() == [[[2, 17, 8, 23]], [[19, 5, 25, 11]]]
    # Destination rows 17..22, columns 2..7 of image 0 hold image 1's rows
    # 5..10, columns 19..24 (x offset +17, y offset -12), every channel.
    assert torch.equal(out[0, :, 17:23, 2:8], images[1, :, 5:11, 19:25])
    assert torch.equal(out[1, :, 5:11, 19:25], images[0, :, 17:23, 2:8])
    # Nothing else changed.
    changed = (out != images).any(dim=1)
    expected = torch.zeros_like(changed)
    expected[0, 17:23, 2:8] = True
    expected[1, 5:11, 19:25] = True
    assert torch.equal(changed, expected)


def test_half_sizes_scale_per_axis_with_ref_size():
    images = coded_images(2)
    keypoints = torch.tensor([[[5., 20.]], [[22., 8.]]])
    # Half size 4 at a reference of 60 x 40: 2 px in x, 4 px in y here.
    ssco = SemiCutOcclude(num_patches=1, half_size_range=(4, 4),
                          jitter_std=0., ref_size=(2 * W, H), generator=0)
    out, boxes = ssco(images, keypoints)
    assert boxes[0, 0].tolist() == [3, 16, 7, 24]
    assert torch.equal(out[0, :, 16:24, 3:7], images[1, :, 4:12, 20:24])


def test_patches_are_clipped_at_the_borders():
    images = coded_images(2)
    # Destination near the left/bottom border of image 0; its source (image
    # 1) near the top/right border, so both clip.
    keypoints = torch.tensor([[[1., 38.]], [[28., 2.]]])
    out, boxes = exact_ssco(5, generator=0)(images, keypoints)
    # shift = source - destination = (27, -36). Destination x in [-4, 6)
    # clipped to [0, 3) by the source's right border (x + 27 < 30); y in
    # [33, 43) clipped to [36, 40) by the source's top (y - 36 >= 0) and the
    # destination's bottom.
    assert boxes[0, 0].tolist() == [0, 36, 3, 40]
    assert torch.equal(out[0, :, 36:40, 0:3], images[1, :, 0:4, 27:30])
    assert torch.equal(out[0, :, :36], images[0, :, :36])
    assert torch.equal(out[0, :, :, 3:], images[0, :, :, 3:])
    # Image 1, destination x in [23, 33) -> [23, 30) by its own border, and
    # by the source (x - 27 >= 0): [27, 30); y in [-3, 7) -> [0, 4) by the
    # source's bottom (y + 36 < 40).
    assert boxes[1, 0].tolist() == [27, 0, 30, 4]
    assert torch.equal(out[1, :, 0:4, 27:30], images[0, :, 36:40, 0:3])


def test_a_patch_that_clips_away_entirely_is_skipped():
    images = coded_images(2)
    # Pseudo keypoints may leave the image: patches centred there vanish.
    keypoints = torch.tensor([[[-10., 5.]], [[15., 60.]]])
    out, boxes = exact_ssco(3, generator=0)(images, keypoints)
    assert (boxes == 0).all()
    assert torch.equal(out, images)


def test_only_valid_keypoints_are_used():
    images = coded_images(3)
    gen = torch.Generator().manual_seed(0)
    keypoints = torch.rand(3, 6, 2, generator=gen) * torch.tensor([W, H])
    keypoints = keypoints.round()
    keypoints[:, 4] = torch.tensor([[8., 12.], [20., 30.], [15., 25.]])
    valid = torch.zeros(3, 6, dtype=torch.bool)
    valid[:, 4] = True
    ssco = SemiCutOcclude(num_patches=2, half_size_range=(2, 2),
                          jitter_std=0., ref_size=(W, H), generator=1)
    out, boxes = ssco(images, keypoints, valid)
    centres = keypoints[:, 4].long()
    for n in range(3):
        x, y = centres[n].tolist()
        # One valid keypoint: the first patch uses it, the second is skipped.
        assert boxes[n, 0].tolist() == [x - 2, y - 2, x + 2, y + 2]
        assert boxes[n, 1].tolist() == [0, 0, 0, 0]
        src_n, src_y, src_x = decode(out[n, 0, y - 2:y + 2, x - 2:x + 2])
        assert (src_n != n).all()
        source = src_n[0, 0].item()
        sx, sy = centres[source].tolist()
        assert torch.equal(out[n, :, y - 2:y + 2, x - 2:x + 2],
                           images[source, :, sy - 2:sy + 2, sx - 2:sx + 2])
    # No valid keypoint: nothing changes.
    out, boxes = ssco(images, keypoints, torch.zeros(3, 6, dtype=torch.bool))
    assert torch.equal(out, images) and (boxes == 0).all()


def test_non_finite_keypoints_count_as_invalid():
    images = coded_images(2)
    keypoints = torch.tensor([[[float('nan'), 3.], [5., 20.]],
                              [[22., 8.], [float('inf'), 1.]]])
    out, boxes = exact_ssco(3, generator=0)(images, keypoints)
    assert boxes[:, 0].tolist() == [[2, 17, 8, 23], [19, 5, 25, 11]]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_source_is_another_image_of_the_batch(seed):
    num = 5
    images = torch.arange(num).float().view(-1, 1, 1, 1).expand(
        num, 3, H, W).contiguous()
    keypoints = torch.full((num, 4, 2), 15.)
    ssco = SemiCutOcclude(num_patches=2, half_size_range=(6, 6),
                          jitter_std=3., ref_size=(W, H), generator=seed)
    out, boxes = ssco(images, keypoints)
    for n in range(num):
        x1, y1, x2, y2 = boxes[n, 1].tolist()
        assert x2 > x1 and y2 > y1
        pasted = out[n, :, y1:y2, x1:x2]
        assert (pasted != n).all()
        assert len(pasted.unique()) == 1  # one source image per image


def test_random_patches_are_exact_copies_of_a_shifted_source():
    """With jitter and random sizes: inside each box, every pixel comes from
    one other image at one constant offset; outside all boxes nothing
    changes."""
    num, num_kpts = 6, 9
    images = coded_images(num)
    gen = torch.Generator().manual_seed(5)
    keypoints = torch.rand(num, num_kpts, 2, generator=gen) * torch.tensor(
        [W - 1., H - 1.])
    ssco = SemiCutOcclude(ref_size=(W, H), half_size_range=(3, 8),
                          jitter_std=4., generator=11)
    out, boxes = ssco(images, keypoints)
    inside_any = torch.zeros(num, H, W, dtype=torch.bool)
    for n in range(num):
        for p in range(boxes.shape[1]):
            x1, y1, x2, y2 = boxes[n, p].tolist()
            inside_any[n, y1:y2, x1:x2] = True
    assert torch.equal((out != images).any(dim=1) | inside_any, inside_any)
    for n in range(num):
        # The last patch is never overwritten: check it exactly.
        x1, y1, x2, y2 = boxes[n, -1].tolist()
        if x2 <= x1:
            continue
        src_n, src_y, src_x = decode(out[n, 0, y1:y2, x1:x2])
        assert len(src_n.unique()) == 1 and src_n[0, 0] != n
        dy = src_y - torch.arange(y1, y2)[:, None]
        dx = src_x - torch.arange(x1, x2)[None, :]
        assert len(dy.unique()) == 1 and len(dx.unique()) == 1
        source = src_n[0, 0].item()
        sy, sx = y1 + dy[0, 0].item(), x1 + dx[0, 0].item()
        assert torch.equal(out[n, :, y1:y2, x1:x2],
                           images[source, :, sy:sy + y2 - y1,
                                  sx:sx + x2 - x1])


def test_half_sizes_and_jitter_follow_the_paper_ranges():
    # 256 x 192 images, no jitter: box sides are 2 * half with half in
    # [10, 20] px, independently per axis.
    num, height, width = 64, 256, 192
    images = torch.zeros(num, 1, height, width)
    images[::2] = 1.
    keypoints = torch.tensor([96., 128.]).expand(num, 17, 2).contiguous()
    ssco = SemiCutOcclude(jitter_std=0., generator=0)
    _, boxes = ssco(images, keypoints)
    sides = boxes[..., 2:] - boxes[..., :2]
    assert sides.min() >= 20 and sides.max() <= 40
    assert (sides % 2 == 0).all()
    assert (sides[..., 0] != sides[..., 1]).any()
    # With jitter the box centres spread around the keypoint by ~10 px.
    ssco = SemiCutOcclude(jitter_std=10., generator=0)
    _, boxes = ssco(images, keypoints)
    centres = (boxes[..., :2] + boxes[..., 2:]).float() / 2
    spread = (centres - torch.tensor([96., 128.])).std()
    assert 6. < spread.item() < 14.


def test_jitter_zero_and_generator_make_it_deterministic():
    images = coded_images(4)
    gen = torch.Generator().manual_seed(3)
    keypoints = torch.rand(4, 7, 2, generator=gen) * torch.tensor([W, H])
    first = SemiCutOcclude(ref_size=(W, H), generator=42)(images, keypoints)
    again = SemiCutOcclude(ref_size=(W, H), generator=42)(images, keypoints)
    other = SemiCutOcclude(ref_size=(W, H), generator=43)(images, keypoints)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[1], other[1])
    # A per-call generator overrides the stored one.
    ssco = SemiCutOcclude(ref_size=(W, H))
    a = ssco(images, keypoints, generator=torch.Generator().manual_seed(42))
    assert torch.equal(a[1], first[1])


def test_input_batch_is_not_modified():
    images = coded_images(3)
    before = images.clone()
    keypoints = torch.full((3, 2, 2), 15.)
    exact_ssco(4, generator=0)(images, keypoints)
    assert torch.equal(images, before)


def test_inplace_gives_the_same_result_and_never_copies_pasted_pixels():
    # Image 1 reads from the region of image 0 that image 0's own patch
    # overwrites: in place, it must still get image 0's original pixels.
    images = coded_images(2)
    keypoints = torch.tensor([[[5., 20.]], [[22., 8.]]])
    expected, expected_boxes = exact_ssco(3, generator=0)(images, keypoints)
    batch = images.clone()
    out, boxes = exact_ssco(3, generator=0)(batch, keypoints, inplace=True)
    assert out.data_ptr() == batch.data_ptr()
    assert torch.equal(out, expected) and torch.equal(boxes, expected_boxes)
    assert torch.equal(out[1, :, 5:11, 19:25], images[0, :, 17:23, 2:8])
    # Random case with overlapping patches.
    gen = torch.Generator().manual_seed(9)
    keypoints = torch.rand(4, 3, 2, generator=gen) * torch.tensor([W, H])
    images = coded_images(4)
    ssco = SemiCutOcclude(ref_size=(W, H), half_size_range=(6, 9))
    expected, _ = ssco(images, keypoints,
                       generator=torch.Generator().manual_seed(1))
    batch = images.clone()
    ssco(batch, keypoints, generator=torch.Generator().manual_seed(1),
         inplace=True)
    assert torch.equal(batch, expected)


def test_transform_on_a_results_dict():
    images = coded_images(2)
    results = dict(
        inputs=images,
        keypoints=np.array([[[5., 20.], [1., 1.]], [[22., 8.], [3., 3.]]]),
        keypoints_visible=np.array([[1., 0.], [0.9, 0.]]))
    out = exact_ssco(3, generator=0)(results)
    assert out is results
    assert out['ssco_boxes'][:, 0].tolist() == [[2, 17, 8, 23],
                                                [19, 5, 25, 11]]
    assert torch.equal(out['inputs'][0, :, 17:23, 2:8],
                       images[1, :, 5:11, 19:25])


def test_registered_and_bad_inputs_are_named():
    from mmpose.registry import TRANSFORMS
    ssco = TRANSFORMS.build(dict(type='SemiCutOcclude', generator=0))
    assert isinstance(ssco, SemiCutOcclude)
    with pytest.raises(ValueError, match='keypoints must be'):
        ssco(torch.zeros(2, 3, 8, 6), torch.zeros(3, 4, 2))
    with pytest.raises(ValueError, match='valid must be'):
        ssco(torch.zeros(2, 3, 8, 6), torch.zeros(2, 4, 2),
             torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(KeyError, match='keypoints'):
        ssco(dict(inputs=torch.zeros(2, 3, 8, 6)))
    with pytest.raises(ValueError, match='half_size_range'):
        SemiCutOcclude(half_size_range=(20, 10))
