# SSPCM on the embedded synthetic data, small enough for a CPU: tiny
# ResNet-18-like networks A, B, C at 96x128 input, the 17 COCO body keypoints
# of the synthetic COCO-WholeBody files (stock mmpose CocoDataset reads their
# standard `keypoints` field). Joint update scheme (one loss, one optimizer).
#
# Data (see docs/sspcm.md):
#   python -c "from mmpose_kd.datasets.synthetic import \
#       generate_wholebody_dataset as g; \
#       g('data/synthetic_wholebody', num_train=600, num_val=100, \
#         img_size=128)"
#   python tools/split_semi.py \
#       data/synthetic_wholebody/annotations/coco_wholebody_train_v1.0.json \
#       --num-labeled 30 --seed 0 \
#       --out-labeled data/synthetic_wholebody/annotations/train_labeled.json \
#       --out-unlabeled \
#       data/synthetic_wholebody/annotations/train_unlabeled.json
# or simply: python tools/run_sspcm_demo.py
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
max_epochs = 12  # 12 passes over 570 unlabeled images = 1680 iterations
train_cfg = dict(
    _delete_=True,
    type='SemiSupervisedEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[max_epochs - 1],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)

# ---------------------------------------------------------------- model
# 96x128 with 24x32 heatmaps: at 48x64 (12x16 heatmaps) a heatmap pixel is
# ~8 image pixels and COCO AP stays near 0.05 whatever the training.
codec = dict(
    type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)
data_preprocessor = dict(
    type='PoseDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)
# A ResNet-18 layout with 16 base channels and three stages (stride 16),
# two deconvolutions to stride 4; trained from scratch (no download).
tiny_resnet = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, )),
    head=dict(
        type='HeatmapHead',
        in_channels=64,
        out_channels=17,
        deconv_out_channels=(32, 32),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=tiny_resnet,
    network_b=tiny_resnet,
    network_c=tiny_resnet,
    data_preprocessor=data_preprocessor,
    update_scheme='joint',
    semi_train_cfg=dict(
        mutual_loss_weight=1.0,
        pcm_loss_weight=1.0,
        conf_thr=0.1,
        inconsistency_thr=0.6,
        cut_occlude=dict(
            type='SemiCutOcclude',
            num_patches=2,
            half_size_range=(10, 20),
            jitter_std=10.,
            ref_size=(192, 256))),
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
# Bad input (docs/reliability.md): CheckedCocoDataset names the file,
# annotation id and key of a malformed annotation; CheckedLoadImage raises
# naming a missing or broken image (on_error='skip' in the training
# pipelines skips instead, counted by SkippedImageCountHook; validation
# always raises).
dataset_type = 'CheckedCocoDataset'
data_mode = 'topdown'
data_root = 'data/synthetic_wholebody/'
labeled_ann_file = 'annotations/train_labeled.json'
unlabeled_ann_file = 'annotations/train_unlabeled.json'
val_ann_file = 'annotations/coco_wholebody_val_v1.0.json'

labeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
# The easy view (paper Sec. 4.1): scale in [0.75, 1.25], rotation up to
# +-60 deg with p = 0.6, flip p = 0.5. No targets: the teachers make them.
unlabeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.,
        scale_factor=(0.75, 1.25),
        rotate_factor=60.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

# labeled : unlabeled samples per iteration = 8 : 8. drop_last on both: the
# labeled set is cycled, and a last batch of one or two samples (57 labeled
# people, batch 8) gives BatchNorm degenerate batch statistics; measured on
# the demo, it cost C 0.14 AP (0.17 instead of 0.31 with the unsupervised
# losses switched off).
train_dataloader = dict(
    _delete_=True,
    labeled=dict(
        batch_size=8,
        drop_last=True,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_mode=data_mode,
            ann_file=labeled_ann_file,
            data_prefix=dict(img='train2017/'),
            pipeline=labeled_pipeline)),
    unlabeled=dict(
        batch_size=8,
        drop_last=True,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_mode=data_mode,
            ann_file=unlabeled_ann_file,
            data_prefix=dict(img='train2017/'),
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file=val_ann_file,
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True, type='CocoMetric', ann_file=data_root + val_ann_file)
test_evaluator = val_evaluator

# ---------------------------------------------------------------- runtime
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=max_epochs,
        save_best='coco/AP',
        rule='greater',
        max_keep_ckpts=1))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    # the training progress (iteration) for semi_train_cfg.unsup_warmup_iters
    dict(type='TrainingProgressHook'),
    dict(type='PCMSnapshotHook'),
    dict(type='SSPCMVisualizationHook', interval=200, max_samples=4, scale=3),
    dict(type='SkippedImageCountHook'),
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
