"""Tests of SemiCutOcclude
(mmpose_kd/models/semi/semi_cut_occlude.py)."""
import numpy as np
import pytest
import torch

from mmpose_kd.models.semi.semi_cut_occlude import SemiCutOcclude

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
    return SemiCutOcclude(
        num_patches=1,
        half_size_range=(half, half),
        jitter_std=0.,
        ref_size=(W, H),
        **kwargs)


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
    ssco = SemiCutOcclude(
        num_patches=1,
        half_size_range=(4, 4),
        jitter_std=0.,
        ref_size=(2 * W, H),
        generator=0)
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
    ssco = SemiCutOcclude(
        num_patches=2,
        half_size_range=(2, 2),
        jitter_std=0.,
        ref_size=(W, H),
        generator=1)
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
    images = torch.arange(num).float().view(-1, 1, 1,
                                            1).expand(num, 3, H,
                                                      W).contiguous()
    keypoints = torch.full((num, 4, 2), 15.)
    ssco = SemiCutOcclude(
        num_patches=2,
        half_size_range=(6, 6),
        jitter_std=3.,
        ref_size=(W, H),
        generator=seed)
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
    keypoints = torch.rand(
        num, num_kpts, 2, generator=gen) * torch.tensor([W - 1., H - 1.])
    ssco = SemiCutOcclude(
        ref_size=(W, H), half_size_range=(3, 8), jitter_std=4., generator=11)
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
                           images[source, :, sy:sy + y2 - y1, sx:sx + x2 - x1])


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
    expected, _ = ssco(
        images, keypoints, generator=torch.Generator().manual_seed(1))
    batch = images.clone()
    ssco(
        batch,
        keypoints,
        generator=torch.Generator().manual_seed(1),
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
    assert torch.equal(out['inputs'][0, :, 17:23, 2:8], images[1, :, 5:11,
                                                               19:25])


def test_registered_and_bad_inputs_are_named():
    from mmpose.registry import TRANSFORMS
    ssco = TRANSFORMS.build(dict(type='SemiCutOcclude', generator=0))
    assert isinstance(ssco, SemiCutOcclude)
    with pytest.raises(ValueError, match='keypoints must be'):
        ssco(torch.zeros(2, 3, 8, 6), torch.zeros(3, 4, 2))
    with pytest.raises(ValueError, match='valid must be'):
        ssco(
            torch.zeros(2, 3, 8, 6), torch.zeros(2, 4, 2),
            torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(KeyError, match='keypoints'):
        ssco(dict(inputs=torch.zeros(2, 3, 8, 6)))
    with pytest.raises(ValueError, match='half_size_range'):
        SemiCutOcclude(half_size_range=(20, 10))


# --------------------------------------------------------------------------
# official_placement=True: the released cutmix_based_on_keypoint_perception


def released_cutmix(image, joints, draws, jitter_std):
    """hlz0606/SSPCM (commit 7a8ac57) SSPCM/lib/models/my_pose_triple.py
    l. 836-921, verbatim but for its random draws, which are given here
    (``torch.randn``, ``torch.randint(10, 20)``, ``np.random.choice`` twice
    and ``np.random.randint`` per image), and ``.cuda()``."""
    image_tmp = image.clone()
    N, J = joints.shape[:2]
    _, _, height, width = image.shape
    re_joints = joints[:, :, :2] + draws['jitter'] * jitter_std
    re_joints = 0 + re_joints.int()
    size = draws['half'].int()
    center_x = re_joints[:, :, 1].clone()
    center_y = re_joints[:, :, 0].clone()
    x0 = re_joints[:, :, 1] - size[:, :, 1]
    y0 = re_joints[:, :, 0] - size[:, :, 0]
    x1 = re_joints[:, :, 1] + size[:, :, 1]
    y1 = re_joints[:, :, 0] + size[:, :, 0]
    x0 = torch.clamp(x0, 0, width - 1)
    x1 = torch.clamp(x1, 0, width - 1)
    y0 = torch.clamp(y0, 0, height - 1)
    y1 = torch.clamp(y1, 0, height - 1)
    for i in range(N):
        ind = draws['dst_kpt'][i].numpy()
        ind_2 = draws['src_kpt'][i].numpy()
        img_id = int(draws['source_image'][i])
        for idx in range(len(ind)):
            j = ind[idx]
            j2 = ind_2[idx]
            x_start = center_x[i,
                               j] - abs(x0[img_id, j2] - center_x[img_id, j2])
            x_end = center_x[i, j] + abs(x1[img_id, j2] - center_x[img_id, j2])
            y_start = center_y[i,
                               j] - abs(y0[img_id, j2] - center_y[img_id, j2])
            y_end = center_y[i, j] + abs(y1[img_id, j2] - center_y[img_id, j2])
            x_start = torch.clamp(x_start, 0, width - 1)
            x_end = torch.clamp(x_end, 0, width - 1)
            y_start = torch.clamp(y_start, 0, height - 1)
            y_end = torch.clamp(y_end, 0, height - 1)
            src = image[img_id, :, y0[img_id, j2]:y1[img_id, j2],
                        x0[img_id, j2]:x1[img_id, j2]]
            dst = image[i, :, y_start:y_end, x_start:x_end]
            offset_y = abs(src.shape[-2] - dst.shape[-2])
            offset_x = abs(src.shape[-1] - dst.shape[-1])
            offset_y_start = offset_x_start = offset_y_end = offset_x_end = 0
            if y_start == 0:
                offset_y_start = offset_y
            if x_start == 0:
                offset_x_start = offset_x
            if y_end == height - 1:
                offset_y_end = offset_y
            if x_end == width - 1:
                offset_x_end = offset_x
            trimmed = image[img_id, :, y0[img_id, j2] +
                            offset_y_start:y1[img_id, j2] - offset_y_end,
                            x0[img_id, j2] + offset_x_start:x1[img_id, j2] -
                            offset_x_end]
            if dst.shape[-1] == 0 or dst.shape[-2] == 0:
                pass
            elif trimmed.shape[-1] == 0 or trimmed.shape[-2] == 0:
                image[i, :, y_start:y_end, x_start:x_end] = 0
            elif dst.shape != trimmed.shape:
                image[i, :, y_start:y_end, x_start:x_end] = 0
            else:
                image[i, :, y_start:y_end, x_start:x_end] = \
                    image_tmp[img_id, :,
                              y0[img_id, j2] + offset_y_start:y1[img_id, j2] -
                              offset_y_end, x0[img_id, j2] +
                              offset_x_start:x1[img_id, j2] - offset_x_end]
    return image


def official_draws(ssco, num, num_kpts, seed):
    from mmpose_kd.models.semi.semi_cut_occlude import _Random
    from mmpose_kd.models.semi.semi_cut_occlude_official import official_draws
    rand = _Random(torch.Generator().manual_seed(seed), torch.device('cpu'))
    return official_draws(ssco, num, num_kpts, rand)


@pytest.mark.parametrize('size_hw', [(H, W), (64, 48), (256, 192)])
def test_official_placement_matches_the_released_function(size_hw):
    """Same draws -> the same pixels as the released code, on keypoints all
    over and around the image (many patches clip, trim, or are zeroed)."""
    height, width = size_hw
    num, num_kpts = 5, 6
    ssco = SemiCutOcclude(num_patches=3, official_placement=True)
    kinds = dict(pasted=0, zeroed=0, skipped=0)
    for seed in range(20):
        gen = torch.Generator().manual_seed(100 + seed)
        # x in [-20, W + 20), y in [-20, H + 20): after the swap, rows and
        # columns leave the image often (H != W).
        keypoints = (
            torch.rand(num, num_kpts, 2, generator=gen) *
            torch.tensor([width + 40., height + 40.]) - 20.)
        images = coded_images(num, height=height, width=width) + 1.
        draws = official_draws(ssco, num, num_kpts, seed)
        expected = released_cutmix(images.clone(), keypoints, draws, 10.)
        out, boxes = ssco(images, keypoints, generator=seed)
        assert torch.equal(out, expected)
        # In place: the same, sources still the input pixels.
        batch = images.clone()
        ssco(batch, keypoints, generator=seed, inplace=True)
        assert torch.equal(batch, expected)
        # boxes: every written box; nothing changes outside them.
        inside = torch.zeros(num, height, width, dtype=torch.bool)
        for n in range(num):
            for p in range(3):
                x1, y1, x2, y2 = boxes[n, p].tolist()
                inside[n, y1:y2, x1:x2] = True
                if x2 <= x1:
                    kinds['skipped'] += 1
                elif (out[n, :, y1:y2, x1:x2] == 0).all():
                    kinds['zeroed'] += 1  # input pixels are >= 1
                else:
                    kinds['pasted'] += 1
        assert torch.equal((out != images).any(dim=1) & ~inside,
                           torch.zeros_like(inside))
    assert min(kinds.values()) > 0, kinds


def test_official_placement_swaps_x_and_y_and_uses_batch_pixels():
    images = coded_images(2)  # H 40 x W 30
    # (x, y) = (20.7, 10.6) in image 0 and (12.2, 22.9) in image 1; the
    # released code truncates and swaps: centre column = y, row = x.
    keypoints = torch.tensor([[[20.7, 10.6]], [[12.2, 22.9]]])
    centre_cr = {0: (10, 20), 1: (22, 12)}  # (column, row)
    # Half size 4 px of the batch: ref_size (2 W, H) is not used (the
    # default placement would make it 2 px in x).
    ssco = SemiCutOcclude(
        num_patches=1,
        half_size_range=(4, 4),
        jitter_std=0.,
        ref_size=(2 * W, H),
        official_placement=True)
    sources = set()
    for seed in range(12):
        out, boxes = ssco(images, keypoints, generator=seed)
        for n in range(2):
            col, row = centre_cr[n]
            assert boxes[n, 0].tolist() == [col - 4, row - 4, col + 4, row + 4]
            src_n, src_y, src_x = decode(out[n, 0, row - 4:row + 4,
                                             col - 4:col + 4])
            source = src_n[0, 0].item()
            sources.add((n, source))
            scol, srow = centre_cr[source]
            assert torch.equal(
                out[n, :, row - 4:row + 4, col - 4:col + 4],
                images[source, :, srow - 4:srow + 4, scol - 4:scol + 4])
    # Sources among all images, the image itself included.
    assert sources == {(0, 0), (0, 1), (1, 0), (1, 1)}
    # The default placement on the same batch: x is x, y is y.
    out, boxes = SemiCutOcclude(
        num_patches=1,
        half_size_range=(4, 4),
        jitter_std=0.,
        ref_size=(W, H),
        generator=0)(images, keypoints)
    assert boxes[:, 0].tolist() == [[17, 7, 25, 15], [8, 19, 16, 27]]


def test_official_placement_zeroes_a_box_whose_source_left_the_image():
    images = coded_images(2) + 1.
    # Image 1's keypoint y = 35 becomes column 35 >= W = 30: its clamped
    # source box is empty, 6 px either side of the centre; image 0's patch
    # from it (destination columns 10 - 6 .. 10 + 6) is set to 0 instead.
    # Image 1's own destination (column 35) is empty: never changed.
    keypoints = torch.tensor([[[20., 10.]], [[20., 35.]]])
    ssco = SemiCutOcclude(
        num_patches=1,
        half_size_range=(4, 4),
        jitter_std=0.,
        official_placement=True)
    seen = set()
    for seed in range(12):
        out, boxes = ssco(images, keypoints, generator=seed)
        assert torch.equal(out[1], images[1])
        box = tuple(boxes[0, 0].tolist())
        seen.add(box)
        if box == (4, 16, 16, 24):  # source: image 1 -> zeros
            assert (out[0, :, 16:24, 4:16] == 0).all()
            assert torch.equal(out[0, :, :16], images[0, :, :16])
            assert torch.equal(out[0, :, 24:], images[0, :, 24:])
        else:  # source: image 0 itself, same place -> unchanged
            assert box == (6, 16, 14, 24)
            assert torch.equal(out, images)
    assert len(seen) == 2


def test_official_placement_keeps_python_slicing_of_negative_ends():
    # Image 1's keypoint y = -10 (a column 10 px left of the image) gives a
    # clamped source box [0, 0) in x, 10 px either side of the centre.
    # Image 0's destination (column 24) spans [14, 34) -> [14, 29): 15 px,
    # touching the last column, so the released code trims the source end
    # by |0 - 15|: source columns [0:-15] = [0:15] of a 30 px row -- which
    # has the destination's size, so they are pasted (not zeroed).
    images = coded_images(2) + 1.
    keypoints = torch.tensor([[[20., 24.]], [[20., -10.]]])
    ssco = SemiCutOcclude(
        num_patches=1,
        half_size_range=(4, 4),
        jitter_std=0.,
        official_placement=True)
    wrapped = 0
    for seed in range(12):
        out, boxes = ssco(images, keypoints, generator=seed)
        expected = released_cutmix(images.clone(), keypoints,
                                   official_draws(ssco, 2, 1, seed), 0.)
        assert torch.equal(out, expected)
        if boxes[0, 0].tolist() == [14, 16, 29, 24]:
            wrapped += 1
            assert torch.equal(out[0, :, 16:24, 14:29], images[1, :, 16:24,
                                                               0:15])
    assert wrapped > 0


def test_official_placement_picks_with_replacement_among_all_keypoints():
    images = coded_images(2)
    # Three keypoints at distinct places, only the first one valid: the
    # released code ignores validity and confidence.
    keypoints = torch.tensor([[5., 6.], [15., 12.],
                              [25., 20.]]).expand(2, 3, 2).contiguous()
    valid = torch.tensor([[True, False, False]] * 2)
    columns = {6: 0, 12: 1, 20: 2}  # swapped: column = y
    ssco = SemiCutOcclude(
        num_patches=2,
        half_size_range=(2, 2),
        jitter_std=0.,
        official_placement=True)
    counts, repeats, trials = [0, 0, 0], 0, 200
    for seed in range(trials // 2):
        _, boxes = ssco(images, keypoints, valid, generator=seed)
        for n in range(2):
            picked = [
                columns[(x1 + x2) // 2] for x1, _, x2, _ in boxes[n].tolist()
            ]
            for kpt in picked:
                counts[kpt] += 1
            repeats += picked[0] == picked[1]
    # Uniform over all 3 keypoints (400 picks, ~133 each) and, with
    # replacement, the same keypoint twice in 1 of 3 images (~67 of 200).
    assert all(80 <= c <= 190 for c in counts), counts
    assert 35 <= repeats <= 100, repeats


def test_official_half_sizes_are_integers_in_low_high():
    # torch.randint(10, 20): half sizes 10..19, box sides 20..38 (never 40).
    num, height, width = 64, 256, 192
    images = torch.ones(num, 1, height, width)
    keypoints = torch.tensor([96., 128.]).expand(num, 17, 2).contiguous()
    ssco = SemiCutOcclude(jitter_std=0., official_placement=True, generator=0)
    _, boxes = ssco(images, keypoints)
    # Swapped: centre column 128, row 96.
    centres = (boxes[..., :2] + boxes[..., 2:]) // 2
    assert (centres == torch.tensor([128, 96])).all()
    sides = boxes[..., 2:] - boxes[..., :2]
    assert sides.min() == 20 and sides.max() == 38
    assert (sides % 2 == 0).all()
    assert len(sides.unique()) == 10


def test_official_placement_is_reachable_from_an_sspcm_config():
    import copy

    from mmengine.config import Config
    from mmpose.registry import TRANSFORMS

    from mmpose_kd.models.semi.sspcm_config import merge_semi_train_cfg

    # As `--cfg-options model.semi_train_cfg.cut_occlude.
    # official_placement=True` on a config whose semi_train_cfg has no
    # cut_occlude (configs/sspcm/_base_/sspcm_official_training.py).
    cfg = Config(dict(model=dict(semi_train_cfg=dict(conf_thr=0.1))))
    cfg.merge_from_dict(
        {'model.semi_train_cfg.cut_occlude.official_placement': True})
    merged = merge_semi_train_cfg(cfg.model.semi_train_cfg)
    ssco = TRANSFORMS.build(copy.deepcopy(merged['cut_occlude']))
    assert isinstance(ssco, SemiCutOcclude) and ssco.official_placement
    assert (ssco.num_patches, ssco.half_size_range, ssco.jitter_std,
            ssco.ref_size) == (2, (10., 20.), 10., (192, 256))
    # Partial dicts update the defaults; None still switches SSCO off.
    merged = merge_semi_train_cfg(dict(cut_occlude=dict(num_patches=3)))
    assert merged['cut_occlude']['type'] == 'SemiCutOcclude'
    assert merged['cut_occlude']['half_size_range'] == (10, 20)
    assert merged['cut_occlude']['num_patches'] == 3
    assert merge_semi_train_cfg(dict(cut_occlude=None))['cut_occlude'] is None
    assert 'official_placement' not in merge_semi_train_cfg(
        None)['cut_occlude']
    assert not SemiCutOcclude().official_placement
    with pytest.raises(TypeError, match='official_placement'):
        SemiCutOcclude(official_placement='yes')
