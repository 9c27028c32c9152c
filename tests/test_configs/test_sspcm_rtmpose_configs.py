"""The SSPCM configs with RTMPose networks (SimCC heads, coordinate pseudo
labels; ``configs/sspcm/sspcm_*rtmpose*.py``) run AS SHIPPED with a real
Runner: two training iterations, one validation pass with the config's own
loop, evaluator and networks, and its checkpointing.

What the run test changes, and nothing else (as
``test_sspcm_configs.py`` does for the heatmap configs):

* data paths: every string of the data loaders and evaluators that starts
  with ``data/synthetic_wholebody/``, ``data/synthetic_ubody/``,
  ``data/coco/`` or ``data/UBody/`` points at tiny generated data of that
  format: synthetic COCO-WholeBody files and images split by
  ``tools/split_semi.py`` (the COCO one with a detection-results file
  holding the ground-truth boxes of val) and a synthetic UBody as
  distributed (per-scene annotations, mp4 videos, split lists);
* weight sources: the public URLs of the networks' pretrained backbones
  (resolved from the config specs as the estimator resolves them) are
  served from ``torch.hub``'s cache, which holds random stand-ins; a
  download attempt fails the test;
* loader resources: batch sizes (synthetic: 2 + 2, real scale: 1 + 1; 2 at
  validation), ``num_workers=0``, no persistent workers, and the unlabeled
  set reads its first ``2 x batch`` samples (``indices``): 2 iterations;
* run length: ``train_cfg.max_epochs = 1`` (the config's validation and
  checkpointing run at the last epoch);
* the work dir and the visualizer's name.
"""
import glob
import json
import math
import os
import os.path as osp
import shutil
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, HOOKS, LOOPS, METRICS, MODELS, TRANSFORMS

import mmpose_kd  # noqa: F401
from mmpose_kd.models.base import resolve_model_spec
from mmpose_kd.utils.config import resolve_config_path
import sspcm_testing

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))

CONFIG_DIR = sspcm_testing.CONFIG_DIR
BODY17 = osp.join(CONFIG_DIR, 'sspcm_synthetic_rtmpose-t_body17.py')
WHOLEBODY = osp.join(CONFIG_DIR, 'sspcm_synthetic_rtmpose-t_wholebody.py')
WHOLEBODY_INIT = osp.join(
    CONFIG_DIR, 'sspcm_synthetic_rtmpose-t_wholebody_body17-init.py')
WHOLEBODY_MIXED = osp.join(
    CONFIG_DIR,
    'sspcm_synthetic_rtmpose-t_wholebody_body17-init_coco-ubody-unlabeled.py')
REAL = osp.join(CONFIG_DIR, 'sspcm_rtmpose-m_coco-wholebody-ubody_256x192.py')
CONFIGS = [BODY17, WHOLEBODY, WHOLEBODY_INIT, WHOLEBODY_MIXED, REAL]
SYNTHETIC = [BODY17, WHOLEBODY]  # from scratch
SYNTHETIC_ALL = SYNTHETIC + [WHOLEBODY_INIT, WHOLEBODY_MIXED]
SHIPPED_BODY17 = osp.join(sspcm_testing.ROOT, 'checkpoints', 'synthetic',
                          'rtmpose-t_synthetic-body17-128x96.pth')
ids = lambda paths: [osp.basename(p) for p in paths]  # noqa: E731

MMPOSE_RTMPOSE = 'mmpose::wholebody_2d_keypoint/rtmpose/'
STOCK_M = MMPOSE_RTMPOSE + \
    'coco-wholebody/rtmpose-m_8xb64-270e_coco-wholebody-256x192.py'
STOCK_S = MMPOSE_RTMPOSE + \
    'ubody/rtmpose-s_8xb64-270e_coco-ubody-wholebody-256x192.py'
MODEL_ZOO = 'https://download.openmmlab.com/mmpose/'
DET_FILE = ('person_detection_results/'
            'COCO_val2017_detections_AP_H_56_person.json')


