"""SSPCM's pseudo-label paths: the heatmap path pinned to its values before
the coordinate path existed, and the coordinate path (any head: SimCC,
mixed families): the PCM on decoded keypoints, the student's codec, its
head's loss, the loss mask."""
import math

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils import register_all_modules

import mmpose_kd  # noqa: F401
from mmpose_kd.models.semi.coordinate_pseudo_labels import (
    CoordinatePseudoLabels, DecodedKeypoints, encode_keypoints)
from mmpose_kd.models.semi.pcm import (correct_keypoints,
                                       correct_pseudo_labels, heatmap_argmax)
from mmpose_kd.models.semi.pseudo_labels import HeatmapPseudoLabels
from sspcm_testing import packed_batch
from toy_models import heatmap_cfg, rtmpose_cfg

register_all_modules()
torch.set_num_threads(1)

K = 5
SIZE = 64

# What the heatmap path logged before the coordinate path existed (commit
# 3ab9ddd, the same script as _heatmap_path_logs): two steps of each update
# scheme, snapshots taken after the first.
# yapf: disable
HEATMAP_PATH_PINNED = dict(
    joint=(
        dict(loss_kpt_a=0.4721397, loss_kpt_b=0.4527381, loss_kpt_c=0.334605, loss_mutual_b=0.1503362, loss_mutual_a=0.1626423, loss_pcm_c=0.2363468, pcm_kept_fraction=1.0, pcm_inconsistency=0.2224633, pcm_confidence=1.0959239, pcm_snapshot_pair_fraction=0.0),  # noqa: E501
        dict(loss_kpt_a=0.3653712, loss_kpt_b=0.3479826, loss_kpt_c=0.2741131, loss_mutual_b=0.1113789, loss_mutual_a=0.1233446, loss_pcm_c=0.128192, pcm_kept_fraction=0.8, pcm_inconsistency=0.1230929, pcm_confidence=0.6481296, pcm_snapshot_pair_fraction=0.6),  # noqa: E501
    ),
    separate=(
        dict(loss_kpt_a=0.4721397, loss_kpt_b=0.4527381, loss_kpt_c=0.334605, loss_mutual_b=0.1322384, loss_mutual_a=0.139741, loss_pcm_c=0.183507, pcm_kept_fraction=1.0, pcm_inconsistency=0.2346669, pcm_confidence=1.0670147, pcm_snapshot_pair_fraction=0.0),  # noqa: E501
        dict(loss_kpt_a=0.3725457, loss_kpt_b=0.3517589, loss_kpt_c=0.2741299, loss_mutual_b=0.1018617, loss_mutual_a=0.1119649, loss_pcm_c=0.1288727, pcm_kept_fraction=0.8666667, pcm_inconsistency=0.1332552, pcm_confidence=0.5158569, pcm_snapshot_pair_fraction=0.8),  # noqa: E501
    ),
)
# yapf: enable


def heatmap_network():
    return heatmap_cfg(
        num_keypoints=K, input_size=(SIZE, SIZE), base_channels=8)


def simcc_network():
    return rtmpose_cfg(num_keypoints=K, input_size=(SIZE, SIZE))


def batch(num, seed, with_labels=True):
    return packed_batch(num, seed, K, SIZE, with_labels, with_simcc=True)


def semi_batch(step=0):
    return dict(labeled=batch(2, step), unlabeled=batch(3, step + 10, False))


def optim_wrapper(model, scheme):
    if scheme == 'joint':
        return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    return OptimWrapperDict(
        **{
            key: OptimWrapper(
                torch.optim.SGD(model.get_network(key).parameters(), lr=0.1))
            for key in 'ABC'
        })


