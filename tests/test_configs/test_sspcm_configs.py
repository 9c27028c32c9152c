"""Every heatmap config in configs/sspcm/ runs AS SHIPPED: its own model,
pipelines, datasets, loop, val_cfg, evaluator, hooks and checkpoint rule,
for 2 training iterations and one validation pass, with a real Runner (the
RTMPose ones: test_sspcm_rtmpose_configs.py).

What the test changes, and nothing else:

* data paths: every string of the data loaders and evaluators that starts
  with ``data/coco/``, ``data/mpii/``, ``data/aic/`` or
  ``data/synthetic_wholebody/`` points at tiny generated data of the format
  the config reads (mmpose_kd.datasets.synthetic): COCO body-17 train / val
  files and images, the labeled files made by ``tools/split_semi.py`` with
  the paper's protocol, the wild images with ``image_info_unlabeled2017``
  and a detection-results bbox file, COCO val detections, MPII's json and
  head-box ``.mat``, AI Challenger's json and image folders;
* weight sources: the URLs the configs name (``torchvision://...``,
  ``https://download.openmmlab.com/...``) resolve, as on a user's machine,
  through ``torch.hub``'s cache, which holds random stand-ins (nothing is
  downloaded);
* loader resources: batch sizes (real-scale configs: 1 labeled + 1
  unlabeled sample; synthetic ones: 2 + 4; 2 at validation; the input size
  stays the shipped one), ``num_workers=0``, no persistent workers;
* run length: ``train_cfg.max_epochs = 1``; the unlabeled data hold 2
  people (synthetic: 9), so the epoch is 2 iterations, followed by the
  config's own validation (``val_interval``) and checkpointing;
* the work dir and the visualizer's name (one per run).

If a shipped pipeline step, dataset, evaluator, loop, hook or dependency
cannot run, the test fails. The best checkpoint is looked up under the
config's own ``save_best`` key, and the per-network metrics under the
networks its ``val_cfg`` names.
"""
import glob
import math
import os.path as osp
import shutil
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, HOOKS, LOOPS, TRANSFORMS

import mmpose_kd  # noqa: F401
import sspcm_testing

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))

# The configs with RTMPose (SimCC) networks and coordinate pseudo labels
# read other data formats and weights: tests/test_configs/
# test_sspcm_rtmpose_configs.py runs them the same way.
CONFIGS = sorted(
    c for c in glob.glob(osp.join(sspcm_testing.CONFIG_DIR, 'sspcm_*.py'))
    if 'rtmpose' not in osp.basename(c))
SYNTHETIC = [c for c in CONFIGS if 'synthetic' in osp.basename(c)]
REAL = [c for c in CONFIGS if c not in SYNTHETIC]
COCO_PARTIAL = [
    c for c in REAL if '_coco-' in osp.basename(c) and 'k_' in osp.basename(c)
]
ids = lambda paths: [osp.basename(p) for p in paths]  # noqa: E731


def test_the_paper_settings_are_all_there():
    names = ' '.join(ids(CONFIGS))
    for setting in ('res18_coco-1k', 'res18_coco-5k', 'res18_coco-10k',
                    'res50-res18_coco-1k', 'res18_coco-train-wild',
                    'res50_coco-train-wild', 'res18_mpii-aic',
                    'detbox-fliptest', 'synthetic'):
        assert setting in names, setting
    assert len(SYNTHETIC) >= 2


def _augmentation(pipeline):
    return [
        t for t in pipeline
        if t['type'] in ('RandomFlip', 'ClippedNormalBBoxTransform',
                         'RandomBBoxTransform', 'RandomHalfBody')
    ]


@pytest.mark.parametrize('path', REAL, ids=ids(REAL))
def test_real_config_follows_the_official_recipe(path):
    """The settings docs/recipes.md (SSPCM) gives as the official ones."""
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr) == ('Adam', 1e-3)
    assert not optimizer.get('weight_decay')
    assert [s['type'] for s in cfg.param_scheduler] == ['MultiStepLR']
    epochs, steps = ((400, [300, 350]) if 'wild' in name else
                     (100, [50, 70]) if 'mpii' in name else (100, [70, 90]))
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler[0].milestones == steps
    assert cfg.train_cfg.val_interval == 1
    for part in ('labeled', 'unlabeled'):
        loader = cfg.train_dataloader[part]
        assert loader.batch_size == 32
        # flip 0.5, clipped N(1, 0.25) scale, clipped N(0, 30) rotation
        # with p 0.6; no half-body, no shift
        assert _augmentation(loader.dataset.pipeline) == [
            dict(type='RandomFlip', direction='horizontal', prob=0.5),
            dict(
                type='ClippedNormalBBoxTransform',
                scale_factor=0.25,
                rotate_factor=30.,
                rotate_clip=2.,
                rotate_prob=0.6)
        ]
    # weights from public sources, as mmpose names them
    for _, checkpoint in sspcm_testing.pretrained_sources(cfg.model):
        assert checkpoint.startswith(('torchvision://', 'https://'))
    flip = [cfg.model[f'network_{n}'].test_cfg.flip_test for n in 'abc']
    bbox_file = cfg.val_dataloader.dataset.get('bbox_file')
    if 'detbox-fliptest' in name:  # mmpose's protocol
        assert flip == [True] * 3 and bbox_file
    else:  # the paper's: ground-truth boxes, no flip test
        assert flip == [False] * 3 and not bbox_file
    assert cfg.test_dataloader.dataset.get('bbox_file') == bbox_file


