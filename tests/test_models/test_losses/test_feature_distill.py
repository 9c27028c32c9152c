import pytest
import torch

from mmpose_kd.models.losses import FeatureDistillLoss


def test_batch_normalisation_hand_computed():
    loss = FeatureDistillLoss(4, 4, alpha=0.5, normalize='batch')
    s = torch.zeros(2, 4, 3, 3)
    t = torch.ones(2, 4, 3, 3)
    t[1] *= 2  # sample 1 differs by 2 -> squared 4
    # sum of squares = 36*1 + 36*4 = 180; / B=2 -> 90; * alpha 0.5 -> 45
    assert loss(s, t).item() == pytest.approx(45.0)
    # distill_scale multiplies (the decay r(t))
    assert loss(s, t, distill_scale=0.25).item() == pytest.approx(11.25)


def test_element_normalisation_hand_computed():
    loss = FeatureDistillLoss(4, 4, alpha=2.0, normalize='element')
    s = torch.zeros(2, 4, 3, 3)
    t = torch.full((2, 4, 3, 3), 3.0)
    assert loss(s, t).item() == pytest.approx(2.0 * 9.0)


def test_align_conv_only_when_channels_differ():
    assert isinstance(FeatureDistillLoss(8, 8).align, torch.nn.Identity)
    loss = FeatureDistillLoss(3, 5, alpha=1.0)
    assert isinstance(loss.align, torch.nn.Conv2d)
    with torch.no_grad():
        loss.align.weight.zero_()
        loss.align.bias.fill_(1.0)
    s = torch.randn(2, 3, 2, 2, requires_grad=True)
    t = torch.zeros(2, 5, 2, 2)
    # aligned == 1 everywhere: sum 2*5*4 = 40, / 2 -> 20
    out = loss(s, t)
    assert out.item() == pytest.approx(20.0)
    out.backward()
    assert loss.align.bias.grad is not None


def test_shape_mismatch_names_shapes():
    loss = FeatureDistillLoss(4, 4)
    with pytest.raises(ValueError, match=r'\(2, 4, 3, 3\).*\(2, 4, 4, 3\)'):
        loss(torch.zeros(2, 4, 3, 3), torch.zeros(2, 4, 4, 3))


def test_bad_normalize():
    with pytest.raises(ValueError, match='normalize'):
        FeatureDistillLoss(1, 1, normalize='sum')


def test_loss_weight_and_its_alias_alpha_are_one_weight():
    s, t = torch.zeros(2, 4, 3, 3), torch.ones(2, 4, 3, 3)
    by_name = FeatureDistillLoss(4, 4, loss_weight=0.5)(s, t)
    by_alias = FeatureDistillLoss(4, 4, alpha=0.5)(s, t)
    assert by_name.item() == by_alias.item() == pytest.approx(18.0)
    assert FeatureDistillLoss(4, 4, alpha=0.5).loss_weight == 0.5
    # neither: the released 7e-5
    assert FeatureDistillLoss(4, 4).loss_weight == 7e-5
    with pytest.raises(ValueError, match='both loss_weight.*alpha'):
        FeatureDistillLoss(4, 4, loss_weight=0.5, alpha=0.5)
