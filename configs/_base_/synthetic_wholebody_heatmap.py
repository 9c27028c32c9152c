# Heatmap top-down models on the embedded synthetic COCO-WholeBody data,
# sized for a CPU (the demo's default family: heatmaps learn the 133
# keypoints in few epochs, where SimCC heads on a 4x3 feature map at 128x96
# barely start). Inherits the stock SimpleBaseline whole-body config
# (ResNet + HeatmapHead, optimizer, runtime) and replaces the input size,
# the widths, the schedule and the data paths. Children set the ResNet
# width (`model.backbone.{base,stem}_channels`) and `model.head.in_channels`.
_base_ = [
    'mmpose::wholebody_2d_keypoint/topdown_heatmap/coco-wholebody/'
    'td-hm_res50_8xb64-210e_coco-wholebody-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

data_root = 'data/synthetic_wholebody/'
# mmpose_kd: the stock CocoWholeBodyDataset, checking each part's keypoint
# array (docs/reliability.md)
dataset_type = 'CheckedCocoWholeBodyDataset'
data_mode = 'topdown'
input_size = (96, 128)  # (w, h)
num_keypoints = 133

max_epochs = 20
base_lr = 2e-3
train_batch_size = 16
val_batch_size = 32

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='CosineAnnealingLR',
        eta_min=base_lr * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=train_batch_size)

codec = dict(
    type='MSRAHeatmap',
    input_size=input_size,
    heatmap_size=(24, 32),
    sigma=1.5)

model = dict(
    backbone=dict(
        type='ResNet',
        depth=18,
        base_channels=32,
        stem_channels=32,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        init_cfg=None),  # stride 16, no download
    head=dict(
        type='HeatmapHead',
        in_channels=128,
        out_channels=num_keypoints,
        deconv_out_channels=(64, 64),
        deconv_kernel_sizes=(4, 4),
        decoder=codec),
    test_cfg=dict(flip_test=False))

backend_args = dict(backend='local')
# CheckedLoadImage raises naming a missing or broken image (docs/
# reliability.md); on_error='skip' skips training images instead, counted
# and logged each epoch by SkippedImageCountHook. Validation always raises.
train_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        scale_factor=[0.75, 1.25],
        rotate_factor=30),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=val_batch_size,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='CocoWholeBodyPerPartMetric',  # stock metric + per-part AP/AR
    ann_file=data_root + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        save_best=None,
        interval=max_epochs,
        max_keep_ckpts=1))
custom_hooks = [
    dict(type='SyncBuffersHook'),  # the stock runtime's
    dict(type='SkippedImageCountHook'),  # logs skipped images each epoch
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
randomness = dict(seed=0)