def _heatmap_path_logs(scheme):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SSPCMPoseEstimator',
            network_a=heatmap_network(),
            update_scheme=scheme))
    wrapper = optim_wrapper(model, scheme)
    logs = []
    for step in range(2):
        torch.manual_seed(100 + step)
        data = dict(
            labeled=batch_without_simcc(2, step),
            unlabeled=batch_without_simcc(3, step + 10, False))
        logs.append(model.train_step(data, wrapper))
        if step == 0:
            model.take_snapshots()
    return model, logs


def batch_without_simcc(num, seed, with_labels=True):
    return packed_batch(num, seed, K, SIZE, with_labels)


# ------------------------------------------------------------ heatmap path
@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_heatmap_path_gives_the_pinned_values(scheme):
    model, logs = _heatmap_path_logs(scheme)
    assert isinstance(model.pseudo_labels, HeatmapPseudoLabels)
    # The first step's values are reproduced to 1e-5. The second step's
    # follow an SGD step and carry the CPU's rounding: on a second machine
    # of the same kind they moved by up to 3.2e-4 (relative; separate
    # scheme, pcm_confidence); a change of behaviour moves them far more.
    first, second = HEATMAP_PATH_PINNED[scheme]
    for logged, pinned, rel in zip(logs, (first, second), (1e-5, 2e-3)):
        for name, value in pinned.items():
            assert float(logged[name]) == pytest.approx(
                value, rel=rel, abs=1e-7), name


# ------------------------------------------------------ PCM on coordinates
def _peaked(positions, peaks, size=(16, 12)):
    """Heatmaps [N, K, H, W] with one peak each at ``positions`` (x, y)."""
    n, k = peaks.shape
    maps = torch.zeros(n, k, *size)
    for i in range(n):
        for j in range(k):
            x, y = positions[i, j].long().tolist()
            maps[i, j, y, x] = peaks[i, j]
    return maps


def test_coordinate_pcm_makes_the_heatmap_pcms_choice():
    gen = torch.Generator().manual_seed(0)
    n, k, h, w, stride = 3, 7, 16, 12, 4
    positions = [
        torch.stack((torch.randint(0, w, (n, k), generator=gen),
                     torch.randint(0, h, (n, k), generator=gen)), -1).float()
        for _ in range(4)
    ]
    peaks = [torch.rand(n, k, generator=gen) for _ in range(4)]
    maps = [_peaked(p, v, (h, w)) for p, v in zip(positions, peaks)]
    by_heatmaps = correct_pseudo_labels(
        *maps, conf_thr=0.3, inconsistency_thr=0.2)
    by_keypoints = correct_keypoints([p * stride for p in positions],
                                     peaks, (h * stride, w * stride),
                                     conf_thr=0.3,
                                     inconsistency_thr=0.2)
    assert by_keypoints.heatmaps is None
    assert torch.equal(by_keypoints.pair_index, by_heatmaps.pair_index)
    assert torch.equal(by_keypoints.mask, by_heatmaps.mask)
    assert torch.allclose(by_keypoints.confidence, by_heatmaps.confidence)
    assert torch.allclose(by_keypoints.inconsistency,
                          by_heatmaps.inconsistency)
    # the fused keypoint is the mean of the chosen pair
    index = by_keypoints.pair_index
    first = torch.where((index % 2 == 1)[..., None], positions[2],
                        positions[0])
    second = torch.where((index >= 2)[..., None], positions[3], positions[1])
    assert torch.allclose(by_keypoints.keypoints,
                          stride * 0.5 * (first + second))


def test_coordinate_pcm_without_snapshots_chooses_a_and_b():
    xy_a, xy_b = torch.rand(2, 4, 2) * 10, torch.rand(2, 4, 2) * 10
    score = torch.ones(2, 4)
    result = correct_keypoints([xy_a, xy_b, None, None],
                               [score, score, None, None], (10, 10))
    assert (result.pair_index == 0).all()
    assert torch.allclose(result.keypoints, (xy_a + xy_b) / 2)
    expected = (xy_a - xy_b).norm(dim=-1) / math.hypot(10, 10)
    assert torch.allclose(result.inconsistency, expected)


