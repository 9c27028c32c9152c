"""SSPCMPoseEstimator with the settings of the paper's code
(configs/sspcm/_base_/sspcm_official_training.py): the loss arithmetic
pinned against a port of the official JointsMSELoss / PoseTripleLoss, the
A<->B and C masks, snapshots with batch statistics, and the multi-network
prediction (A, B, the A+B ensemble, C) used by SSPCMValLoop."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS
from mmpose.testing import get_packed_inputs
from mmpose.utils import register_all_modules
from torch.nn.modules.batchnorm import _BatchNorm

import mmpose_kd  # noqa: F401
from mmpose_kd.models.semi.sspcm import SSPCMPoseEstimator, mean_confidence
from toy_models import heatmap_cfg

register_all_modules()
torch.set_num_threads(1)

ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
OFFICIAL = Config.fromfile(
    osp.join(ROOT, 'configs', 'sspcm', '_base_', 'sspcm_official_training.py'))
K = 5
SIZE = 64  # heatmaps 16 x 16


def tiny_network(flip_test=False):
    cfg = heatmap_cfg(
        num_keypoints=K, input_size=(SIZE, SIZE), base_channels=8)
    cfg['test_cfg'] = dict(
        flip_test=flip_test, flip_mode='heatmap', shift_heatmap=flip_test)
    return cfg


def build(semi_train_cfg=None, **kwargs) -> SSPCMPoseEstimator:
    return MODELS.build(
        dict(
            type='SSPCMPoseEstimator',
            network_a=tiny_network(),
            semi_train_cfg=semi_train_cfg,
            **kwargs))


def official_cfg(**overrides):
    cfg = copy.deepcopy(dict(OFFICIAL.sspcm_semi_train_cfg))
    # Deterministic hard view = easy view: the arithmetic is what is tested.
    cfg.update(cut_occlude=None, hard_affine=None, **overrides)
    return cfg


def semi_batch():
    labeled = get_packed_inputs(
        2,
        num_keypoints=K,
        img_shape=(SIZE, SIZE),
        input_size=(SIZE, SIZE),
        heatmap_size=(16, 16),
        with_reg_label=False,
        with_simcc_label=False)
    unlabeled = get_packed_inputs(
        3,
        num_keypoints=K,
        img_shape=(SIZE, SIZE),
        input_size=(SIZE, SIZE),
        heatmap_size=(16, 16),
        with_reg_label=False,
        with_simcc_label=False)
    for sample in unlabeled['data_samples']:
        for field in ('gt_fields', 'gt_instance_labels', 'gt_instances'):
            if field in sample:
                delattr(sample, field)
    return dict(labeled=labeled, unlabeled=unlabeled)


# Hand-made teacher heatmaps on the easy view: one peak per keypoint.
# Keypoint:           0     1     2     3     4
PEAKS_A = torch.tensor([0.30, 0.05, 0.15, 0.00, 0.50])
PEAKS_B = torch.tensor([0.00, 0.05, 0.04, 0.25, 0.50])
# mean(A, B) > 0.1:   0.15  0.05  0.095 0.125 0.50
MEAN_AB_KEPT = torch.tensor([True, False, False, True, True])


def hand_heatmaps(peaks, num=3, shift=0):
    heatmaps = torch.zeros(num, K, 16, 16)
    for k, peak in enumerate(peaks):
        heatmaps[:, k, 3 + k + shift, 4 + 2 * k] = peak
        heatmaps[:, k, 3 + k + shift, 5 + 2 * k] = 0.5 * peak
    return heatmaps


def official_joints_mse(output, target, target_weight):
    """A line-by-line port of the paper's JointsMSELoss
    (hlz0606/SSPCM lib/core/loss.py, use_target_weight=True)."""
    batch_size, num_joints = output.shape[:2]
    pred = output.reshape(batch_size, num_joints, -1).split(1, 1)
    gt = target.reshape(batch_size, num_joints, -1).split(1, 1)
    criterion = torch.nn.MSELoss()
    loss = 0
    for idx in range(num_joints):
        heatmap_pred = pred[idx].squeeze()
        heatmap_gt = gt[idx].squeeze()
        loss += 0.5 * criterion(
            heatmap_pred.mul(target_weight[:, idx]),
            heatmap_gt.mul(target_weight[:, idx]))
    return loss / num_joints


# ------------------------------------------------------------ loss level
def test_official_loss_factors_on_a_hand_made_example():
    """Every factor of the official balance on numbers checkable by hand:
    N=1, K=2, H=1, W=2, squared errors (1, 4) and (9, 16)."""
    from mmpose.models.losses import KeypointMSELoss

    from mmpose_kd.models.losses.masked_heatmap_mse_loss import \
        MaskedHeatmapMSELoss
    pred = torch.tensor([[[[1., 2.]], [[3., 4.]]]])
    target = torch.zeros(1, 2, 1, 2)
    keep = torch.tensor([[1., 0.]])
    # JointsMSELoss = 0.5 * mean over ALL elements: 0.5 * (1 + 4) / 4.
    official = official_joints_mse(pred, target, keep[..., None])
    assert float(official) == pytest.approx(0.625)
    # Ours, the official unsupervised term: weight 0.5, reduction 'all'.
    ours = MaskedHeatmapMSELoss(
        loss_weight=0.5, reduction='all')(pred, target, keep.bool())
    assert float(ours) == pytest.approx(0.625)
    # 'kept' averages over the 2 kept elements instead: (1 + 4) / 2.
    assert float(MaskedHeatmapMSELoss()(pred, target, keep.bool())) == \
        pytest.approx(2.5)
    # Supervised: the official 0.5 * JointsMSELoss is 0.25 * mmpose's
    # KeypointMSELoss (a plain masked mean: (1 + 4) / 4 = 1.25).
    mmpose_loss = KeypointMSELoss(use_target_weight=True)(pred, target, keep)
    assert float(mmpose_loss) == pytest.approx(1.25)
    assert float(OFFICIAL.sspcm_semi_train_cfg.sup_loss_weight *
                 mmpose_loss) == pytest.approx(float(0.5 * official))
    # unsupervised : supervised = 2 : 1 for the same error
    unsup = OFFICIAL.sspcm_semi_train_cfg.mutual_loss_weight * 1.25
    sup = OFFICIAL.sspcm_semi_train_cfg.sup_loss_weight * 1.25
    assert unsup / sup == 2


def test_mean_confidence_is_the_official_score():
    heatmaps_a = hand_heatmaps(PEAKS_A)
    heatmaps_b = hand_heatmaps(PEAKS_B, shift=1)
    mean = mean_confidence(heatmaps_a, heatmaps_b)
    assert torch.equal(mean[0], (PEAKS_A + PEAKS_B) / 2.0)
    assert torch.equal(mean[0] > 0.1, MEAN_AB_KEPT)


# ------------------------------------------------------------ model level
def _with_hand_teachers(model, monkeypatch):
    heatmaps = dict(
        A=hand_heatmaps(PEAKS_A), B=hand_heatmaps(PEAKS_B, shift=1))
    monkeypatch.setattr(model, '_teacher_outputs',
                        lambda key, images: heatmaps[key].clone())
    return heatmaps


def test_official_total_loss_equals_the_papers_formula(monkeypatch):
    """The whole joint loss with the official settings equals the paper's
    PoseTripleLoss on the same network outputs: 0.5 * JointsMSE for each
    supervised term, JointsMSE with score_mask for each consistency term
    (A <- B, B <- A, C <- PCM); score_mask = mean of A's and B's maxima >
    0.1, the same for all three."""
    model = build(official_cfg())
    teachers = _with_hand_teachers(model, monkeypatch)
    data = model.data_preprocessor(semi_batch(), True)
    labeled = data['inputs']['labeled']
    easy = data['inputs']['unlabeled']
    losses = model.loss(data['inputs'], data['data_samples'])

    # The paper's formula on the same network outputs (train mode, batch
    # statistics: the same values as inside model.loss).
    samples = data['data_samples']['labeled']
    gt = torch.stack([s.gt_fields.heatmaps for s in samples])
    weight = torch.stack(
        [s.gt_instance_labels.keypoint_weights[0] for s in samples])[..., None]
    score_mask = MEAN_AB_KEPT[None, :, None].expand(3, K, 1).float()
    fused = 0.5 * teachers['A'] + 0.5 * teachers['B']  # no snapshots yet
    with torch.no_grad():
        out = {
            k: model.get_network(k)(labeled, None, mode='tensor')
            for k in 'ABC'
        }
        cons = {
            k: model.get_network(k)(easy, None, mode='tensor')
            for k in 'ABC'
        }
    expected = dict(
        loss_kpt_a=0.5 * official_joints_mse(out['A'], gt, weight),
        loss_kpt_b=0.5 * official_joints_mse(out['B'], gt, weight),
        loss_kpt_c=0.5 * official_joints_mse(out['C'], gt, weight),
        loss_mutual_a=official_joints_mse(cons['A'], teachers['B'],
                                          score_mask),
        loss_mutual_b=official_joints_mse(cons['B'], teachers['A'],
                                          score_mask),
        loss_pcm_c=official_joints_mse(cons['C'], fused, score_mask))
    for name, value in expected.items():
        assert losses[name].item() == pytest.approx(
            float(value), rel=1e-5), name
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert float(total) == pytest.approx(
        float(sum(expected.values())), rel=1e-5)
    # the masks in numbers: C kept exactly the mean(A, B) > 0.1 keypoints
    assert float(losses['pcm_kept_fraction']) == pytest.approx(3 / 5)


def _student_keypoint_gradient(model, monkeypatch, loss_name, student):
    _with_hand_teachers(model, monkeypatch)
    outputs = []
    heatmaps = model._network_outputs

    def record(network, images, name):
        out = heatmaps(network, images, name)
        if name == student and out.requires_grad:
            out.retain_grad()
            outputs.append(out)
        return out

    monkeypatch.setattr(model, '_network_outputs', record)
    data = model.data_preprocessor(semi_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    losses[loss_name].backward()
    hard_view = [o for o in outputs if o.grad is not None]
    return hard_view[-1].grad.abs().sum(dim=(0, 2, 3)) > 0


@pytest.mark.parametrize(
    'source,expected_a,expected_b',
    [
        # 'teacher': A <- B masked on B's maxima, B <- A on A's
        ('teacher', PEAKS_B > 0.1, PEAKS_A > 0.1),
        # 'mean_ab' (official): one mask for both directions
        ('mean_ab', MEAN_AB_KEPT, MEAN_AB_KEPT),
    ])
def test_mutual_mask_source(monkeypatch, source, expected_a, expected_b):
    cfg = official_cfg(mutual_conf_source=source)
    for student, expected in (('A', expected_a), ('B', expected_b)):
        model = build(cfg)
        reached = _student_keypoint_gradient(model, monkeypatch,
                                             f'loss_mutual_{student.lower()}',
                                             student)
        assert torch.equal(reached, expected), (student, reached)
        monkeypatch.undo()


def test_unmasked_mutual_losses_stay_the_default(monkeypatch):
    model = build(dict(cut_occlude=None, hard_affine=None))
    reached = _student_keypoint_gradient(model, monkeypatch, 'loss_mutual_a',
                                         'A')
    assert reached.all()


@pytest.mark.parametrize('source,expected', [
    ('fused_pair', (PEAKS_A + PEAKS_B) / 2 > 0.1),
    ('mean_ab', MEAN_AB_KEPT),
])
def test_pcm_mask_source(monkeypatch, source, expected):
    """Without snapshots the fused pair is (A, B), so both sources agree
    here on the confidence; 'fused_pair' also applies the inconsistency
    filter of the default 0.6 (A's and B's peaks differ by one row)."""
    model = build(official_cfg(pcm_conf_source=source, inconsistency_thr=0.6))
    reached = _student_keypoint_gradient(model, monkeypatch, 'loss_pcm_c', 'C')
    assert torch.equal(reached, expected)


def test_pcm_mean_ab_ignores_the_fused_pair_confidence(monkeypatch):
    """With snapshots, the PCM may fuse (A', B') whose maxima are high while
    A's and B's mean is low: 'mean_ab' (official) still drops the keypoint,
    'fused_pair' keeps it."""
    reached = {}
    for source in ('fused_pair', 'mean_ab'):
        model = build(official_cfg(pcm_conf_source=source))
        snapshots = (copy.deepcopy(model.get_network('A')),
                     copy.deepcopy(model.get_network('B')))
        model.set_snapshots(*snapshots)
        confident = hand_heatmaps(torch.full((K, ), 0.9))
        monkeypatch.setattr(model, '_snapshot_outputs', lambda images:
                            (confident, confident))
        reached[source] = _student_keypoint_gradient(model, monkeypatch,
                                                     'loss_pcm_c', 'C')
        monkeypatch.undo()
    assert reached['fused_pair'].all()
    assert torch.equal(reached['mean_ab'], MEAN_AB_KEPT)


def test_bad_official_keys_raise_naming_the_key():
    for key, value in (('mutual_conf_source', 'b'), ('pcm_conf_source',
                                                     'snapshot'),
                       ('snapshot_bn_mode', 'frozen'), ('unsup_loss_reduction',
                                                        'sum')):
        with pytest.raises(ValueError, match=f'semi_train_cfg.{key}'):
            build({key: value})


# ------------------------------------------------------------ snapshots
def _bn_state(module):
    return {
        name: (m.running_mean.clone(), m.running_var.clone(),
               m.num_batches_tracked.clone())
        for name, m in module.named_modules() if isinstance(m, _BatchNorm)
    }


def _same_bn_state(a, b):
    return all(all(torch.equal(x, y) for x, y in zip(a[n], b[n])) for n in a)


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_snapshot_bn_mode(mode):
    """'train' (the paper's code): the snapshots normalise with the batch
    statistics, and neither their running statistics nor the live
    networks' change; 'eval': running statistics."""
    model = build(dict(snapshot_bn_mode=mode))
    model.train()
    snapshots = tuple(copy.deepcopy(model.get_network(k)) for k in 'AB')
    # distinct running statistics, so eval and train mode differ
    for snapshot in snapshots:
        for m in snapshot.modules():
            if isinstance(m, _BatchNorm):
                m.running_mean.add_(0.3)
                m.running_var.mul_(2.)
    model.set_snapshots(*snapshots)
    images = torch.randn(3, 3, SIZE, SIZE)
    before_snap = [_bn_state(s) for s in snapshots]
    before_live = [_bn_state(model.get_network(k)) for k in 'AB']
    heatmaps_a, heatmaps_b = model._snapshot_outputs(images)
    for snapshot, heatmaps, state in zip(snapshots, (heatmaps_a, heatmaps_b),
                                         before_snap):
        assert not snapshot.training  # left as the hook set it
        assert _same_bn_state(state, _bn_state(snapshot))
        with torch.no_grad():
            in_eval = snapshot(images, None, mode='tensor')
            reference = copy.deepcopy(snapshot).train()
            in_train = reference(images, None, mode='tensor')
        expected = in_train if mode == 'train' else in_eval
        other = in_eval if mode == 'train' else in_train
        assert torch.allclose(heatmaps, expected, atol=1e-6)
        assert not torch.allclose(heatmaps, other, atol=1e-4)
    for key, state in zip('AB', before_live):
        assert _same_bn_state(state, _bn_state(model.get_network(key)))


# ------------------------------------------------------------ predict
def as_double(values):
    return torch.as_tensor(np.asarray(values), dtype=torch.float64)


@pytest.mark.parametrize('flip_test', [False, True])
def test_predict_networks_scores_a_b_their_ensemble_and_c(flip_test):
    model = MODELS.build(
        dict(type='SSPCMPoseEstimator', network_a=tiny_network(flip_test)))
    model.eval()
    data = get_packed_inputs(
        2,
        num_keypoints=K,
        img_shape=(SIZE, SIZE),
        input_size=(SIZE, SIZE),
        heatmap_size=(16, 16),
        with_reg_label=False,
        with_simcc_label=False)
    processed = model.data_preprocessor(data, False)
    inputs, samples = processed['inputs'], processed['data_samples']
    with torch.no_grad():
        results = model.predict_networks(inputs, samples,
                                         ('A', 'B', 'AB', 'C'))
        singles = {
            key: model.get_network(key).predict(inputs,
                                                [s.clone() for s in samples])
            for key in 'ABC'
        }
        # the ensemble: mean of the (flip-averaged) heatmaps, A's codec
        heatmaps = {}
        for key in 'AB':
            network = model.get_network(key)
            cfg = dict(network.test_cfg, output_heatmaps=True)
            if flip_test:
                feats = [
                    network.extract_feat(inputs),
                    network.extract_feat(inputs.flip(-1))
                ]
            else:
                feats = network.extract_feat(inputs)
            _, fields = network.head.predict(feats, samples, test_cfg=cfg)
            heatmaps[key] = torch.stack([f.heatmaps for f in fields])
        decoded = model.get_network('A').head.decode(0.5 * heatmaps['A'] +
                                                     0.5 * heatmaps['B'])
    assert list(results) == ['A', 'B', 'AB', 'C']
    for key in 'ABC':
        assert torch.allclose(
            as_double(results[key][0].pred_instances.keypoints),
            as_double(singles[key][0].pred_instances.keypoints))
    ensemble = results['AB'][0].pred_instances
    expected = singles['A'][0].pred_instances  # only for the conversion
    scale = samples[0].metainfo['input_scale'] / samples[0].metainfo[
        'input_size']
    offset = samples[0].metainfo[
        'input_center'] - 0.5 * samples[0].metainfo['input_scale']
    assert ensemble.keypoints.shape == expected.keypoints.shape
    assert torch.allclose(
        as_double(ensemble.keypoints),
        as_double(decoded[0].keypoints * scale + offset))
    assert torch.allclose(
        as_double(ensemble.keypoint_scores),
        as_double(decoded[0].keypoint_scores))
    # each network wrote into its own copies of the data samples
    assert len({id(results[k][0]) for k in results}) == 4
    assert 'pred_instances' not in samples[0]
    # semi_test_cfg.predict_on='AB' predicts the same through val_step
    model.semi_test_cfg['predict_on'] = 'AB'
    with torch.no_grad():
        via_val_step = model.val_step(data)
    assert torch.allclose(
        as_double(via_val_step[0].pred_instances.keypoints),
        as_double(ensemble.keypoints))
    with torch.no_grad():
        tensor = model(inputs, mode='tensor')
        mean = 0.5 * model.get_network('A')(inputs, None, mode='tensor') + \
            0.5 * model.get_network('B')(inputs, None, mode='tensor')
    assert torch.allclose(tensor, mean)
    with pytest.raises(ValueError, match='networks must be'):
        model.predict_networks(inputs, samples, ('A', 'D'))


def test_official_settings_train_in_the_separate_scheme(monkeypatch):
    """'mean_ab' in the separate scheme compares A and B as they are at
    each step; a step with the official settings updates all networks."""
    from mmengine.optim import build_optim_wrapper
    model = build(official_cfg(), update_scheme='separate')
    _with_hand_teachers(model, monkeypatch)
    wrappers = build_optim_wrapper(
        model,
        dict(
            constructor='SSPCMOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.1)))
    before = {
        k: [p.detach().clone() for p in model.get_network(k).parameters()]
        for k in 'ABC'
    }
    log_vars = model.train_step(semi_batch(), wrappers)
    for key in 'ABC':
        after = list(model.get_network(key).parameters())
        assert any(not torch.equal(b, a) for b, a in zip(before[key], after))
    assert log_vars['pcm_kept_fraction'] == pytest.approx(3 / 5)
    assert all(np.isfinite(float(v)) for v in log_vars.values())
