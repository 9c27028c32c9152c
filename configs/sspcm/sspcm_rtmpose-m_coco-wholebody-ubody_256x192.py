# Whole-body SSPCM with RTMPose networks (not released by the SSPCM authors,
# who train heatmap ResNets and HRNets on COCO body keypoints; not run at
# real scale by this project): COCO-WholeBody train2017 labeled, the frames of
# UBody's videos unlabeled (read by UBodyWholeBodyVideoDataset, decoded from
# the videos; only their person boxes are used, never their keypoints),
# teachers A and B = mmpose's RTMPose-m whole-body 256x192, student C =
# mmpose's RTMPose-s whole-body 256x192, joint update scheme.
#
# Networks: mmpose's own configs, as config specs (the estimator resolves
# them, mmpose_kd.models.base.resolve_model_spec), so architecture, codec,
# flip test and the public pretrained-backbone URLs are exactly mmpose's:
#   A, B  wholebody_2d_keypoint/rtmpose/coco-wholebody/
#         rtmpose-m_8xb64-270e_coco-wholebody-256x192.py
#         (cspnext-m_udp-aic-coco_210e-256x192-f2f7d6f6_20230130.pth)
#   C     wholebody_2d_keypoint/rtmpose/ubody/
#         rtmpose-s_8xb64-270e_coco-ubody-wholebody-256x192.py
#         (cspnext-s_udp-aic-coco_210e-256x192-92f5a029_20230130.pth; mmpose
#         ships RTMPose-s whole-body only in its ubody folder, same model)
# Pseudo labels are coordinates (semi_train_cfg.pseudo_labels='coordinate'):
# the unsupervised losses are the head's own KLDiscretLoss. SSPCMValLoop
# scores A, B and C (no 'AB': the A+B ensemble is not available for SimCC
# networks); the best checkpoint is C's.
#
# Settings and where they come from:
#   RTMPose whole-body recipe (rtmpose-m_8xb64-270e_coco-wholebody-256x192):
#     the networks and codec; AdamW, LR 4e-3, weight decay 0.05 (none on
#     norms and biases) at 512 samples per iteration (8 GPUs x 64), here
#     8 GPUs x (32 labeled + 32 unlabeled), auto_scale_lr base 512; the
#     linear warm-up over 1000 iterations; the labeled pipeline (stage 1:
#     half-body, scale 0.6-1.4, rotation 80 deg, HSV, blur, coarse dropout);
#     validation every 10 epochs on COCO-WholeBody val with the detector
#     boxes of COCO_val2017_detections_AP_H_56_person.json and flip test
#     (numbers comparable with RTMPose's); CocoWholeBodyMetric.
#   SSPCM's COCO configs (./_base_/sspcm_coco.py): 32 labeled + 32
#     unlabeled samples per GPU, an epoch = one pass over the unlabeled set,
#     100 epochs with LR x0.1 at 70 and 90, the easy-view augmentation of
#     the unlabeled samples (flip 0.5, clipped normal scale 0.25 and
#     rotation 30 deg with p 0.6), the SSPCM hooks; this project's
#     semi_train_cfg defaults (docs/sspcm.md), except
#     pseudo_label_weight='confidence': each kept pseudo keypoint weighs its
#     confidence in the unsupervised losses ('mask', weight 1, is the
#     paper's code; measured on the synthetic body-17 data only, README:
#     C's COCO AP 0.222 mean of 3 seeds with 'confidence', 0.100 with
#     'mask'; not measured at this scale).
#   Not used: RTMPose's EMAHook and stage-2 PipelineSwitchHook (the
#     semi-supervised loop has two training loaders).
#
# Data:
#   data/coco/annotations/coco_wholebody_{train,val}_v1.0.json,
#   data/coco/{train,val}2017/,
#   data/coco/person_detection_results/
#       COCO_val2017_detections_AP_H_56_person.json (as mmpose's config),
#   data/UBody/{annotations,videos,splits}/ as distributed (docs/ubody.md).
# UBody volume: mmpose 1.3.2's (intra-scene train videos, every 10th
# frame); every frame of every video with
#   --cfg-options train_dataloader.unlabeled.dataset.split=all \
#                 train_dataloader.unlabeled.dataset.frame_interval=1
#
#   tools/dist_train.sh \
#       configs/sspcm/sspcm_rtmpose-m_coco-wholebody-ubody_256x192.py 8
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-m_8xb64-270e_coco-wholebody-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
max_epochs = 100
train_cfg = dict(
    _delete_=True,
    type='SemiSupervisedEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=10)
val_cfg = dict(type='SSPCMValLoop', networks=('A', 'B', 'C'))
test_cfg = dict(type='SSPCMTestLoop', networks=('A', 'B', 'C'))
base_lr = 4e-3
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1.0e-5,
        by_epoch=False,
        begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[70, 90],
        gamma=0.1,
        by_epoch=True)
]
# 8 GPUs x (32 labeled + 32 unlabeled) samples per iteration.
auto_scale_lr = dict(base_batch_size=512)

