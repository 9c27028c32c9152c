"""Shared by the SSPCM tests: tiny synthetic data on disk and the synthetic
SSPCM config pointed at it (``import sspcm_testing``: tests/ is on
sys.path)."""
import os
import os.path as osp
import uuid

from tool_loading import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs', 'sspcm')
SYNTHETIC_CONFIG = osp.join(CONFIG_DIR, 'sspcm_synthetic_tiny-resnet_joint.py')


def make_synthetic_data(root,
                        num_train=8,
                        num_val=3,
                        num_labeled=3,
                        img_size=96,
                        seed=0) -> str:
    """Generate tiny synthetic COCO-WholeBody data and split it with
    tools/split_semi.py; returns the data root (with a trailing /)."""
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    root = str(root)
    generate_wholebody_dataset(
        root,
        num_train=num_train,
        num_val=num_val,
        img_size=img_size,
        seed=seed,
        progress=False,
        max_people=2)
    split_semi = load_tool('split_semi')
    ann_dir = osp.join(root, 'annotations')
    split_semi.main([
        osp.join(ann_dir, 'coco_wholebody_train_v1.0.json'), '--num-labeled',
        str(num_labeled), '--seed',
        str(seed), '--out-labeled',
        osp.join(ann_dir, 'train_labeled.json'), '--out-unlabeled',
        osp.join(ann_dir, 'train_unlabeled.json')
    ])
    return root.rstrip('/') + '/'


def point_config_at(cfg,
                    data_root,
                    work_dir,
                    max_epochs=1,
                    labeled_bs=2,
                    unlabeled_bs=4,
                    with_val=False,
                    drop_last=None):
    """Override a synthetic SSPCM config for a fast test run (in place);
    ``drop_last=None`` keeps the config's."""
    for part, batch_size in (('labeled', labeled_bs), ('unlabeled',
                                                       unlabeled_bs)):
        loader = cfg.train_dataloader[part]
        loader.dataset.data_root = data_root
        loader.batch_size = batch_size
        if drop_last is not None:
            loader.drop_last = drop_last
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = max_epochs
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, save_best=None)
    cfg.randomness = dict(seed=0)
    # mmengine reuses a visualizer of the same name (and its save_dir)
    # across runners in one process: give each test run its own.
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'
    for name in ('val_dataloader', 'test_dataloader'):
        cfg[name].dataset.data_root = data_root
        cfg[name].num_workers = 0
        cfg[name].persistent_workers = False
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = osp.join(data_root, cfg.val_ann_file)
    if not with_val:
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    return cfg


def shrink_input(cfg, input_size=(48, 64), heatmap_size=(12, 16)):
    """Run the synthetic config's networks at a smaller input (in place):
    hook, loop and DDP tests need the mechanics, not the accuracy."""
    codec = dict(
        cfg.codec, input_size=input_size, heatmap_size=heatmap_size, sigma=1)
    for attr in ('network_a', 'network_b', 'network_c'):
        cfg.model[attr].head.decoder = codec
    pipelines = [
        cfg.train_dataloader[p].dataset.pipeline
        for p in ('labeled', 'unlabeled')
    ]
    pipelines += [
        cfg[name].dataset.pipeline
        for name in ('val_dataloader', 'test_dataloader') if cfg.get(name)
    ]
    for pipeline in pipelines:
        for transform in pipeline:
            if transform['type'] == 'TopdownAffine':
                transform['input_size'] = input_size
            if transform['type'] == 'GenerateTarget':
                transform['encoder'] = codec
    return cfg


def build_runner(cfg):
    from mmpose_kd.utils.runtime import apply_runtime_defaults
    from mmpose_kd.utils.runtime import build_runner as build
    apply_runtime_defaults(cfg)
    return build(cfg)


# ------------------------------------------------------------------------
# Running a shipped config as shipped: only data paths, weight sources and
# loader resources change (tests/test_configs/test_sspcm_configs.py).
# ------------------------------------------------------------------------
def make_real_format_data(root,
                          coco_labeled_files=(),
                          num_labeled=1,
                          num_unlabeled=2):
    """Tiny data in the layouts the real-scale SSPCM configs read, under
    ``root`` (``coco/``, ``mpii/``, ``aic/``); returns ``{'data/coco/':
    <root>/coco/, ...}``, the prefixes the configs name mapped to the
    generated roots.

    COCO train holds ``num_unlabeled`` people (the unlabeled set of the
    paper configs), and each labeled file in ``coco_labeled_files``
    (relative to the COCO root) is made by ``tools/split_semi.py`` with the
    paper's protocol (the first ``num_labeled`` instances). The wild
    detection file holds ``num_unlabeled`` boxes, AI Challenger train
    ``num_unlabeled`` people."""
    from mmpose_kd.datasets.synthetic import (write_aic_layout,
                                              write_coco_body_layout,
                                              write_mpii_layout)
    root = str(root)
    coco = write_coco_body_layout(
        root,
        num_train_images=4,
        max_train_instances=num_unlabeled,
        num_wild_boxes=num_unlabeled,
        seed=0)
    mpii = write_mpii_layout(
        root, num_train_images=2, num_val_images=2, seed=1)
    aic = write_aic_layout(
        root, num_train_images=4, max_train_instances=num_unlabeled, seed=2)
    split_semi = load_tool('split_semi')
    for rel in coco_labeled_files:
        split_semi.main([
            coco['train_ann_file'], '--unit', 'instances', '--order', 'first',
            '--num-labeled',
            str(num_labeled), '--unlabeled', 'all', '--out-labeled',
            osp.join(coco['data_root'], rel)
        ])
    return {
        'data/coco/': coco['data_root'],
        'data/mpii/': mpii['data_root'],
        'data/aic/': aic['data_root']
    }