def test_every_rtmpose_config_is_tested_here():
    shipped = glob.glob(osp.join(CONFIG_DIR, 'sspcm_*rtmpose*.py'))
    assert sorted(shipped) == sorted(CONFIGS)


def _networks(cfg):
    """The resolved model configs of A, B, C (B and C default to A's)."""
    model = cfg.model
    a = resolve_model_spec(model.network_a, 'network_a')
    return dict(
        A=a,
        B=resolve_model_spec(model.network_b, 'network_b')
        if model.get('network_b') else a,
        C=resolve_model_spec(model.network_c, 'network_c')
        if model.get('network_c') else a)


def _plain(node):
    """``node`` as plain dicts and lists, without mmengine's ``_scope_``
    keys (added to a config's top-level dicts when it is loaded)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items() if k != '_scope_'}
    if isinstance(node, (list, tuple)):
        return [_plain(v) for v in node]
    return node


def _pipelines(cfg):
    loaders = [cfg.train_dataloader.labeled, cfg.train_dataloader.unlabeled]
    loaders += [cfg[n] for n in ('val_dataloader', 'test_dataloader')]
    return [loader.dataset.pipeline for loader in loaders]


@pytest.mark.parametrize('path', CONFIGS, ids=ids(CONFIGS))
def test_config_structure(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    assert cfg.model.type == 'SSPCMPoseEstimator'
    assert MODELS.get(cfg.model.type) is not None
    assert cfg.model.semi_train_cfg.pseudo_labels == 'coordinate'
    assert cfg.train_cfg.type == 'SemiSupervisedEpochBasedTrainLoop'
    assert LOOPS.get(cfg.train_cfg.type) is not None
    assert set(cfg.train_dataloader) == {'labeled', 'unlabeled'}
    for part in ('labeled', 'unlabeled'):
        dataset = cfg.train_dataloader[part].dataset
        assert DATASETS.get(dataset.type) is not None, dataset.type
        types = [t['type'] for t in dataset.pipeline]
        # labeled samples get SimCC targets, unlabeled ones need none
        assert ('GenerateTarget' in types) == (part == 'labeled')
    for pipeline in _pipelines(cfg):
        for transform in pipeline:
            assert TRANSFORMS.get(transform['type']) is not None, transform
    for name in ('val_dataloader', 'test_dataloader'):
        assert DATASETS.get(cfg[name].dataset.type) is not None
    assert METRICS.get(cfg.val_evaluator.type) is not None
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'PCMSnapshotHook' in hooks and 'TrainingProgressHook' in hooks
    assert all(HOOKS.get(h) is not None for h in hooks)
    assert cfg.default_hooks.checkpoint.get('save_best')

    # SimCC networks: no heatmap head anywhere, one codec for all
    networks = _networks(cfg)
    for key, net in networks.items():
        assert net.head.type == 'RTMCCHead', key
        assert net.head.loss.type == 'KLDiscretLoss', key
        assert _plain(net.head.decoder) == _plain(networks['C'].head.decoder)
    codec = networks['C'].head.decoder
    for pipeline in _pipelines(cfg):
        for transform in pipeline:
            if transform['type'] == 'TopdownAffine':
                assert tuple(transform['input_size']) == \
                    tuple(codec['input_size'])
            if transform['type'] == 'GenerateTarget':
                assert _plain(transform['encoder']) == _plain(codec)
    # the A+B ensemble is not available for SimCC networks
    assert cfg.model.semi_test_cfg.predict_on != 'AB'
    for loop in (cfg.val_cfg, cfg.test_cfg):
        if loop and loop.get('type') in ('SSPCMValLoop', 'SSPCMTestLoop'):
            assert tuple(loop.networks) == ('A', 'B', 'C')


@pytest.mark.parametrize('path', SYNTHETIC, ids=ids(SYNTHETIC))
def test_synthetic_config_uses_the_cpu_rtmpose_t(path):
    cfg = Config.fromfile(path)
    stock = Config.fromfile(
        osp.join(
            sspcm_testing.ROOT, 'configs', 'synthetic',
            'rtmpose-t_synthetic-body17-128x96.py'
            if path == BODY17 else 'rtmpose-t_synthetic-wholebody-128x96.py'))
    # the same networks, from scratch (the demo's whole-body student loads
    # a body-17 backbone; A, B and C were measured without it)
    stock_model = _plain(stock.model)
    stock_model['backbone']['init_cfg'] = None
    for net in _networks(cfg).values():
        assert _plain(net) == stock_model
    assert not sspcm_testing.pretrained_sources(cfg.model)  # from scratch
    # the heatmap demo's data layout and split files
    labeled = cfg.train_dataloader.labeled.dataset
    assert labeled.data_root == 'data/synthetic_wholebody/'
    assert labeled.ann_file == 'annotations/train_labeled.json'
    assert cfg.train_cfg.max_epochs == 12
    if path == BODY17:
        assert cfg.train_dataloader.unlabeled.dataset.ann_file == \
            'annotations/train_unlabeled.json'
        assert cfg.val_evaluator.type == 'CocoMetric'
    else:
        assert labeled.type == 'CheckedCocoWholeBodyDataset'
        unlabeled = cfg.train_dataloader.unlabeled.dataset
        assert unlabeled.type == 'UBodyWholeBodyVideoDataset'
        assert unlabeled.data_root == 'data/synthetic_ubody/'
        assert cfg.val_evaluator.type == 'CocoWholeBodyPerPartMetric'


def test_wholebody_body17_init_is_its_parent_from_the_shipped_backbone():
    child, parent = Config.fromfile(WHOLEBODY_INIT), Config.fromfile(WHOLEBODY)
    for key, net in _networks(child).items():
        init = net.backbone.init_cfg
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert osp.samefile(init.checkpoint, SHIPPED_BODY17), key
        expected = _plain(_networks(parent)[key])
        expected['backbone']['init_cfg'] = _plain(init)
        assert _plain(net) == expected, key
    only_child = ('model', 'body17_backbone')
    no_model = lambda cfg: {  # noqa: E731
        k: _plain(v)
        for k, v in cfg.to_dict().items() if k not in only_child
    }
    assert no_model(child) == no_model(parent)
    # the three networks start from the shipped weights
    init_default_scope('mmpose')
    model = MODELS.build(child.model)
    model.init_weights()
    shipped = torch.load(SHIPPED_BODY17, map_location='cpu')
    shipped = shipped.get('state_dict', shipped)
    name = 'backbone.stem.0.conv.weight'
    for key in 'ABC':
        live = model.get_network(key).state_dict()[name]
        assert torch.equal(live, shipped[name].to(live.dtype)), key


def test_wholebody_mixed_unlabeled_is_the_body17_init_config_with_both_sets():
    """The unlabeled set is the split's unlabeled COCO-WholeBody images and
    the UBody frames (the parent's unlabeled set, unchanged); 4 epochs;
    a shifted hard view and unsupervised losses at a quarter weight; all
    else is the parent's."""
    child = Config.fromfile(WHOLEBODY_MIXED)
    parent = Config.fromfile(WHOLEBODY_INIT)
    combined = child.train_dataloader.unlabeled.dataset
    assert combined.type == 'CombinedDataset'
    assert _plain(combined.pipeline) == _plain(
        parent.train_dataloader.unlabeled.dataset.pipeline)
    coco, ubody = combined.datasets
    parent_ubody = _plain(parent.train_dataloader.unlabeled.dataset)
    parent_ubody.pop('pipeline')
    assert _plain(ubody) == dict(parent_ubody, pipeline=[])
    labeled = parent.train_dataloader.labeled.dataset
    assert coco.type == labeled.type
    assert coco.data_root == labeled.data_root
    assert coco.data_prefix == labeled.data_prefix
    assert coco.ann_file == 'annotations/train_unlabeled.json'
    assert coco.pipeline == []
    assert combined.sample_ratio_factor == [0.66, 0.25]
    assert child.train_cfg.max_epochs == 4
    assert child.param_scheduler[-1].milestones == [3]
    assert child.default_hooks.checkpoint.interval == 4
    # the model is the parent's with a shifted hard view and the
    # unsupervised losses at a quarter of the parent's weight
    model = _plain(child.model)
    semi, parent_semi = model['semi_train_cfg'], _plain(
        parent.model.semi_train_cfg)
    assert semi.pop('hard_affine') == dict(shift_factor=0.16)
    assert 'hard_affine' not in parent_semi
    for key in ('mutual_loss_weight', 'pcm_loss_weight'):
        assert parent_semi[key] == 1.0
        assert semi.pop(key) == 0.25
        parent_semi.pop(key)
    assert semi == parent_semi
    model.pop('semi_train_cfg')
    parent_model = _plain(parent.model)
    parent_model.pop('semi_train_cfg')
    assert model == parent_model
    changed = ('model', 'train_dataloader', 'train_cfg', 'param_scheduler',
               'default_hooks', 'max_epochs', 'unlabeled_ann_file')
    rest = lambda cfg: {  # noqa: E731
        k: _plain(v)
        for k, v in cfg.to_dict().items() if k not in changed
    }
    assert rest(child) == rest(parent)
    assert _plain(child.train_dataloader.labeled) == _plain(
        parent.train_dataloader.labeled)


def test_wholebody_mixed_unlabeled_set_draws_from_both(data_prefixes):
    """Built on generated data, the combined set holds the configured
    fraction of each part's people, and its samples come from both, with
    the whole-body flip indices."""
    cfg = Config.fromfile(WHOLEBODY_MIXED)
    sspcm_testing.redirect_data(cfg, data_prefixes)
    init_default_scope('mmpose')
    dataset_cfg = cfg.train_dataloader.unlabeled.dataset
    dataset_cfg.pipeline = []
    dataset = DATASETS.build(dataset_cfg)
    coco, ubody = dataset.datasets
    coco_ratio, ubody_ratio = dataset_cfg.sample_ratio_factor
    assert len(coco) > 0 and len(ubody) > 0
    assert len(dataset) == round(len(coco) * coco_ratio) + round(
        len(ubody) * ubody_ratio)
    sources = set()
    for index in range(len(dataset)):
        info = dataset[index]
        assert len(info['flip_indices']) == 133
        sources.add('#frame=' in info['img_path'])
    assert sources == {True, False}


def test_real_config_uses_mmposes_networks_and_weights():
    cfg = Config.fromfile(REAL)
    networks = _networks(cfg)
    stock_m = Config.fromfile(resolve_config_path(STOCK_M)).model
    stock_s = Config.fromfile(resolve_config_path(STOCK_S)).model
    assert _plain(networks['A']) == _plain(stock_m)
    assert _plain(networks['B']) == _plain(stock_m)
    assert _plain(networks['C']) == _plain(stock_s)
    assert networks['C'].head.out_channels == 133
    assert networks['C'].backbone.widen_factor < \
        networks['A'].backbone.widen_factor  # a smaller student
    for key, net in networks.items():
        init = net.backbone.init_cfg
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        assert init.checkpoint.startswith(MODEL_ZOO), key
    # data: COCO-WholeBody train labeled, UBody frames unlabeled
    labeled = cfg.train_dataloader.labeled.dataset
    assert labeled.type == 'CheckedCocoWholeBodyDataset'
    assert labeled.ann_file == 'annotations/coco_wholebody_train_v1.0.json'
    unlabeled = cfg.train_dataloader.unlabeled.dataset
    assert unlabeled.type == 'UBodyWholeBodyVideoDataset'
    assert unlabeled.data_root == 'data/UBody/'
    # recipe: RTMPose's optimizer, SSPCM's batch and epochs
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.optimizer.lr == 4e-3
    assert cfg.train_cfg.max_epochs == 100
    for part in ('labeled', 'unlabeled'):
        assert cfg.train_dataloader[part].batch_size == 32
    assert cfg.auto_scale_lr.base_batch_size == 8 * (32 + 32)
    assert cfg.val_evaluator.type == 'CocoWholeBodyMetric'


# ---------------------------------------------------------------------------
# Tiny data and stand-in weights
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def data_prefixes(tmp_path_factory):
    from mmpose_kd.datasets.synthetic import generate_ubody_dataset
    wholebody = sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('synthetic_wholebody'))
    # detector-style boxes for mmpose's validation: the ground-truth boxes
    with open(
            osp.join(wholebody, 'annotations',
                     'coco_wholebody_val_v1.0.json')) as f:
        val = json.load(f)
    det_file = osp.join(wholebody, DET_FILE)
    os.makedirs(osp.dirname(det_file), exist_ok=True)
    with open(det_file, 'w') as f:
        json.dump([
            dict(
                image_id=a['image_id'],
                category_id=1,
                bbox=a['bbox'],
                score=0.99) for a in val['annotations']
        ], f)
    ubody = tmp_path_factory.mktemp('synthetic_ubody')
    generate_ubody_dataset(
        str(ubody),
        scenes=('Fitness', 'TalkShow'),
        videos_per_scene=2,
        frames_per_video=3,
        img_size=(96, 96),
        seed=0)
    ubody = str(ubody).rstrip('/') + '/'
    return {
        'data/synthetic_wholebody/': wholebody,
        'data/synthetic_ubody/': ubody,
        'data/coco/': wholebody,
        'data/UBody/': ubody,
    }