@pytest.mark.parametrize('path', COCO_PARTIAL, ids=ids(COCO_PARTIAL))
def test_partial_label_configs_use_the_instance_protocol(path):
    cfg = Config.fromfile(path)
    thousands = osp.basename(path).split('_coco-')[1].split('k_')[0]
    labeled = cfg.train_dataloader.labeled.dataset
    unlabeled = cfg.train_dataloader.unlabeled.dataset
    assert labeled.ann_file == ('annotations/person_keypoints_train2017_'
                                f'first-{thousands}k-instances.json')
    # all of train2017 unlabeled, labeled people included
    assert unlabeled.ann_file == 'annotations/person_keypoints_train2017.json'
    assert unlabeled.get('bbox_file') is None
    assert cfg.auto_scale_lr.base_batch_size == 4 * (32 + 32)


def _check_structure(cfg):
    assert cfg.model.type == 'SSPCMPoseEstimator'
    assert cfg.train_cfg.type == 'SemiSupervisedEpochBasedTrainLoop'
    assert LOOPS.get(cfg.train_cfg.type) is not None
    assert set(cfg.train_dataloader) == {'labeled', 'unlabeled'}
    for part in ('labeled', 'unlabeled'):
        dataset = cfg.train_dataloader[part].dataset
        assert DATASETS.get(dataset.type) is not None, dataset.type
        for transform in dataset.pipeline:
            assert TRANSFORMS.get(transform['type']) is not None
        types = [t['type'] for t in dataset.pipeline]
        # labeled samples get targets, unlabeled ones do not need them
        assert ('GenerateTarget' in types) == (part == 'labeled')
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'PCMSnapshotHook' in hooks
    # feeds the iteration to semi_train_cfg.unsup_warmup_iters
    assert 'TrainingProgressHook' in hooks
    assert all(HOOKS.get(h) is not None for h in hooks)


@pytest.fixture(scope='module')
def data_prefixes(tmp_path_factory):
    labeled_files = set()
    for path in REAL:
        ann_file = Config.fromfile(path).train_dataloader.labeled.dataset \
            .ann_file
        if '-instances' in ann_file:
            labeled_files.add(ann_file)
    prefixes = sspcm_testing.make_real_format_data(
        tmp_path_factory.mktemp('real_format'), sorted(labeled_files))
    prefixes['data/synthetic_wholebody/'] = sspcm_testing.make_synthetic_data(
        tmp_path_factory.mktemp('synthetic'))
    return prefixes


@pytest.fixture(scope='module')
def hub_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp('torch_hub')
    yield path
    shutil.rmtree(str(path), ignore_errors=True)  # stand-in ResNet weights


@pytest.mark.parametrize('path', CONFIGS, ids=ids(CONFIGS))
def test_config_runs_as_shipped(path, data_prefixes, hub_dir, tmp_path,
                                monkeypatch):
    cfg = Config.fromfile(path)
    init_default_scope('mmpose')
    _check_structure(cfg)

    # Weight URLs resolve through torch.hub's cache: random stand-ins.
    monkeypatch.setattr(torch.hub, '_hub_dir', str(hub_dir))
    stand_ins = sspcm_testing.write_stand_in_weights(cfg, hub_dir)
    if path in REAL:
        assert stand_ins, 'a real-scale config starts from pretrained weights'

    sspcm_testing.redirect_data(cfg, data_prefixes)
    if path in REAL:
        sspcm_testing.shrink_loaders(cfg, labeled_bs=1, unlabeled_bs=1)
    else:  # 96x128 networks: 9 unlabeled people in batches of 4
        sspcm_testing.shrink_loaders(cfg, labeled_bs=2, unlabeled_bs=4)
    cfg.train_cfg.max_epochs = 1
    work_dir = tmp_path / 'work_dir'
    cfg.work_dir = str(work_dir)
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'

    runner = sspcm_testing.build_runner(cfg)
    runner.train()

    assert len(runner.train_loop.dataloader) == 2
    assert runner.iter == 2
    hub = runner.message_hub
    assert math.isfinite(hub.get_scalar('train/loss').current())

    # the validation pass ran with the config's evaluator and networks
    save_best = cfg.default_hooks.checkpoint.get('save_best')
    assert save_best, 'every SSPCM config keeps its best checkpoint'
    assert f'val/{save_best}' in hub.log_scalars, sorted(hub.log_scalars)
    for network in (cfg.val_cfg or {}).get('networks', ()):
        assert any(
            key.startswith(f'val/{network}/')
            for key in hub.log_scalars), (network, sorted(hub.log_scalars))
    assert glob.glob(str(work_dir / 'best_*.pth')), 'no best checkpoint'
    assert osp.isfile(str(work_dir / 'epoch_1.pth'))

    # the networks started from the (stand-in) pretrained weights: two
    # Adam steps of lr 1e-3 move a weight by about 2e-3 at most
    model = runner.model.module if hasattr(runner.model, 'module') \
        else runner.model
    for network in 'ABC':
        backbone = model.get_network(network).backbone
        init = cfg.model[f'network_{network.lower()}'].backbone.get('init_cfg')
        if not init:
            continue
        url = sspcm_testing.checkpoint_url(init['checkpoint'])
        stand_in = stand_ins[osp.join(
            str(hub_dir), 'checkpoints', osp.basename(url))]
        live = backbone.state_dict()
        key = next(k for k, v in stand_in.items() if v.dim() == 4)
        assert torch.allclose(
            live[key], stand_in[key], atol=5e-3), (network, key)
    shutil.rmtree(str(work_dir))  # checkpoints of three ResNet-50s are big
