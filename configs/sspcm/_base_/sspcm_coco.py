# SSPCM on COCO (Huang et al., CVPR 2023, Sec. 4.1 and Table 1): the
# settings every COCO SSPCM config shares, from the official code and yaml
# files (hlz0606/SSPCM, SSPCM/experiments/mix_coco_coco/res18/
# my_256x192_COCO10K_PoseTriple_3model_time_and_uncertainty_correct_base+
# KpCutMix=2+Score=01.yaml and SSPCM/lib/); as it stands, the paper's 1K
# setting with ResNet-18 A, B, C. docs/recipes.md (SSPCM) compares every
# setting with the reference and names the key that restores it where ours
# differs.
#
# Data, the paper's protocol (tools/split_semi.py; lib/dataset/coco.py and
# mix_coco_coco.py of the official code): the labeled set is the FIRST N
# person instances of person_keypoints_train2017.json, the unlabeled set is
# ALL of train2017 (labeled people included), both with ground-truth boxes:
#
#   python tools/split_semi.py \
#       data/coco/annotations/person_keypoints_train2017.json \
#       --unit instances --order first --num-labeled 1000 --unlabeled all \
#       --out-labeled \
#       data/coco/annotations/person_keypoints_train2017_first-1k-instances.json
#
# Evaluation, the paper's protocol (every released yaml: TEST.USE_GT_BBOX
# true, FLIP_TEST false): ground-truth boxes of val2017, no flip test.
# sspcm_res18_coco-1k_256x192_detbox-fliptest.py is mmpose's protocol
# (detector boxes, flip test).
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
    './sspcm_official_training.py',
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
# yaml TRAIN: adam, LR 0.001, END_EPOCH 100, LR_STEP [70, 90], LR_FACTOR
# 0.1; no warm-up (pose_estimation/train.py builds only the MultiStepLR).
# lib/utils/utils.py get_optimizer: Adam(lr) with torch's default betas and
# no weight decay (the yaml's WD and GAMMA1/2 are not passed to Adam).
# An epoch is one pass over the unlabeled set (as the official mixed
# dataset: its length is that of the larger, unlabeled set). Validation and
# a checkpoint every epoch (TEST.INTERVAL 1; train.py keeps the latest and
# the best).
max_epochs = 100
train_cfg = dict(
    _delete_=True,
    type='SemiSupervisedEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=1)
val_cfg = _base_.sspcm_val_cfg
test_cfg = _base_.sspcm_test_cfg
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[70, 90],
        gamma=0.1,
        by_epoch=True)
]
# yaml GPUS '0,1,2,3' x TRAIN.BATCH_SIZE 32 pairs (one labeled + one
# unlabeled sample each) = 4 x (32 + 32) samples per iteration.
auto_scale_lr = dict(base_batch_size=256)

# ---------------------------------------------------------------- model
# yaml MODEL: 192x256 input, 48x64 Gaussian heatmaps with sigma 2, three
# 256-channel 4x4 deconvolutions and a 1x1 final conv: the codec and
# HeatmapHead of the stock mmpose td-hm configs. No flip test at
# validation (TEST.FLIP_TEST false).
paper_test_cfg = dict(flip_test=False, flip_mode='heatmap', shift_heatmap=True)
# ImageNet-pretrained backbones, named as mmpose names them (mmengine
# downloads them on first use). The official ResNet-18 starts from
# PoseDual's resnet18_5c_gluon_posedual.pth (a Google-Drive file, see
# docs/recipes.md (SSPCM)); its ResNet-50 from torchvision's ImageNet weights.
resnet18 = dict(
    _base_.model,
    backbone=dict(
        type='ResNet',
        depth=18,
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')),
    head=dict(_base_.model.head, in_channels=512),
    test_cfg=paper_test_cfg)
resnet50 = dict(_base_.model, test_cfg=paper_test_cfg)

model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=resnet18,
    network_b=resnet18,
    network_c=resnet18,
    # COLOR_RGB false in the official code feeds BGR images normalised with
    # the RGB ImageNet statistics; RGB here, which is what the torchvision
    # weights were trained on (bgr_to_rgb=False restores the official).
    data_preprocessor=_base_.model.data_preprocessor,
    update_scheme='joint',  # one loss, one Adam over A, B, C (official)
    semi_train_cfg=_base_.sspcm_semi_train_cfg,
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
# The labeled samples and the easy view of the unlabeled ones get the same
# augmentation (lib/dataset/JointsDataset.py __getitem__, mix_coco_coco.py):
# flip with p 0.5, scale clip(N(1, 0.25), 0.75, 1.25), rotation
# clip(N(0, 30), -60, 60) deg with p 0.6 (yaml DATASET FLIP, SCALE_FACTOR
# 0.25, ROT_FACTOR 30); no half-body (PROB_HALF_BODY 0.0), no shift.
# ClippedNormalBBoxTransform draws these clipped normals (mmpose's
# RandomBBoxTransform draws truncated ones).
# Bad input (docs/reliability.md): CheckedLoadImage raises naming a missing
# or broken image; the Checked* datasets name the file, annotation id and key
# of a malformed annotation. on_error='skip' in the training pipelines skips
# broken training images instead (counted by SkippedImageCountHook).
dataset_type = 'CheckedCocoDataset'
data_root = 'data/coco/'
easy_view_augmentation = [
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='ClippedNormalBBoxTransform',
        scale_factor=0.25,
        rotate_factor=30.,
        rotate_clip=2.,
        rotate_prob=0.6),
]
labeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'), *easy_view_augmentation,
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='GenerateTarget', encoder=_base_.codec),
    dict(type='PackPoseInputs')
]
# No targets: the teachers make them (the hard view is made on the device
# by the model: SSCO, then a known affine).
unlabeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'), *easy_view_augmentation,
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=_base_.codec['input_size']),
    dict(type='PackPoseInputs')
]
# yaml TRAIN.BATCH_SIZE 32 per GPU: 32 labeled + 32 unlabeled samples.
# drop_last: the labeled set is cycled, and a last batch of one or two
# samples gives BatchNorm degenerate statistics.
train_dataloader = dict(
    _delete_=True,
    labeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_mode='topdown',
            ann_file='annotations/'
            'person_keypoints_train2017_first-1k-instances.json',
            data_prefix=dict(img='train2017/'),
            pipeline=labeled_pipeline)),
    unlabeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_mode='topdown',
            ann_file='annotations/person_keypoints_train2017.json',
            data_prefix=dict(img='train2017/'),
            pipeline=unlabeled_pipeline)))
# Ground-truth boxes (no bbox_file): the instances mmpose keeps in test
# mode are those the official code evaluates (not crowd, with keypoints).
val_dataloader = dict(
    dataset=dict(type=dataset_type, bbox_file=None, pipeline=val_pipeline))
test_dataloader = val_dataloader
# CocoMetric's defaults are the official evaluation's: rescoring with the
# keypoint scores above 0.2 (IN_VIS_THRE) and OKS-NMS at 0.9 (OKS_THRE).

# ---------------------------------------------------------------- runtime
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best=_base_.sspcm_save_best,
        rule='greater'))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    # the training progress (iteration) for semi_train_cfg.unsup_warmup_iters
    dict(type='TrainingProgressHook'),
    dict(type='PCMSnapshotHook'),
    dict(type='SSPCMVisualizationHook', interval=2000),
    dict(type='SkippedImageCountHook'),
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