@pytest.fixture
def no_download(tmp_path, monkeypatch):
    """``torch.hub``'s cache in a temporary folder; downloading fails."""
    hub_dir = tmp_path / 'torch_hub'
    os.makedirs(str(hub_dir / 'checkpoints'))
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub_dir))

    def refuse(url, *args, **kwargs):
        raise AssertionError(f'the test tried to download {url}')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)
    return hub_dir


def write_stand_in_backbones(cfg, hub_dir):
    """Random weights for every pretrained backbone the networks name, in
    ``<hub_dir>/checkpoints/<file name of its URL>`` with the keys under the
    init's ``prefix``, as the model zoo's files hold them. Returns
    ``{URL: backbone state dict}``."""
    written = {}
    for net in _networks(cfg).values():
        init = net.backbone.get('init_cfg')
        if not init:
            continue
        url = sspcm_testing.checkpoint_url(init['checkpoint'])
        if url in written:
            continue
        backbone = dict(net.backbone)
        backbone.pop('init_cfg')
        torch.manual_seed(len(written) + 1)
        state = MODELS.build(backbone).state_dict()
        prefix = init.get('prefix', '')
        torch.save({'state_dict': {prefix + k: v
                                   for k, v in state.items()}},
                   osp.join(str(hub_dir), 'checkpoints', osp.basename(url)))
        written[url] = state
    return written