def test_coordinate_pcm_names_a_bad_shape():
    xy, score = torch.zeros(2, 4, 2), torch.ones(2, 4)
    with pytest.raises(ValueError, match="B' has keypoints of shape"):
        correct_keypoints([xy, xy, None, torch.zeros(2, 3, 2)],
                          [score, score, None,
                           torch.ones(2, 3)], (8, 8))


# ---------------------------------------------------------- codec encoding
def test_encode_keypoints_is_the_codecs_encode_times_the_mask():
    codec = KEYPOINT_CODECS.build(
        dict(
            type='SimCCLabel',
            input_size=(SIZE, SIZE),
            sigma=(2., 2.),
            simcc_split_ratio=2.0,
            normalize=False))
    keypoints = torch.tensor([[[10.3, 20.7], [63.0, 1.0], [200., 5.],
                               [32., 32.]],
                              [[0., 0.], [5.5, 60.2], [30., 31.], [12., 40.]]])
    mask = torch.tensor([[True, True, True, False], [True, False, True, True]])
    (x_labels, y_labels), weights = encode_keypoints(codec, keypoints, mask)
    for i in range(2):
        own = codec.encode(keypoints[i:i + 1].numpy(),
                           mask[i:i + 1].numpy().astype(np.float32))
        assert np.array_equal(x_labels[i].numpy(), own['keypoint_x_labels'][0])
        assert np.array_equal(y_labels[i].numpy(), own['keypoint_y_labels'][0])
    # masked keypoints and those the codec cannot place weigh nothing
    assert weights.tolist() == [[1., 1., 0., 0.], [1., 0., 1., 1.]]


def test_encode_keypoints_with_a_heatmap_codec():
    codec = KEYPOINT_CODECS.build(
        dict(
            type='MSRAHeatmap',
            input_size=(SIZE, SIZE),
            heatmap_size=(16, 16),
            sigma=2))
    keypoints = torch.tensor([[[10., 20.], [40., 8.]]])
    (heatmaps, ), weights = encode_keypoints(codec, keypoints,
                                             torch.tensor([[True, False]]))
    assert heatmaps.shape == (1, 2, 16, 16)
    # (10, 20) in the input is (2.5, 5) in the heatmap; MSRAHeatmap puts
    # the peak at the rounded position
    assert heatmap_argmax(heatmaps)[0][0, 0].tolist() == [3., 5.]
    assert float(heatmaps[0, 1].abs().sum()) == 0
    assert weights.tolist() == [[1., 0.]]


# --------------------------------------------------------- the estimator
def build(network_a, network_c=None, **semi_train_cfg):
    return MODELS.build(
        dict(
            type='SSPCMPoseEstimator',
            network_a=network_a,
            network_c=network_c,
            semi_train_cfg=semi_train_cfg or None))


@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_simcc_networks_train_through_the_coordinate_path(scheme):
    model = MODELS.build(
        dict(
            type='SSPCMPoseEstimator',
            network_a=simcc_network(),
            update_scheme=scheme))
    assert isinstance(model.pseudo_labels, CoordinatePseudoLabels)
    before = {
        key: [p.detach().clone() for p in model.get_network(key).parameters()]
        for key in 'ABC'
    }
    wrapper = optim_wrapper(model, scheme)
    logs = model.train_step(semi_batch(0), wrapper)
    model.take_snapshots()
    logs = model.train_step(semi_batch(1), wrapper)
    for name in ('loss_mutual_a', 'loss_mutual_b', 'loss_pcm_c'):
        assert math.isfinite(float(logs[name])) and float(logs[name]) > 0
    assert 0 <= float(logs['pcm_kept_fraction']) <= 1
    for key in 'ABC':
        after = list(model.get_network(key).parameters())
        assert any(not torch.equal(b, a) for b, a in zip(before[key], after))


