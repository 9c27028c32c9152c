# SSPCM "MPII labeled + AI Challenger unlabeled" (Huang et al., CVPR 2023,
# Sec. 4.1): all of MPII train labeled, the AI Challenger train people
# unlabeled (their boxes only: the 14-keypoint annotations are never read,
# the teachers predict the 16 MPII keypoints), PCKh@0.5 on MPII val.
# No SSPCM yaml was released for this setting; the official code holds its
# dataset (hlz0606/SSPCM SSPCM/lib/dataset/mix_mpii_ai.py) and the recipe
# is PoseDual's file (xierc/Semi_Human_Pose experiments/mix_mpii_ai/res18/
# 256x256_PoseDual_JointCut5.yaml), ResNet-18 at 256x256. Everything that is
# not data or schedule is the COCO settings' (./sspcm_coco.py);
# docs/recipes.md (SSPCM) lists each setting.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
    'td-hm_res50_8xb64-210e_mpii-256x256.py',
    './sspcm_official_training.py',
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
# yaml TRAIN: adam, LR 0.001, END_EPOCH 100, LR_STEP [50, 70], no warm-up;
# one GPU (GPUS '1') x 32 pairs per iteration. An epoch is one pass over
# the AI Challenger people (the larger set: mix_mpii_ai.py __len__).
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
        milestones=[50, 70],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=64)

# ---------------------------------------------------------------- model
# yaml MODEL: 256x256 input, 64x64 heatmaps, sigma 2: the stock codec and
# head. No flip test (TEST.FLIP_TEST false).
paper_test_cfg = dict(flip_test=False, flip_mode='heatmap', shift_heatmap=True)
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
    data_preprocessor=_base_.model.data_preprocessor,
    update_scheme='joint',
    semi_train_cfg=_base_.sspcm_semi_train_cfg,
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
# Augmentation of the labeled samples and of the easy view: as on COCO
# (yaml DATASET FLIP, SCALE_FACTOR 0.25, ROT_FACTOR 30; mix_mpii_ai.py).
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
train_dataloader = dict(
    _delete_=True,
    labeled=dict(
        batch_size=32,
        drop_last=True,  # the set is cycled; no tiny last batch for BN
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='CheckedMpiiDataset',
            data_root='data/mpii/',
            data_mode='topdown',
            ann_file='annotations/mpii_train.json',
            data_prefix=dict(img='images/'),
            pipeline=labeled_pipeline)),
    unlabeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='CheckedAicDataset',
            data_root='data/aic/',
            data_mode='topdown',
            ann_file='annotations/aic_train.json',
            data_prefix=dict(img='ai_challenger_keypoint_train_20170902/'
                             'keypoint_train_images_20170902/'),
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    dataset=dict(type='CheckedMpiiDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader

# ---------------------------------------------------------------- runtime
# The best checkpoint by the PCKh of the network the official code ranks
# by, named as sspcm_official_training.py names the COCO metric (the same
# '<network>/' prefix when the validation scores several networks).
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=1,
        save_best=_base_.sspcm_save_best.replace('coco/AP', 'PCK'),
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