def test_real_config_networks_build_from_stand_in_weights(no_download):
    """Each network of the real-scale config builds and its backbone loads
    the (stand-in) weights of its public URL; nothing is downloaded."""
    cfg = Config.fromfile(REAL)
    init_default_scope('mmpose')
    stand_ins = write_stand_in_backbones(cfg, no_download)
    assert len(stand_ins) == 2  # CSPNeXt-m (A, B) and CSPNeXt-s (C)
    for key, spec in _networks(cfg).items():
        net = MODELS.build(spec)
        net.init_weights()
        url = spec.backbone.init_cfg.checkpoint
        live = net.backbone.state_dict()
        for name, value in stand_ins[url].items():
            assert torch.equal(live[name], value), (key, name)


# ---------------------------------------------------------------------------
# A real Runner
# ---------------------------------------------------------------------------
def _point_at_tiny_data(cfg, prefixes, labeled_bs, unlabeled_bs):
    sspcm_testing.redirect_data(cfg, prefixes)
    sspcm_testing.shrink_loaders(
        cfg, labeled_bs=labeled_bs, unlabeled_bs=unlabeled_bs)
    unlabeled = cfg.train_dataloader.unlabeled.dataset
    if unlabeled.type == 'CombinedDataset':
        # a batch's worth from each part (CombinedDataset keeps
        # round(n x ratio) of each)
        for part, ratio in zip(unlabeled.datasets,
                               unlabeled.sample_ratio_factor):
            part.indices = round(unlabeled_bs / ratio)
    else:
        unlabeled.indices = 2 * unlabeled_bs
    cfg.train_cfg.max_epochs = 1


