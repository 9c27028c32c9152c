"""Tests of MaskedHeatmapMSELoss
(mmpose_kd/models/losses/masked_heatmap_mse_loss.py)."""
import pytest
import torch
import torch.nn.functional as F

from mmpose_kd.models.losses.masked_heatmap_mse_loss import \
    MaskedHeatmapMSELoss


def small_case():
    # N=1, K=2, H=1, W=2: squared errors 1, 4 (keypoint 0) and 9, 16 (1).
    pred = torch.tensor([[[[1., 2.]], [[3., 4.]]]], requires_grad=True)
    target = torch.zeros(1, 2, 1, 2)
    return pred, target


def test_hand_computed_value_with_a_keypoint_mask():
    pred, target = small_case()
    loss = MaskedHeatmapMSELoss()(pred, target, torch.tensor([[True, False]]))
    assert loss.item() == pytest.approx((1 + 4) / 2)
    loss = MaskedHeatmapMSELoss(loss_weight=2.)(pred, target,
                                                torch.tensor([[False, True]]))
    assert loss.item() == pytest.approx(2 * (9 + 16) / 2)


def test_float_pixel_mask_weights_kept_pixels_and_counts_them():
    pred, target = small_case()
    mask = torch.tensor([[[[0.5, 0.]], [[1., 0.]]]])
    loss = MaskedHeatmapMSELoss()(pred, target, mask)
    # Two kept pixels: (0.5 * 1 + 1 * 9) / 2.
    assert loss.item() == pytest.approx((0.5 * 1 + 9) / 2)


def test_no_mask_is_the_plain_mean_squared_error():
    gen = torch.Generator().manual_seed(0)
    pred = torch.rand(2, 3, 4, 5, generator=gen)
    target = torch.rand(2, 3, 4, 5, generator=gen)
    loss = MaskedHeatmapMSELoss()(pred, target)
    assert torch.allclose(loss, F.mse_loss(pred, target))
    ones = MaskedHeatmapMSELoss()(pred, target, torch.ones(2, 3))
    assert torch.allclose(ones, loss)


def test_gradient_reaches_only_kept_keypoints_and_not_the_target():
    pred, _ = small_case()
    target = torch.zeros(1, 2, 1, 2, requires_grad=True)
    loss = MaskedHeatmapMSELoss()(pred, target, torch.tensor([[True, False]]))
    loss.backward()
    # d/dpred of (p^2) / 2 kept pixels = p.
    assert pred.grad.tolist() == [[[[1., 2.]], [[0., 0.]]]]
    assert target.grad is None


def test_all_masked_gives_zero_with_a_gradient():
    pred, target = small_case()
    loss = MaskedHeatmapMSELoss()(pred, target,
                                  torch.zeros(1, 2, dtype=torch.bool))
    assert loss.item() == 0.
    assert loss.requires_grad
    loss.backward()
    assert torch.equal(pred.grad, torch.zeros_like(pred))


def test_shape_errors_name_the_shapes():
    loss = MaskedHeatmapMSELoss()
    with pytest.raises(ValueError, match=r'\(1, 2, 1, 2\) and \(1, 2, 2, 1\)'):
        loss(torch.zeros(1, 2, 1, 2), torch.zeros(1, 2, 2, 1))
    with pytest.raises(ValueError, match='mask must be'):
        loss(
            torch.zeros(1, 2, 1, 2), torch.zeros(1, 2, 1, 2), torch.ones(1, 3))


def test_registered_in_mmpose_models():
    from mmpose.registry import MODELS
    loss = MODELS.build(dict(type='MaskedHeatmapMSELoss', loss_weight=3.))
    assert isinstance(loss, MaskedHeatmapMSELoss) and loss.loss_weight == 3.


def test_reduction_all_averages_over_every_element():
    """'all' (the paper's code) counts masked elements as zeros: with half
    the keypoints kept the loss is half that of 'kept'."""
    pred, target = small_case()
    keep = torch.tensor([[True, False]])
    loss = MaskedHeatmapMSELoss(reduction='all')(pred, target, keep)
    assert loss.item() == pytest.approx((1 + 4) / 4)
    assert MaskedHeatmapMSELoss(
        loss_weight=0.5,
        reduction='all')(pred, target,
                         keep).item() == pytest.approx(0.5 * (1 + 4) / 4)
    # no mask: both reductions are the plain mean
    assert MaskedHeatmapMSELoss(reduction='all')(pred, target).item() == \
        pytest.approx((1 + 4 + 9 + 16) / 4)
    # nothing kept: 0 and still in the graph
    nothing = MaskedHeatmapMSELoss(
        reduction='all')(pred, target, torch.zeros(1, 2, dtype=torch.bool))
    assert nothing.item() == 0. and nothing.requires_grad
    with pytest.raises(ValueError, match='reduction must be one of'):
        MaskedHeatmapMSELoss(reduction='sum')