def redirect_data(cfg, prefixes):
    """Replace the data prefixes (``'data/coco/'`` ...) at the start of every
    string of the data loaders and evaluators (in place)."""

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                node[key] = walk(value)
            return node
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            for prefix, target in prefixes.items():
                if node.startswith(prefix):
                    return target + node[len(prefix):]
        return node

    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                 'val_evaluator', 'test_evaluator'):
        if cfg.get(name) is not None:
            walk(cfg[name])
    return cfg


def shrink_loaders(cfg, labeled_bs=1, unlabeled_bs=1, val_bs=2):
    """Batch sizes and worker resources for a CPU test (in place)."""
    loaders = [(cfg.train_dataloader.labeled, labeled_bs),
               (cfg.train_dataloader.unlabeled, unlabeled_bs)]
    loaders += [(cfg[name], val_bs)
                for name in ('val_dataloader', 'test_dataloader')
                if cfg.get(name) is not None]
    for loader, batch_size in loaders:
        loader.batch_size = batch_size
        loader.num_workers = 0
        loader.persistent_workers = False
    return cfg


def pretrained_sources(cfg_node):
    """``(owner, checkpoint)`` for every ``init_cfg=dict(type='Pretrained',
    ...)`` under ``cfg_node``; ``owner`` is the config dict (a backbone)
    that holds it."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            init = node.get('init_cfg')
            if isinstance(init, dict) and init.get('type') == 'Pretrained':
                found.append((node, init['checkpoint']))
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(cfg_node)
    return found


def checkpoint_url(checkpoint: str) -> str:
    """The URL mmengine downloads for a config's checkpoint name."""
    if checkpoint.startswith('torchvision://'):
        from mmengine.runner.checkpoint import get_torchvision_models
        return get_torchvision_models()[checkpoint[len('torchvision://'):]]
    if checkpoint.startswith(('http://', 'https://')):
        return checkpoint
    raise ValueError(f'{checkpoint!r} is not a public weight source '
                     '(torchvision:// or a URL)')


def write_stand_in_weights(cfg, hub_dir):
    """Random weights, for every pretrained checkpoint the config names, in
    ``<hub_dir>/checkpoints/<file name of its URL>``: where mmengine (through
    ``torch.hub``) looks before downloading, once ``torch.hub``'s directory
    is ``hub_dir``. Returns ``{file path: state dict}``."""
    import copy

    import torch
    from mmpose.registry import MODELS
    os.makedirs(osp.join(str(hub_dir), 'checkpoints'), exist_ok=True)
    written = {}
    for owner, checkpoint in pretrained_sources(cfg.model):
        url = checkpoint_url(checkpoint)
        path = osp.join(str(hub_dir), 'checkpoints', osp.basename(url))
        if path in written:
            continue
        if osp.exists(path):
            written[path] = torch.load(path, map_location='cpu')
            continue
        backbone = copy.deepcopy(dict(owner))
        backbone.pop('init_cfg')
        torch.manual_seed(len(written) + 1)
        state = MODELS.build(backbone).state_dict()
        torch.save(state, path)
        written[path] = state
    return written


def packed_batch(num,
                 seed,
                 num_keypoints,
                 size,
                 with_labels=True,
                 with_simcc=False):
    """``num`` packed samples of mmpose's ``get_packed_inputs`` (square
    ``size`` inputs, heatmaps at stride 4, SimCC labels at split ratio 2 if
    ``with_simcc``), seeded; without labels, as an unlabeled batch."""
    import torch
    from mmpose.testing import get_packed_inputs
    torch.manual_seed(seed)
    data = get_packed_inputs(
        num,
        num_keypoints=num_keypoints,
        img_shape=(size, size),
        input_size=(size, size),
        heatmap_size=(size // 4, size // 4),
        simcc_split_ratio=2.0,
        with_reg_label=False,
        with_simcc_label=with_simcc)
    if not with_labels:
        for sample in data['data_samples']:
            for field in ('gt_fields', 'gt_instance_labels', 'gt_instances'):
                if field in sample:
                    delattr(sample, field)
    return data