def _run(cfg, work_dir):
    cfg.work_dir = str(work_dir)
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'
    runner = sspcm_testing.build_runner(cfg)
    runner.train()
    assert len(runner.train_loop.dataloader) == 2
    assert runner.iter == 2
    hub = runner.message_hub
    assert math.isfinite(hub.get_scalar('train/loss').current())
    # the unsupervised losses ran (C's PCM loss, A's and B's mutual ones)
    for name in ('loss_pcm_c', 'loss_mutual_a', 'loss_mutual_b'):
        key = f'train/{name}'
        assert key in hub.log_scalars, sorted(hub.log_scalars)
        assert math.isfinite(hub.get_scalar(key).current())
    # the validation pass ran with the config's evaluator and networks
    save_best = cfg.default_hooks.checkpoint.save_best
    assert f'val/{save_best}' in hub.log_scalars, sorted(hub.log_scalars)
    for network in (cfg.val_cfg or {}).get('networks', ()):
        assert any(
            key.startswith(f'val/{network}/')
            for key in hub.log_scalars), (network, sorted(hub.log_scalars))
    assert not any(k.startswith('val/AB/') for k in hub.log_scalars)
    assert glob.glob(str(work_dir / 'best_*.pth')), 'no best checkpoint'
    assert osp.isfile(str(work_dir / 'epoch_1.pth'))
    return runner


