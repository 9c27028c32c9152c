import math

import pytest
import torch

from mmpose_kd.models.losses import (HeatmapLogitDistillLoss,
                                     SimCCLogitDistillLoss)


def kl(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))


def softmax(v):
    e = [math.exp(x) for x in v]
    return [x / sum(e) for x in e]


def test_simcc_kl_hand_computed():
    # one sample, one keypoint, 3 bins on x and on y
    sx = torch.tensor([[[0.0, 1.0, 2.0]]])
    tx = torch.tensor([[[2.0, 1.0, 0.0]]])
    sy = torch.tensor([[[0.0, 0.0, 0.0]]])
    ty = torch.tensor([[[1.0, 0.0, 0.0]]])
    beta = 2.0
    expect_x = kl(
        softmax([2 * v for v in [2, 1, 0]]),
        softmax([2 * v for v in [0, 1, 2]]))
    expect_y = kl(softmax([2, 0, 0]), softmax([0, 0, 0]))
    loss = SimCCLogitDistillLoss(loss_weight=0.1)
    got = loss((sx, sy), (tx, ty), temperature=beta)
    assert got.item() == pytest.approx(0.1 * (expect_x + expect_y), rel=1e-5)
    assert loss((sx, sy), (tx, ty), distill_scale=0.5,
                temperature=beta).item() == pytest.approx(
                    0.05 * (expect_x + expect_y), rel=1e-5)


def test_simcc_all_keypoints_count_and_mean_over_keypoints():
    # identical keypoint 0, different keypoint 1: loss is the mean of both
    s = torch.zeros(1, 2, 4)
    t = torch.zeros(1, 2, 4)
    t[0, 1, 0] = 3.0
    loss = SimCCLogitDistillLoss(loss_weight=1.0)
    k1 = kl(softmax([3, 0, 0, 0]), softmax([0, 0, 0, 0]))
    got = loss((s, s), (t, torch.zeros(1, 2, 4)), temperature=1.0)
    assert got.item() == pytest.approx(k1 / 2, rel=1e-5)


def test_simcc_zero_when_equal_and_teacher_detached():
    s = torch.randn(2, 5, 7, requires_grad=True)
    t = s.detach().clone().requires_grad_(True)
    loss = SimCCLogitDistillLoss()
    out = loss((s, s), (t, t), temperature=3.0)
    assert out.item() == pytest.approx(0.0, abs=1e-6)
    out2 = loss((s * 2, s), (t, t), temperature=1.0)
    out2.backward()
    assert t.grad is None and s.grad is not None


def test_simcc_shape_mismatch():
    with pytest.raises(ValueError, match='differ'):
        SimCCLogitDistillLoss()((torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)),
                                (torch.zeros(1, 3, 3), torch.zeros(1, 3, 3)))


def test_heatmap_mse_hand_computed():
    s = torch.zeros(1, 2, 2, 2)
    t = torch.ones(1, 2, 2, 2)
    loss = HeatmapLogitDistillLoss(loss_weight=0.5, mode='mse')
    assert loss(s, t).item() == pytest.approx(0.5)
    assert loss(s, t, distill_scale=0.5).item() == pytest.approx(0.25)


def test_heatmap_kl_hand_computed():
    s = torch.zeros(1, 1, 1, 3)
    t = torch.tensor([[[[1.0, 0.0, 0.0]]]])
    loss = HeatmapLogitDistillLoss(loss_weight=1.0, mode='kl', temperature=2.0)
    expect = kl(softmax([2, 0, 0]), softmax([0, 0, 0]))
    assert loss(s, t).item() == pytest.approx(expect, rel=1e-5)


def test_heatmap_rejects_simcc_tuple():
    with pytest.raises(ValueError, match='SimCC'):
        HeatmapLogitDistillLoss()((torch.zeros(1), ), (torch.zeros(1), ))
