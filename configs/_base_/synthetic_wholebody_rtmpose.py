# RTMPose on the embedded synthetic COCO-WholeBody data, sized for a CPU.
# Inherits the stock RTMPose-m whole-body config (model type, optimizer,
# hooks, EMA, runtime) and replaces what a 2-core CPU cannot afford: the
# input size, the widths, the schedule and the data paths. Children set
# `model.backbone.{deepen,widen}_factor` and `model.head.in_channels`
# (= 512 x widen_factor).
#
# The CSPNeXt keeps its first three stages (the third with RTMPose's SPP
# block) and feeds the SimCC head at stride 16: an 8x6 feature map at
# 128x96, as RTMPose's stride-32 head sees at 256x192. At stride 32 the head
# saw 4x3 cells and did not learn in the CPU budget (body AP 0.002 after 8
# epochs, where a heatmap model reached 0.135; README).
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-m_8xb64-270e_coco-wholebody-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ----------------------------------------------------------------- data
data_root = 'data/synthetic_wholebody/'
# mmpose_kd: the stock CocoWholeBodyDataset, checking each part's keypoint
# array (docs/reliability.md)
dataset_type = 'CheckedCocoWholeBodyDataset'
data_mode = 'topdown'
input_size = (96, 128)  # (w, h)
num_keypoints = 133

# ------------------------------------------------------------- schedule
max_epochs = 30
stage2_num_epochs = 6  # last epochs with the lighter pipeline (as RTMPose)
base_lr = 4e-3
train_batch_size = 32
val_batch_size = 32

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0e-3, by_epoch=False, begin=0, end=50),
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

# ---------------------------------------------------------------- model
codec = dict(
    type='SimCCLabel',
    input_size=input_size,
    sigma=(2.5, 2.8),  # RTMPose's (4.9, 5.66) at 192x256, scaled to the size
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)

model = dict(
    backbone=dict(
        deepen_factor=0.33,
        widen_factor=0.5,
        # P5 stages 1-3 of CSPNeXt: (in, out, blocks, add_identity, use_spp)
        arch_ovewrite=[[64, 128, 3, True, False], [128, 256, 6, True, False],
                       [256, 512, 6, False, True]],
        out_indices=(3, ),
        norm_cfg=dict(type='BN'),  # SyncBN only pays off on several GPUs
        init_cfg=None),  # no download: trained from scratch on the CPU
    head=dict(
        in_channels=256,
        out_channels=num_keypoints,
        input_size=codec['input_size'],
        in_featuremap_size=tuple([s // 16 for s in codec['input_size']]),
        gau_cfg=dict(hidden_dims=128, s=64),
        decoder=codec),
    test_cfg=dict(flip_test=False))

# ------------------------------------------------------------- pipelines
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
train_pipeline_stage2 = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.,
        scale_factor=[0.9, 1.1],
        rotate_factor=10),
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

# ----------------------------------------------------------------- hooks
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        save_best=None,
        interval=max_epochs,
        max_keep_ckpts=1))
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline=train_pipeline_stage2),
    dict(type='SkippedImageCountHook'),  # logs skipped images each epoch
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
randomness = dict(seed=0)
