"""SSPCMPoseEstimator: building, both update schemes, the PCM mask on C's
loss, snapshots, prediction, export."""
import copy
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmpose.registry import MODELS
from mmpose.utils import register_all_modules

import mmpose_kd  # noqa: F401
from mmpose_kd.models.semi import pseudo_labels as pseudo_labels_module
from mmpose_kd.models.semi import sspcm as sspcm_module
from mmpose_kd.models.semi.hard_view import views_to_draw
from mmpose_kd.models.semi.pcm import correct_pseudo_labels
from mmpose_kd.models.semi.sspcm import SSPCMPoseEstimator
from mmpose_kd.models.semi.sspcm_export import export_sspcm_student
from mmpose_kd.models.semi.warp import heatmap_to_image_px
from mmpose_kd.utils.recorder import record_method_output
from sspcm_testing import packed_batch
from toy_models import heatmap_cfg

register_all_modules()
torch.set_num_threads(1)

K = 5
SIZE = 64  # square inputs, heatmaps 16 x 16


def tiny_network(base=8):
    return heatmap_cfg(
        num_keypoints=K, input_size=(SIZE, SIZE), base_channels=base)


def build(**kwargs) -> SSPCMPoseEstimator:
    cfg = dict(type='SSPCMPoseEstimator', network_a=tiny_network())
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(num, seed=0, with_labels=True):
    return packed_batch(num, seed, K, SIZE, with_labels)


def semi_batch(num_labeled=2, num_unlabeled=3, seed=0):
    return dict(
        labeled=batch(num_labeled, seed),
        unlabeled=batch(num_unlabeled, seed + 1, with_labels=False))


def params_of(network):
    return {n: p.detach().clone() for n, p in network.named_parameters()}


def changed(before, network):
    return sum(not torch.equal(before[n], p)
               for n, p in network.named_parameters())


# --------------------------------------------------------------- building
def test_builds_three_independent_networks():
    model = build()
    nets = [model.get_network(k) for k in 'ABC']
    assert all(type(n).__name__ == 'TopdownPoseEstimator' for n in nets)
    assert len({id(n) for n in nets}) == 3
    # separately initialised: A and B start different (paper: two nets)
    wa = nets[0].backbone.conv1.weight
    wb = nets[1].backbone.conv1.weight
    assert not torch.equal(wa, wb)
    keys = list(model.state_dict())
    assert {k.split('.')[0]
            for k in keys} == {'network_a', 'network_b', 'network_c'}
    assert type(model.data_preprocessor).__name__ == \
        'SemiPoseDataPreprocessor'


def test_network_specs_take_config_files_as_dwpose(tmp_path):
    """network_a/b/c as resolve_model_spec takes them: a config file whose
    ``model`` is used, dict(config=, overrides=), a dict; B and C default
    to A's; the deploy network's config resolves the same way."""
    path = tmp_path / 'net.py'
    path.write_text(f'model = {tiny_network()!r}\n')
    small = dict(
        config=str(path),
        overrides=dict(
            backbone=dict(base_channels=4, stem_channels=4),
            head=dict(in_channels=32)))
    model = build(network_a=str(path), network_c=small)
    reference = build()
    for key in 'AB':
        assert {
            k: v.shape
            for k, v in model.get_network(key).state_dict().items()
        } == {
            k: v.shape
            for k, v in reference.get_network(key).state_dict().items()
        }
    assert model.get_network('C').backbone.conv1.out_channels == 4
    model_cfg = dict(
        type='SSPCMPoseEstimator', network_a=str(path), network_c=small)
    c_cfg = SSPCMPoseEstimator.deploy_network_cfg(model_cfg)
    assert c_cfg.backbone.base_channels == 4 and c_cfg.head.in_channels == 32
    assert SSPCMPoseEstimator.network_cfg(model_cfg, 'B').to_dict() == \
        SSPCMPoseEstimator.network_cfg(
            dict(network_a=tiny_network()), 'A').to_dict()
    with pytest.raises(TypeError, match='network_b must be a model config'):
        build(network_b=3)


