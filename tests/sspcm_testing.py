"""Shared by the SSPCM tests: tiny synthetic data on disk and the synthetic
SSPCM config pointed at it (``import sspcm_testing``: tests/ is on
sys.path)."""
import os.path as osp
import uuid

from tool_loading import load_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs', 'sspcm')
SYNTHETIC_CONFIG = osp.join(CONFIG_DIR,
                            'sspcm_synthetic_tiny-resnet_joint.py')


def make_synthetic_data(root, num_train=8, num_val=3, num_labeled=3,
                        img_size=96, seed=0) -> str:
    """Generate tiny synthetic COCO-WholeBody data and split it with
    tools/split_semi.py; returns the data root (with a trailing /)."""
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    root = str(root)
    generate_wholebody_dataset(root, num_train=num_train, num_val=num_val,
                               img_size=img_size, seed=seed, progress=False,
                               max_people=2)
    split_semi = load_tool('split_semi')
    ann_dir = osp.join(root, 'annotations')
    split_semi.main([
        osp.join(ann_dir, 'coco_wholebody_train_v1.0.json'),
        '--num-labeled', str(num_labeled), '--seed', str(seed),
        '--out-labeled', osp.join(ann_dir, 'train_labeled.json'),
        '--out-unlabeled', osp.join(ann_dir, 'train_unlabeled.json')
    ])
    return root.rstrip('/') + '/'


def point_config_at(cfg, data_root, work_dir, max_epochs=1, labeled_bs=2,
                    unlabeled_bs=4, with_val=False, drop_last=None):
    """Override a synthetic SSPCM config for a fast test run (in place);
    ``drop_last=None`` keeps the config's."""
    for part, batch_size in (('labeled', labeled_bs),
                             ('unlabeled', unlabeled_bs)):
        loader = cfg.train_dataloader[part]
        loader.dataset.data_root = data_root
        loader.batch_size = batch_size
        if drop_last is not None:
            loader.drop_last = drop_last
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.train_cfg.max_epochs = max_epochs
    cfg.train_cfg.val_interval = max_epochs
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0,
                                by_epoch=False)]
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
    codec = dict(cfg.codec, input_size=input_size, heatmap_size=heatmap_size,
                 sigma=1)
    for attr in ('network_a', 'network_b', 'network_c'):
        cfg.model[attr].head.decoder = codec
    pipelines = [cfg.train_dataloader[p].dataset.pipeline
                 for p in ('labeled', 'unlabeled')]
    pipelines += [cfg[name].dataset.pipeline
                  for name in ('val_dataloader', 'test_dataloader')
                  if cfg.get(name)]
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