def test_teacher_outputs_are_the_codecs_decoded_keypoints():
    model = build(simcc_network())
    network = model.get_network('A').eval()
    images = torch.rand(3, 3, SIZE, SIZE)
    decoded = model.pseudo_labels.teacher_outputs(network, images, 'A')
    assert isinstance(decoded, DecodedKeypoints)
    with torch.no_grad():
        x, y = network(images, None, mode='tensor')
    own = network.head.decoder.decode(x.numpy(), y.numpy())
    assert np.allclose(decoded.keypoints.numpy(), own[0])
    assert np.allclose(decoded.scores.numpy(), own[1])


def test_c_loss_is_the_heads_kl_loss_on_the_kept_keypoints(monkeypatch):
    model = build(simcc_network(), hard_affine=None, cut_occlude=None)
    keep = torch.tensor([True, False, True, True, False])
    from mmpose_kd.models.semi import coordinate_pseudo_labels as module
    real = module.correct_keypoints

    def forced(*args, **kwargs):
        result = real(*args, **kwargs)
        return result._replace(mask=keep.expand_as(result.mask))

    monkeypatch.setattr(module, 'correct_keypoints', forced)
    outputs = []
    student = model._network_outputs

    def record(network, images, name):
        out = student(network, images, name)
        if name == 'C':
            for part in out:
                part.retain_grad()
            outputs.append(out)
        return out

    monkeypatch.setattr(model, '_network_outputs', record)
    data = model.data_preprocessor(semi_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    losses['loss_pcm_c'].backward()
    grad = sum(part.grad.abs().sum(dim=(0, 2)) for part in outputs[0])
    assert (grad[~keep] == 0).all() and (grad[keep] > 0).all()
    assert float(losses['pcm_supervised_fraction']) == pytest.approx(3 / 5)


def test_mixed_families_heatmap_teachers_simcc_student():
    model = build(heatmap_network(), network_c=simcc_network())
    assert isinstance(model.pseudo_labels, CoordinatePseudoLabels)
    logs = model.train_step(
        semi_batch(),
        OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    assert float(logs['loss_pcm_c']) > 0 and float(logs['loss_mutual_a']) > 0


def test_heatmap_heads_can_take_the_coordinate_path():
    model = build(heatmap_network(), pseudo_labels='coordinate')
    assert isinstance(model.pseudo_labels, CoordinatePseudoLabels)
    logs = model.train_step(
        semi_batch(),
        OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    assert float(logs['loss_pcm_c']) > 0


def test_heatmap_path_refuses_simcc_networks():
    with pytest.raises(ValueError, match=r"network\(s\) \['A', 'B', 'C'\]"):
        build(simcc_network(), pseudo_labels='heatmap')
    with pytest.raises(ValueError, match='pseudo_labels must be one of'):
        build(simcc_network(), pseudo_labels='simcc')


# ------------------------------------ pseudo_label_weight='confidence'
def _decoded(scores):
    """Decoded keypoints well inside a SIZE x SIZE image, with ``scores``.
    """
    scores = torch.tensor(scores, dtype=torch.float32)
    grid = torch.linspace(16., 48., K)
    keypoints = torch.stack((grid, grid.flip(0)), -1)
    return DecodedKeypoints(
        keypoints.expand(scores.shape[0], K, 2).clone(), scores)


def _confidence_weighted():
    """SimCC networks with confidence-weighted pseudo labels, no SSCO and
    no extra affine."""
    return build(
        simcc_network(),
        hard_affine=None,
        cut_occlude=None,
        pseudo_label_weight='confidence')


def test_confidence_weights_scale_each_keypoints_share_of_the_loss():
    model = _confidence_weighted()
    path, network = model.pseudo_labels, model.get_network('A')
    scores = [[0.0, 0.25, 0.5, 1.0, 1.7], [0.05, 0.6, 0.9, 0.3, 2.0]]
    labels = path.mutual(torch.rand(2, 3, SIZE, SIZE), _decoded(scores))
    clipped = torch.tensor(scores).clamp(0., 1.)
    assert torch.equal(labels.weights, clipped)
    assert labels.view.loss_mask.all()  # mutual_conf_thr None keeps all

    predicted = tuple(
        part.detach().requires_grad_()
        for part in network(labels.view.images, None, mode='tensor'))
    loss = path.loss(predicted, labels, 'A', network)
    targets, mask_weights = encode_keypoints(network.head.decoder,
                                             labels.view.targets,
                                             labels.view.loss_mask)
    assert torch.allclose(
        loss,
        network.head.loss_module(predicted, targets, mask_weights * clipped))
    loss.backward()
    grad = sum(part.grad.abs().sum(-1) for part in predicted)  # [N, K]
    # confidence 0 teaches nothing; the others do
    assert float(grad[0, 0]) == 0 and (grad.flatten()[1:] > 0).all()
    unweighted = path.loss(predicted, labels._replace(weights=None), 'A',
                           network)
    assert float(loss) < float(unweighted)


def test_confidence_weights_of_c_are_the_fused_pairs_confidence():
    model = _confidence_weighted()
    easy = torch.rand(2, 3, SIZE, SIZE)
    a = _decoded([[0.2, 0.4, 0.6, 0.8, 1.4]] * 2)
    b = _decoded([[0.4, 0.4, 0.9, 0.2, 1.2]] * 2)
    labels = model.pseudo_labels.corrected(easy, a, b, None, None)
    assert torch.allclose(labels.weights, labels.pcm.confidence.clamp(0., 1.))
    assert torch.allclose(labels.weights[0],
                          torch.tensor([0.3, 0.4, 0.75, 0.5, 1.0]))
    mask_only = build(simcc_network(), hard_affine=None, cut_occlude=None)
    assert mask_only.pseudo_labels.corrected(easy, a, b, None,
                                             None).weights is None


def test_confidence_weights_are_refused_on_the_heatmap_path():
    with pytest.raises(
            ValueError,
            match="pseudo_label_weight='confidence' "
            'applies to the coordinate pseudo labels only'):
        build(heatmap_network(), pseudo_label_weight='confidence')
    with pytest.raises(ValueError, match='pseudo_label_weight must be one'):
        build(simcc_network(), pseudo_label_weight='score')
    model = build(
        heatmap_network(),
        pseudo_labels='coordinate',
        pseudo_label_weight='confidence')
    logs = model.train_step(
        semi_batch(),
        OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    assert float(logs['loss_pcm_c']) > 0


def test_a_shifted_hard_view_moves_the_pseudo_keypoints_off_the_centre():
    """hard_affine.shift_factor: keypoints all at the image centre (what
    collapsed teachers predict) land elsewhere in the hard view, where the
    student's targets follow them."""
    model = build(
        simcc_network(),
        cut_occlude=None,
        hard_affine=dict(rot_prob=0., scale_std=0., shift_factor=0.25))
    centre = (SIZE - 1) / 2.
    decoded = DecodedKeypoints(torch.full((4, K, 2), centre), torch.ones(4, K))
    torch.manual_seed(0)
    labels = model.pseudo_labels.mutual(torch.rand(4, 3, SIZE, SIZE), decoded)
    offsets = labels.view.targets - centre  # [N, K, 2]
    assert (offsets.abs() <= 0.25 * SIZE + 1e-4).all()
    assert (offsets.norm(dim=-1) > 0.5).any()
    # one shift per image, the same for all its keypoints
    assert torch.allclose(offsets, offsets[:, :1].expand_as(offsets))
    # the paper's setting (no shift): the centre stays where it was
    still = build(
        simcc_network(), cut_occlude=None).pseudo_labels.mutual(
            torch.rand(4, 3, SIZE, SIZE), decoded)
    assert torch.allclose(
        still.view.targets, torch.full((4, K, 2), centre), atol=1e-3)