def test_is_a_trainable_wrapper_shipping_c():
    from mmpose_kd.models.base import TrainableWrapper
    from mmpose_kd.utils.export import deploy_prefix
    model = build()
    assert isinstance(model, TrainableWrapper)
    assert model.deploy_network is model.get_network('C')
    assert deploy_prefix(model) == 'network_c.' == \
        SSPCMPoseEstimator.deploy_prefix
    assert any(k.startswith('network_c.') for k in model.state_dict())
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(torch.zeros(1, 3, SIZE, SIZE), None, mode='bad')


def test_bad_configs_raise_clear_errors():
    with pytest.raises(ValueError, match='update_scheme'):
        build(update_scheme='alternating')
    with pytest.raises(KeyError, match='unknown semi_train_cfg key'):
        build(semi_train_cfg=dict(conf_threshold=0.2))
    with pytest.raises(ValueError, match='predict_on'):
        build(semi_test_cfg=dict(predict_on='D'))
    # any head type trains (coordinate pseudo labels), but the pseudo
    # labels need the head's codec
    simcc = tiny_network()
    simcc['head'] = dict(type='RTMCCHead', in_channels=64, out_channels=K)
    with pytest.raises(ValueError, match='without a codec'):
        build(network_c=simcc)


# --------------------------------------------------------------- joint
def test_joint_step_updates_all_networks_and_logs_pcm():
    model = build()
    before = {k: params_of(model.get_network(k)) for k in 'ABC'}
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log_vars = model.train_step(semi_batch(), wrapper)
    for key in 'ABC':
        assert changed(before[key], model.get_network(key)) > 10, key
    for name in ('loss_kpt_a', 'loss_kpt_b', 'loss_kpt_c', 'loss_mutual_a',
                 'loss_mutual_b', 'loss_pcm_c', 'pcm_kept_fraction',
                 'pcm_inconsistency'):
        assert name in log_vars, name
    summed = sum(
        float(v) for k, v in log_vars.items() if 'loss' in k and k != 'loss')
    assert float(log_vars['loss']) == pytest.approx(summed, rel=1e-5)
    assert 0. <= float(log_vars['pcm_kept_fraction']) <= 1.


