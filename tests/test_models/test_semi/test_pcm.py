"""Tests of the PCM tensor functions (mmpose_kd/models/semi/pcm.py)."""
import math

import pytest
import torch

from mmpose_kd.models.semi.pcm import (PCMResult, correct_pseudo_labels,
                                       correct_pseudo_labels_loop,
                                       heatmap_argmax)

H, W = 30, 40  # diagonal 50: distances of 10 px give 0.2 exactly
DIAGONAL = 50.


def peak_map(points, height=H, width=W, background=0.):
    """[N, K, H, W] with one peak per (n, k): points[n][k] = (x, y, value)."""
    num, num_kpts = len(points), len(points[0])
    hm = torch.full((num, num_kpts, height, width), background)
    for n, row in enumerate(points):
        for k, (x, y, value) in enumerate(row):
            hm[n, k, y, x] = value
    return hm


def single(x, y, value=1.):
    return peak_map([[(x, y, value)]])


def test_heatmap_argmax_returns_x_then_y_on_non_square_maps():
    hm = peak_map([[(37, 3, 0.7), (2, 28, 0.4)]])
    coords, maxvals = heatmap_argmax(hm)
    assert coords.tolist() == [[[37., 3.], [2., 28.]]]
    assert torch.allclose(maxvals, torch.tensor([[0.7, 0.4]]))


def test_heatmap_argmax_takes_first_maximum_in_row_major_order():
    hm = torch.zeros(1, 1, 4, 5)
    hm[0, 0, 2, 1] = 1.
    hm[0, 0, 1, 3] = 1.  # earlier in row-major order
    coords, _ = heatmap_argmax(hm)
    assert coords.tolist() == [[[3., 1.]]]


@pytest.mark.parametrize('height,width', [(64, 48), (16, 12), (7, 9), (5, 5),
                                          (1, 1)])