@pytest.mark.parametrize('path', SYNTHETIC_ALL, ids=ids(SYNTHETIC_ALL))
def test_synthetic_config_trains_with_a_runner(path, data_prefixes,
                                               no_download, tmp_path):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    _point_at_tiny_data(cfg, data_prefixes, labeled_bs=2, unlabeled_bs=2)
    _run(cfg, tmp_path / 'work_dir')


def test_real_config_trains_with_a_runner(data_prefixes, no_download,
                                          tmp_path):
    """RTMPose-m A, B and RTMPose-s C at 256x192 from the (stand-in)
    pretrained backbones, on tiny COCO-WholeBody + UBody data, validated
    with mmpose's protocol (detector boxes, flip test)."""
    cfg = Config.fromfile(REAL)
    init_default_scope('mmpose')
    stand_ins = write_stand_in_backbones(cfg, no_download)
    _point_at_tiny_data(cfg, data_prefixes, labeled_bs=1, unlabeled_bs=1)
    assert cfg.val_dataloader.dataset.bbox_file == osp.join(
        data_prefixes['data/coco/'], DET_FILE)
    work_dir = tmp_path / 'work_dir'
    runner = _run(cfg, work_dir)
    # the networks started from the stand-ins: two AdamW steps during the
    # warm-up (LR <= 4e-3 x 2e-3) move a weight by far less than 1e-3
    model = runner.model.module if hasattr(runner.model, 'module') \
        else runner.model
    for key, spec in _networks(cfg).items():
        stand_in = stand_ins[spec.backbone.init_cfg.checkpoint]
        live = model.get_network(key).backbone.state_dict()
        name = next(k for k, v in stand_in.items() if v.dim() == 4)
        assert torch.allclose(live[name], stand_in[name], atol=1e-3), key
    shutil.rmtree(str(work_dir))  # three RTMPose checkpoints are big