def test_joint_losses_give_gradients_to_each_network():
    """Each unsupervised loss reaches its student and only its student."""
    model = build()
    data = model.data_preprocessor(semi_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    students = dict(loss_mutual_a='A', loss_mutual_b='B', loss_pcm_c='C')
    for name, student in students.items():
        model.zero_grad()
        losses[name].backward(retain_graph=True)
        for key in 'ABC':
            grads = [p.grad for p in model.get_network(key).parameters()]
            has_grad = any(g is not None and g.abs().sum() > 0 for g in grads)
            assert has_grad == (key == student), (name, key)


def test_joint_rejects_optim_wrapper_dict():
    model = build()
    wrappers = build_optim_wrapper(
        model,
        dict(
            constructor='SSPCMOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.1)))
    with pytest.raises(TypeError, match="update_scheme='separate'"):
        model.train_step(semi_batch(), wrappers)


# --------------------------------------------------------------- separate
def test_separate_step_updates_each_network_with_its_optimizer():
    model = build(update_scheme='separate')
    wrappers = build_optim_wrapper(
        model,
        dict(
            constructor='SSPCMOptimWrapperConstructor',
            A=dict(optimizer=dict(type='SGD', lr=0.1)),
            B=dict(optimizer=dict(type='SGD', lr=0.1)),
            C=dict(optimizer=dict(type='SGD', lr=0.0))))
    assert list(wrappers.keys()) == ['A', 'B', 'C']
    # each optimizer holds exactly its network's parameters
    for key in 'ABC':
        ids = {
            id(p)
            for g in wrappers[key].optimizer.param_groups for p in g['params']
        }
        assert ids == {id(p) for p in model.get_network(key).parameters()}
    before = {k: params_of(model.get_network(k)) for k in 'ABC'}
    log_vars = model.train_step(semi_batch(), wrappers)
    assert changed(before['A'], model.get_network('A')) > 10
    assert changed(before['B'], model.get_network('B')) > 10
    # C's optimizer has lr 0: C is untouched, so no other optimizer moved it
    assert changed(before['C'], model.get_network('C')) == 0
    for name in ('loss_kpt_c', 'loss_mutual_a', 'loss_mutual_b', 'loss_pcm_c',
                 'pcm_kept_fraction'):
        assert name in log_vars
    # two updates per optimizer: supervised step, then its consistency step
    assert [w._inner_count for w in wrappers.values()] == [2, 2, 2]


def test_separate_updates_c_too_and_needs_optim_wrapper_dict():
    model = build(update_scheme='separate')
    wrappers = build_optim_wrapper(
        model,
        dict(
            constructor='SSPCMOptimWrapperConstructor',
            optimizer=dict(type='SGD', lr=0.1)))
    before = params_of(model.get_network('C'))
    model.train_step(semi_batch(), wrappers)
    assert changed(before, model.get_network('C')) > 10
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match='OptimWrapperDict with keys'):
        model.train_step(semi_batch(), plain)


def test_optim_constructor_rejects_partial_settings():
    model = build(update_scheme='separate')
    with pytest.raises(KeyError, match="missing \\['C'\\]"):
        build_optim_wrapper(
            model,
            dict(
                constructor='SSPCMOptimWrapperConstructor',
                A=dict(optimizer=dict(type='SGD', lr=0.1)),
                B=dict(optimizer=dict(type='SGD', lr=0.1))))


# --------------------------------------------------------------- PCM
def _forced_mask_pcm(keep):
    """correct_pseudo_labels, with the mask replaced by ``keep`` [K]."""

    def fake(*args, **kwargs):
        result = correct_pseudo_labels(*args, **kwargs)
        mask = keep[None].expand_as(result.mask).clone()
        return result._replace(mask=mask)

    return fake


def _c_hard_view_gradient(model, monkeypatch, keep):
    """Gradient of loss_pcm_c w.r.t. C's heatmaps on its hard view."""
    monkeypatch.setattr(pseudo_labels_module, 'correct_pseudo_labels',
                        _forced_mask_pcm(keep))
    outputs = []
    heatmaps = model._network_outputs

    def record(network, images, name):
        out = heatmaps(network, images, name)
        if name == 'C':
            out.retain_grad()
            outputs.append(out)
        return out

    monkeypatch.setattr(model, '_network_outputs', record)
    data = model.data_preprocessor(semi_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert len(outputs) == 1  # C's heatmaps on its hard view
    hard_view_output = outputs[0]
    losses['loss_pcm_c'].backward()
    return losses['loss_pcm_c'], hard_view_output.grad


def test_c_loss_uses_the_pcm_mask(monkeypatch):
    # No affine, so no keypoint leaves the view: the mask is the PCM's.
    model = build(semi_train_cfg=dict(hard_affine=None))
    keep = torch.tensor([False, True, True, False, True])
    loss, grad = _c_hard_view_gradient(model, monkeypatch, keep)
    per_keypoint = grad.abs().sum(dim=(0, 2, 3))
    assert (per_keypoint[~keep] == 0).all()
    assert (per_keypoint[keep] > 0).all()
    assert float(loss) > 0


def test_c_loss_is_zero_when_pcm_keeps_nothing(monkeypatch):
    model = build(semi_train_cfg=dict(hard_affine=None))
    loss, grad = _c_hard_view_gradient(model, monkeypatch,
                                       torch.zeros(K, dtype=torch.bool))
    assert float(loss) == 0
    assert float(grad.abs().sum()) == 0


def test_pcm_gets_snapshot_heatmaps_once_set(monkeypatch):
    model = build()
    calls = []

    def spy(hm_a, hm_b, hm_a_prev, hm_b_prev, **kwargs):
        calls.append((hm_a, hm_b, hm_a_prev, hm_b_prev, kwargs))
        return correct_pseudo_labels(hm_a, hm_b, hm_a_prev, hm_b_prev,
                                     **kwargs)

    monkeypatch.setattr(pseudo_labels_module, 'correct_pseudo_labels', spy)
    data = model.data_preprocessor(semi_batch(), True)
    model.loss(data['inputs'], data['data_samples'])
    # before any snapshot: A' = A, B' = B (None means "the live network")
    assert calls[-1][2] is None and calls[-1][3] is None
    assert calls[-1][4] == dict(conf_thr=0.1, inconsistency_thr=0.6)

    snap_a = copy.deepcopy(model.get_network('A'))
    snap_b = copy.deepcopy(model.get_network('B'))
    with torch.no_grad():  # make the snapshots differ from the live nets
        for p in list(snap_a.parameters()) + list(snap_b.parameters()):
            p.add_(0.05 * torch.randn_like(p))
    model.set_snapshots(snap_a, snap_b)
    model.loss(data['inputs'], data['data_samples'])
    _, _, hm_a_prev, hm_b_prev, _ = calls[-1]
    easy = data['inputs']['unlabeled']
    with torch.no_grad():
        assert torch.allclose(hm_a_prev, snap_a(easy, None, mode='tensor'))
        assert torch.allclose(hm_b_prev, snap_b(easy, None, mode='tensor'))
    assert not snap_a.training and not snap_b.training


def test_unlabeled_ground_truth_is_never_read():
    """batch() strips gt fields from the unlabeled part: a step runs."""
    model = build()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train_step(semi_batch(), wrapper)


# --------------------------------------------------------------- snapshots
def test_snapshots_stay_out_of_state_dict_parameters_and_train_mode():
    model = build()
    num_keys = len(model.state_dict())
    num_params = len(list(model.parameters()))
    snap_a = copy.deepcopy(model.get_network('A'))
    snap_b = copy.deepcopy(model.get_network('B'))
    model.set_snapshots(snap_a, snap_b)
    assert model.snapshots == (snap_a, snap_b)
    assert len(model.state_dict()) == num_keys
    assert len(list(model.parameters())) == num_params
    assert all(not p.requires_grad for p in snap_a.parameters())
    model.train()
    assert not snap_a.training and not snap_b.training
    with pytest.raises(ValueError, match='both'):
        model.set_snapshots(snap_a, None)
    model.set_snapshots(None, None)
    assert model.snapshots is None


def test_model_takes_saves_and_restores_its_snapshots():
    model = build()
    assert model.snapshot_state_dict() is None
    model.take_snapshots()
    snap_a, snap_b = model.snapshots
    live_a = model.get_network('A')
    assert snap_a is not live_a and not snap_a.training
    assert all(not p.requires_grad for p in snap_a.parameters())
    for name, value in live_a.state_dict().items():
        assert torch.equal(snap_a.state_dict()[name], value)
    # a deep copy of the model (mmengine's EMA) shares, not copies, them
    copied = copy.deepcopy(model)
    assert all(a is b for a, b in zip(copied.snapshots, model.snapshots))

    state = model.snapshot_state_dict()
    assert set(state) == {'A', 'B'}
    other = build()
    other.load_snapshot_state_dict(state)
    for key, snapshot in zip('AB', other.snapshots):
        assert not snapshot.training
        assert all(
            torch.equal(snapshot.state_dict()[n], v)
            for n, v in state[key].items())
    with pytest.raises(KeyError, match='keys A and B'):
        other.load_snapshot_state_dict(dict(A=state['A']))


def test_model_averages_pcm_statistics_until_asked():
    model = build()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    assert model.take_pcm_epoch_means() == {}
    logged = [model.train_step(semi_batch(seed=i), wrapper) for i in (0, 1)]
    means = model.take_pcm_epoch_means()
    assert set(means) == set(sspcm_module.PCM_EPOCH_STATISTICS)
    for name, value in means.items():
        assert value == (float(logged[0][name]) + float(logged[1][name])) / 2
    assert model.take_pcm_epoch_means() == {}


# --------------------------------------------------------------- predict
def test_predict_and_tensor_use_c_unless_configured():
    data = batch(2)
    for key in ('C', 'A'):
        model = build(semi_test_cfg=dict(predict_on=key))
        model.eval()
        processed = model.data_preprocessor(data, False)
        with torch.no_grad():
            ours = model(
                processed['inputs'], processed['data_samples'], mode='tensor')
            theirs = model.get_network(key)(
                processed['inputs'], None, mode='tensor')
            others = [
                model.get_network(k)(processed['inputs'], None, mode='tensor')
                for k in 'ABC' if k != key
            ]
        assert torch.equal(ours, theirs)
        assert all(not torch.equal(ours, o) for o in others)
        with torch.no_grad():
            samples = model.val_step(data)
        assert samples[0].pred_instances.keypoints.shape == (1, K, 2)


def test_visuals_recorded_only_when_requested():
    model = build()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    model.train_step(semi_batch(), wrapper)
    assert 'pcm_pseudo_labels' not in vars(model)
    with record_method_output(model, 'pcm_pseudo_labels') as recorder:
        model.train_step(semi_batch(num_unlabeled=3), wrapper)
    labels = recorder.output
    visuals = views_to_draw(labels.easy, labels.view, labels.pcm)
    assert visuals['easy_images'].shape == (3, 3, SIZE, SIZE)
    assert visuals['hard_images'].shape == (3, 3, SIZE, SIZE)
    assert visuals['keypoints_easy'].shape == (3, K, 2)
    assert visuals['kept'].dtype == torch.bool
    assert visuals['patch_boxes'].shape == (3, 2, 4)
    # the recording held for one step: the next one records nothing
    model.train_step(semi_batch(), wrapper)
    assert len(recorder.outputs) == 1
    assert 'pcm_pseudo_labels' not in vars(model)


def test_heatmap_to_image_px_follows_mmpose_codecs():
    points = torch.tensor([[[0., 0.], [15., 7.5]]])
    out = heatmap_to_image_px(points, (16, 8), (64, 16))
    # MSRAHeatmap encodes image point p at p / stride (x: 2, y: 4)
    assert torch.allclose(out, torch.tensor([[[0., 0.], [30., 30.]]]))


# --------------------------------------------------------------- export
def test_export_gives_a_plain_topdown_checkpoint(tmp_path):
    from mmpose.apis import init_model
    model = build()
    checkpoint = dict(
        meta=dict(epoch=3),
        state_dict={f'module.{k}': v
                    for k, v in model.state_dict().items()})
    exported = export_sspcm_student(checkpoint, 'C')
    assert set(exported) == set(model.get_network('C').state_dict())
    ckpt_path = str(tmp_path / 'c.pth')
    torch.save(dict(state_dict=exported, meta=dict()), ckpt_path)
    cfg_path = str(tmp_path / 'c_config.py')
    Config(dict(model=tiny_network())).dump(cfg_path)
    loaded = init_model(cfg_path, ckpt_path, device='cpu')
    # no missing keys: every tensor equals C's; no unexpected keys
    loaded_state = loaded.state_dict()
    assert set(loaded_state) == set(exported)
    for key, value in exported.items():
        assert torch.equal(loaded_state[key], value), key
    loaded.load_state_dict(exported, strict=True)
    assert set(model.export_state_dict('A')) == set(exported)
    with pytest.raises(KeyError, match='network_c'):
        export_sspcm_student(dict(state_dict=exported), 'C')
    with pytest.raises(ValueError, match='which'):
        export_sspcm_student(checkpoint, 'D')


def _old_ramp(iteration, warmup):
    """The warm-up as it was computed before TrainingProgressHook fed it:
    from the message hub's 'iter' (0-based, set before the step)."""
    return math.exp(-5 * (1 - min(1, (iteration + 1) / warmup))**2)


def test_unsupervised_warmup_follows_the_runner_iteration():
    model = build(semi_train_cfg=dict(unsup_warmup_iters=100))
    plain = build()
    plain.load_state_dict(model.state_dict())
    data = model.data_preprocessor(semi_batch(), True)
    results = {}
    for iteration in (0, 49, 99, 500):
        # what TrainingProgressHook sets before the runner's iteration
        model.set_training_progress(1, 2, iteration=iteration)
        torch.manual_seed(0)
        ramped = model.loss(data['inputs'], data['data_samples'])
        torch.manual_seed(0)
        full = plain.loss(data['inputs'], data['data_samples'])
        factor = _old_ramp(iteration, 100)
        assert model._unsup_ramp() == factor
        for name in ('loss_mutual_a', 'loss_mutual_b', 'loss_pcm_c'):
            assert float(ramped[name]) == pytest.approx(
                factor * float(full[name]), rel=1e-4, abs=1e-12), name
        # the supervised losses are not ramped
        assert float(ramped['loss_kpt_c']) == pytest.approx(
            float(full['loss_kpt_c']))
        results[iteration] = factor
    assert results[0] < 0.01 and results[99] == 1. and results[500] == 1.


def test_unsupervised_warmup_needs_the_progress_hook():
    model = build(semi_train_cfg=dict(unsup_warmup_iters=10))
    with pytest.raises(
            RuntimeError, match="TrainingProgressHook.*unsup_warmup_iters=0"):
        model._unsup_ramp()
    model.set_training_progress(1, 2)  # no iteration: the ramp counts them
    with pytest.raises(RuntimeError, match='without one'):
        model._unsup_ramp()
    # without warm-up no progress is needed (the paper's setting)
    assert build()._unsup_ramp() == 1.


def test_warmup_through_the_runner_equals_the_message_hub_ramp(
        tmp_path, monkeypatch):
    """Fed by TrainingProgressHook in a real run (2 epochs, 2 iterations
    each), the ramp at every iteration equals the one computed from the
    message hub's iteration, as before the hook fed it."""
    from mmengine.config import Config
    from mmengine.logging import MessageHub

    import sspcm_testing
    data_root = sspcm_testing.make_synthetic_data(tmp_path / 'data')
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    sspcm_testing.point_config_at(
        cfg, data_root, tmp_path / 'work', max_epochs=2)
    sspcm_testing.shrink_input(cfg)
    cfg.model.semi_train_cfg = dict(
        cfg.model.get('semi_train_cfg') or {}, unsup_warmup_iters=3)
    cfg.custom_hooks = [dict(type='TrainingProgressHook')]
    runner = sspcm_testing.build_runner(cfg)
    model = runner.model
    ramp = model._unsup_ramp
    seen = []

    def recorded():
        value = ramp()
        iteration = MessageHub.get_current_instance().get_info('iter')
        seen.append((iteration, value, _old_ramp(iteration, 3)))
        return value

    monkeypatch.setattr(model, '_unsup_ramp', recorded)
    runner.train()
    # two unsupervised terms of A and B and C's PCM term per iteration
    assert [s[0] for s in seen] == [i for i in range(4) for _ in range(3)]
    assert all(value == old for _, value, old in seen)
    assert seen[0][1] < seen[3][1] < 1. == seen[6][1] == seen[-1][1]


def _centroid(heatmaps):
    """Weighted centroid (x, y) of each [N, K, H, W] heatmap."""
    h, w = heatmaps.shape[-2:]
    ys = torch.arange(h, dtype=torch.float32)[:, None]
    xs = torch.arange(w, dtype=torch.float32)[None, :]
    mass = heatmaps.sum(dim=(-2, -1))
    return torch.stack(((heatmaps * xs).sum(dim=(-2, -1)) / mass,
                        (heatmaps * ys).sum(dim=(-2, -1)) / mass),
                       dim=-1)


def test_warped_targets_stay_on_the_warped_keypoints():
    """mmpose's codec puts image point p at heatmap point p / stride; after
    the hard affine, the target peak must sit at warped(p) / stride."""
    from mmpose.codecs import MSRAHeatmap

    from mmpose_kd.models.semi.warp import (affine_theta, heatmap_theta,
                                            warp_heatmaps, warp_points)
    image_hw, heatmap_hw = (128, 96), (32, 24)
    codec = MSRAHeatmap(input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
    point = torch.tensor([[40.0, 72.0]])  # on the heatmap grid: (10, 18)
    heatmap = torch.from_numpy(codec.encode(
        point[None].numpy())['heatmaps'])[None]  # [1, 1, 32, 24]
    assert torch.allclose(_centroid(heatmap)[0, 0], point[0] / 4, atol=0.05)
    theta = affine_theta(torch.tensor([50.]), torch.tensor([1.2]), *image_hw)
    expected = warp_points(point[None], theta, image_hw)[0, 0] / 4
    exact = warp_heatmaps(heatmap, heatmap_theta(theta, image_hw, heatmap_hw))
    naive = warp_heatmaps(heatmap, theta)
    assert torch.allclose(_centroid(exact)[0, 0], expected, atol=0.05)
    # the images' theta alone is off by the half-stride convention offset
    assert (_centroid(naive)[0, 0] - expected).norm() > 0.2


@pytest.mark.parametrize('hard_view_bn_stats', [True, False])
def test_hard_view_bn_statistics_option(hard_view_bn_stats):
    """With hard_view_bn_stats=False the hard-view passes leave BN running
    statistics alone: C's come from the labeled pass only."""
    model = build(semi_train_cfg=dict(hard_view_bn_stats=hard_view_bn_stats))
    data = model.data_preprocessor(semi_batch(), True)

    def tracked(key):
        bn = model.get_network(key).backbone.bn1
        return int(bn.num_batches_tracked), bn.running_mean.clone()

    before = {k: tracked(k) for k in 'ABC'}
    model.loss(data['inputs'], data['data_samples'])
    after = {k: tracked(k) for k in 'ABC'}
    hard = 1 if hard_view_bn_stats else 0
    # C: labeled (+ hard view); A, B: labeled + teacher pass (+ hard view)
    assert after['C'][0] - before['C'][0] == 1 + hard
    assert after['A'][0] - before['A'][0] == 2 + hard
    # the running mean after the labeled pass alone, for comparison
    fresh = build()
    fresh.load_state_dict(model.state_dict())
    bn_c = fresh.get_network('C').backbone.bn1
    bn_c.running_mean.copy_(before['C'][1])
    fresh.get_network('C').train()
    with torch.no_grad():
        fresh.get_network('C')(data['inputs']['labeled'], None, mode='tensor')
    same = torch.allclose(bn_c.running_mean, after['C'][1])
    assert same == (not hard_view_bn_stats)


# --------------------------------------------------------------- NaN/Inf
@pytest.mark.parametrize('scheme', ['joint', 'separate'])
@pytest.mark.parametrize('term', ['loss_mutual_b', 'loss_pcm_c'])
def test_non_finite_loss_stops_before_any_step(scheme, term, monkeypatch):
    """A NaN/Inf loss raises naming the term and the runner's iteration;
    no network's weights move in that iteration in the joint scheme, and
    the poisoned network's step never runs in the separate one."""
    from mmengine.logging import MessageHub
    model = build(update_scheme=scheme)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 41)
    if term == 'loss_mutual_b':
        original = model._mutual_loss

        def poisoned(student, *args):
            loss = original(student, *args)
            return loss * float('nan') if student == 'B' else loss

        monkeypatch.setattr(model, '_mutual_loss', poisoned)
    else:
        original = model._pcm_loss

        def poisoned(*args):
            loss, stats = original(*args)
            return loss * float('inf'), stats

        monkeypatch.setattr(model, '_pcm_loss', poisoned)
    if scheme == 'joint':
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    else:
        wrapper = build_optim_wrapper(
            model,
            dict(
                constructor='SSPCMOptimWrapperConstructor',
                optimizer=dict(type='SGD', lr=0.1)))
    student = 'B' if term == 'loss_mutual_b' else 'C'
    before = {k: params_of(model.get_network(k)) for k in 'ABC'}
    with pytest.raises(
            FloatingPointError,
            match=f'`{term}` is (nan|inf) at iteration 42'):
        model.train_step(semi_batch(), wrapper)
    hub.runtime_info.pop('iter', None)
    if scheme == 'joint':
        for key in 'ABC':
            assert changed(before[key], model.get_network(key)) == 0, key
    else:
        # supervised steps ran for all; the poisoned consistency step not:
        # the student's weights equal those after its supervised step only
        assert all(w._inner_count >= 1 for w in wrapper.values())
        assert wrapper[student]._inner_count == 1