def test_heatmap_argmax_equals_a_flat_argmax_with_many_ties(height, width):
    # The blockwise search must keep the first maximum across block borders.
    gen = torch.Generator().manual_seed(height * width)
    hm = torch.randint(0, 3, (3, 5, height, width), generator=gen).float()
    hm[0, 0] = 2.  # every position ties
    hm[0, 1] = 0.
    hm[0, 1, -1, -1] = 2.  # the maximum in the last block only
    coords, maxvals = heatmap_argmax(hm)
    flat_max, flat_index = hm.flatten(2).max(dim=-1)
    assert torch.equal(maxvals, flat_max)
    assert torch.equal(coords[..., 0], (flat_index % width).float())
    assert torch.equal(coords[..., 1], (flat_index // width).float())


# Each case: positions (x, y) of A, B, A', B' and the pair that must win.
PAIR_CASES = [
    # (A,B) agree exactly.
    (((10, 10), (10, 10), (0, 0), (39, 29)), 0, 0.),
    # A' is next to B, everything else is far apart.
    (((0, 0), (20, 10), (21, 10), (39, 29)), 1, 1.),
    # B' is next to A.
    (((5, 25), (30, 2), (38, 28), (5, 23)), 2, 2.),
    # Only the snapshots agree.
    (((0, 0), (39, 0), (20, 15), (23, 19)), 3, 5.),
]


@pytest.mark.parametrize('positions,expected_pair,expected_distance',
                         PAIR_CASES)
def test_pair_choice_fusion_and_inconsistency(positions, expected_pair,
                                              expected_distance):
    values = (0.9, 0.5, 0.3, 0.7)
    maps = [single(x, y, v) for (x, y), v in zip(positions, values)]
    result = correct_pseudo_labels(*maps, conf_thr=0.0, inconsistency_thr=None)
    assert isinstance(result, PCMResult)
    assert result.pair_index.item() == expected_pair
    members = {0: (0, 1), 1: (2, 1), 2: (0, 3), 3: (2, 3)}[expected_pair]
    first, second = members
    assert torch.equal(result.heatmaps, 0.5 * (maps[first] + maps[second]))
    assert result.confidence.item() == pytest.approx(
        0.5 * (values[first] + values[second]))
    assert result.inconsistency.item() == pytest.approx(expected_distance /
                                                        DIAGONAL)
    # The fused peak sits at the stronger member's position.
    stronger = first if values[first] >= values[second] else second
    assert result.keypoints[0, 0].tolist() == list(
        map(float, positions[stronger]))


def test_ties_go_to_the_current_pair():
    # All four pairs are 3 px apart: (A, B) must win.
    maps = [single(10, 10), single(13, 10), single(10, 10), single(13, 10)]
    result = correct_pseudo_labels(*maps, inconsistency_thr=None)
    assert result.pair_index.item() == 0


def test_missing_snapshots_fall_back_to_the_current_pair():
    torch.manual_seed(0)
    hm_a, hm_b = torch.rand(2, 3, H, W), torch.rand(2, 3, H, W)
    result = correct_pseudo_labels(hm_a, hm_b, None, None)
    assert (result.pair_index == 0).all()
    assert torch.equal(result.heatmaps, 0.5 * (hm_a + hm_b))


def test_confidence_threshold_masks_low_mean_maxima():
    # Keypoint 0: mean max 0.09 < 0.1 -> dropped; keypoint 1: 0.11 -> kept.
    # Positions agree, so only the confidence decides.
    hm_a = peak_map([[(5, 5, 0.08), (7, 7, 0.12)]])
    hm_b = peak_map([[(5, 5, 0.10), (7, 7, 0.10)]])
    result = correct_pseudo_labels(hm_a, hm_b, hm_a, hm_b, conf_thr=0.1)
    assert result.confidence.tolist()[0] == pytest.approx([0.09, 0.11])
    assert result.mask.tolist() == [[False, True]]


def test_inconsistency_threshold_masks_distant_pairs():
    # Best pair distances: 10 px (0.2) and 30 px (0.6) of the diagonal.
    hm_a = peak_map([[(0, 0, 1.), (0, 0, 1.)]])
    hm_b = peak_map([[(10, 0, 1.), (30, 0, 1.)]])
    result = correct_pseudo_labels(
        hm_a, hm_b, hm_a, hm_b, conf_thr=0.1, inconsistency_thr=0.3)
    assert result.inconsistency.tolist()[0] == pytest.approx([0.2, 0.6])
    assert result.mask.tolist() == [[True, False]]
    no_filter = correct_pseudo_labels(
        hm_a, hm_b, hm_a, hm_b, conf_thr=0.1, inconsistency_thr=None)
    assert no_filter.mask.tolist() == [[True, True]]


def test_both_thresholds_are_strict():
    hm_a = peak_map([[(0, 0, 0.1)], [(0, 0, 1.)]])
    hm_b = peak_map([[(0, 0, 0.1)], [(10, 0, 1.)]])
    result = correct_pseudo_labels(
        hm_a, hm_b, conf_thr=0.1, inconsistency_thr=0.2)
    # confidence == 0.1 and inconsistency == 0.2 are both dropped.
    assert result.mask.tolist() == [[False], [False]]


@pytest.mark.parametrize('height,width', [(30, 40), (40, 30), (64, 48)])
def test_inconsistency_is_normalised_by_the_heatmap_diagonal(height, width):
    hm_a = peak_map([[(0, 0, 1.)]], height, width)
    hm_b = peak_map([[(width - 1, height - 1, 1.)]], height, width)
    result = correct_pseudo_labels(hm_a, hm_b, inconsistency_thr=None)
    expected = math.hypot(width - 1, height - 1) / math.hypot(width, height)
    assert result.inconsistency.item() == pytest.approx(expected, rel=1e-6)


def _random_heatmaps(seed, shape, quantised):
    gen = torch.Generator().manual_seed(seed)
    maps = [torch.rand(shape, generator=gen) for _ in range(4)]
    if quantised:  # many ties in values and in distances
        maps = [torch.round(m * 4) / 4 for m in maps]
    return maps


@pytest.mark.parametrize('seed,shape,quantised', [
    (0, (3, 5, 8, 6), False),
    (1, (2, 4, 7, 9), True),
    (2, (4, 17, 16, 12), False),
])
@pytest.mark.parametrize('conf_thr,inconsistency_thr',
                         [(0.1, 0.6), (0.9, 0.25), (0.5, None)])
def test_vectorised_equals_loop_reference(seed, shape, quantised, conf_thr,
                                          inconsistency_thr):
    maps = _random_heatmaps(seed, shape, quantised)
    fast = correct_pseudo_labels(
        *maps, conf_thr=conf_thr, inconsistency_thr=inconsistency_thr)
    slow = correct_pseudo_labels_loop(
        *maps, conf_thr=conf_thr, inconsistency_thr=inconsistency_thr)
    for field in PCMResult._fields:
        a, b = getattr(fast, field), getattr(slow, field)
        assert a.dtype == b.dtype, field
        assert torch.equal(a, b), field
    # The random cases must exercise every pair and both mask values.
    if not quantised and shape[1] >= 5:
        assert set(fast.pair_index.unique().tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float64])
def test_vectorised_equals_loop_reference_in_other_dtypes(dtype):
    # bfloat16: what an autocast teacher gives; coordinates stay float32.
    maps = [m.to(dtype) for m in _random_heatmaps(5, (2, 6, 64, 48), False)]
    fast = correct_pseudo_labels(*maps)
    slow = correct_pseudo_labels_loop(*maps)
    for field in PCMResult._fields:
        assert torch.equal(getattr(fast, field), getattr(slow, field)), field
    assert fast.heatmaps.dtype == dtype
    assert fast.keypoints.dtype == torch.promote_types(dtype, torch.float32)


def test_pair_index_names_the_fused_members():
    maps = _random_heatmaps(3, (4, 17, 16, 12), quantised=False)
    hm_a, hm_b, hm_a_prev, hm_b_prev = maps
    result = correct_pseudo_labels(*maps)
    members = {
        0: (hm_a, hm_b),
        1: (hm_a_prev, hm_b),
        2: (hm_a, hm_b_prev),
        3: (hm_a_prev, hm_b_prev)
    }
    coords = [heatmap_argmax(m)[0] for m in maps]
    position = {0: (0, 1), 1: (2, 1), 2: (0, 3), 3: (2, 3)}
    for index, (first, second) in members.items():
        chosen = result.pair_index == index
        assert chosen.any()
        assert torch.equal(result.heatmaps[chosen],
                           0.5 * (first[chosen] + second[chosen]))
        i, j = position[index]
        distance = (coords[i] - coords[j]).norm(dim=-1)
        assert torch.allclose(result.inconsistency[chosen],
                              distance[chosen] / math.hypot(16, 12))
    # The chosen pair is never farther apart than any other pair.
    all_distances = torch.stack([(coords[i] - coords[j]).norm(dim=-1)
                                 for i, j in position.values()],
                                dim=-1)
    chosen_distance = all_distances.gather(-1, result.pair_index[...,
                                                                 None])[..., 0]
    assert (chosen_distance <= all_distances.min(dim=-1).values + 1e-6).all()
    # keypoints are the argmax of the fused heatmaps.
    assert torch.equal(result.keypoints, heatmap_argmax(result.heatmaps)[0])


def test_output_shapes_and_dtypes():
    maps = _random_heatmaps(4, (2, 3, 8, 6), quantised=False)
    result = correct_pseudo_labels(*maps)
    assert result.heatmaps.shape == (2, 3, 8, 6)
    assert result.keypoints.shape == (2, 3, 2)
    assert result.mask.dtype == torch.bool and result.mask.shape == (2, 3)
    assert result.pair_index.dtype == torch.long
    assert result.inconsistency.shape == result.confidence.shape == (2, 3)


def test_bad_inputs_name_the_argument():
    good = torch.rand(1, 2, 8, 6)
    with pytest.raises(ValueError, match='hm_b_prev'):
        correct_pseudo_labels(good, good, good, torch.rand(1, 2, 8, 7))
    with pytest.raises(ValueError, match=r'hm_b must be \[N, K, H, W\]'):
        correct_pseudo_labels(good, torch.rand(2, 8, 6))
    with pytest.raises(TypeError, match='hm_a'):
        correct_pseudo_labels(good.numpy(), good)