def test_demo_runs_with_the_rtmpose_config(tmp_path):
    """``tools/run_sspcm_demo.py --config <the body-17 RTMPose config>``:
    the supervised-only run trains network C (a SimCC RTMPose-t) alone, the
    SSPCM run A, B, C, and the table scores C, A and B with COCO AP."""
    from tool_loading import load_tool
    demo = load_tool('run_sspcm_demo')
    work_dir = tmp_path / 'demo'
    assert demo.main([
        '--config', BODY17, '--work-dir',
        str(work_dir), '--num-train', '12', '--num-val', '3', '--num-labeled',
        '4', '--img-size', '96', '--epochs', '1', '--sequential',
        '--cfg-options', 'train_dataloader.labeled.batch_size=2',
        'train_dataloader.unlabeled.batch_size=4'
    ]) == 0
    with open(str(work_dir / 'results.json')) as f:
        results = json.load(f)['results']
    assert results['supervised']['iterations'] == \
        results['sspcm']['iterations'] > 0
    for key in ('AP_C', 'AP_A', 'AP_B'):
        assert 0. <= results['sspcm'][key] <= 1.
    assert 0. <= results['supervised']['AP_C'] <= 1.
    assert (work_dir / 'results.md').is_file()


def test_demo_runs_with_the_wholebody_config(tmp_path):
    """The whole-body RTMPose config through ``tools/run_sspcm_demo.py``:
    synthetic UBody videos generated as its unlabeled set, C, A and B scored
    by SSPCMValLoop with whole-body and per-part AP, C alone beside it."""
    from tool_loading import load_tool
    demo = load_tool('run_sspcm_demo')
    work_dir = tmp_path / 'demo'
    assert demo.main([
        '--config', WHOLEBODY, '--work-dir',
        str(work_dir), '--num-train', '12', '--num-val', '3', '--num-labeled',
        '4', '--img-size', '96', '--epochs', '1', '--sequential',
        '--ubody-videos-per-scene', '2', '--ubody-frames-per-video', '4',
        '--cfg-options', 'train_dataloader.labeled.batch_size=2',
        'train_dataloader.unlabeled.batch_size=4'
    ]) == 0
    with open(str(work_dir / 'results.json')) as f:
        results = json.load(f)['results']
    assert (work_dir / 'ubody' / 'demo_data.json').is_file()
    assert results['supervised']['iterations'] == \
        results['sspcm']['iterations'] > 0
    for key in ('C', 'A', 'B'):
        for part in ('', 'body_', 'foot_', 'face_', 'hand_'):
            assert 0. <= results['sspcm'][f'{part}AP_{key}'] <= 1.
    assert 0. <= results['supervised']['hand_AP_C'] <= 1.
    assert 'hand AP' in (work_dir / 'results.md').read_text()


def test_demo_points_each_unlabeled_part_at_its_data(tmp_path):
    """``tools/run_sspcm_demo.py`` with the mixed whole-body config: the
    COCO-WholeBody part reads the demo's data root, the UBody part the
    synthetic UBody root, and the epochs default to the config's."""
    from tool_loading import load_tool
    demo = load_tool('run_sspcm_demo')
    args = demo.parse_args([
        '--config', WHOLEBODY_MIXED, '--work-dir',
        str(tmp_path / 'demo'), '--ubody-root',
        str(tmp_path / 'ubody')
    ])
    assert demo._reads_ubody(args)
    cfg = demo.sspcm_config(args, str(tmp_path / 'data'))
    coco, ubody = cfg.train_dataloader.unlabeled.dataset.datasets
    assert coco.data_root == str(tmp_path / 'data') + '/'
    assert ubody.data_root == str(tmp_path / 'ubody') + '/'
    assert cfg.train_dataloader.labeled.dataset.data_root == coco.data_root
    assert 'the other training images and synthetic UBody videos' == \
        demo._unlabeled_description(args)
    assert args.epochs is None
    assert demo.resolve_epochs(args).epochs == 4  # the config's
    args = demo.parse_args(['--config', WHOLEBODY_MIXED, '--epochs', '2'])
    assert demo.resolve_epochs(args).epochs == 2