# ---------------------------------------------------------------- model
mmpose_rtmpose = 'mmpose::wholebody_2d_keypoint/rtmpose/'
rtmpose_m = dict(config=mmpose_rtmpose + 'coco-wholebody/'
                 'rtmpose-m_8xb64-270e_coco-wholebody-256x192.py')
rtmpose_s = dict(config=mmpose_rtmpose + 'ubody/'
                 'rtmpose-s_8xb64-270e_coco-ubody-wholebody-256x192.py')
model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=rtmpose_m,
    network_b=rtmpose_m,
    network_c=rtmpose_s,
    data_preprocessor=_base_.model.data_preprocessor,
    update_scheme='joint',
    semi_train_cfg=dict(
        pseudo_labels='coordinate', pseudo_label_weight='confidence'),
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
codec = _base_.codec  # SimCCLabel, 192x256 (all three networks')
backend_args = dict(backend='local')
# Bad input (docs/reliability.md): CheckedLoadImage raises naming a missing
# or broken image; on_error='skip' in a training pipeline skips instead
# (counted by SkippedImageCountHook). UBody frames are decoded by the
# dataset, which raises naming the video and frame.
labeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform', scale_factor=[0.6, 1.4], rotate_factor=80),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(
        type='Albumentation',
        transforms=[
            dict(type='Blur', p=0.1),
            dict(type='MedianBlur', p=0.1),
            dict(
                type='CoarseDropout',
                max_holes=1,
                max_height=0.4,
                max_width=0.4,
                min_holes=1,
                min_height=0.2,
                min_width=0.2,
                p=1.0),
        ]),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
# The easy view of SSPCM's COCO configs; no targets (the teachers make
# them; the hard view is made on the device: SSCO, then a known affine).
unlabeled_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(
        type='ClippedNormalBBoxTransform',
        scale_factor=0.25,
        rotate_factor=30.,
        rotate_clip=2.,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]

train_dataloader = dict(
    _delete_=True,
    labeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='CheckedCocoWholeBodyDataset',
            data_root='data/coco/',
            data_mode='topdown',
            ann_file='annotations/coco_wholebody_train_v1.0.json',
            data_prefix=dict(img='train2017/'),
            pipeline=labeled_pipeline)),
    unlabeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='UBodyWholeBodyVideoDataset',
            data_root='data/UBody/',
            scenes=None,  # all 15 scenes found under annotations/
            split='train',  # intra-scene train videos
            protocol='intra',
            frame_interval=10,
            frame_source='video',
            data_mode='topdown',
            pipeline=unlabeled_pipeline)))
# mmpose's validation (detector boxes; flip test in the networks'
# test_cfg), with the checked dataset and image loader.
val_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
# val_evaluator, test_evaluator: mmpose's CocoWholeBodyMetric on
# data/coco/annotations/coco_wholebody_val_v1.0.json (inherited).

# ---------------------------------------------------------------- runtime
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=10,
        max_keep_ckpts=1,
        save_best='C/coco-wholebody/AP',  # the network that ships
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
