# SSPCM, paper setting "MPII labeled + AI Challenger unlabeled" (ResNet-50
# A, B, C; 16 MPII keypoints, evaluated with PCKh on MPII val). The AI
# Challenger images enter with their person boxes only: their 14-keypoint
# annotations are never read (the teachers predict the 16 MPII keypoints).
# Not run at real scale by this project.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/mpii/'
    'td-hm_res50_8xb64-210e_mpii-256x256.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

max_epochs = 30
train_cfg = dict(
    _delete_=True,
    type='SemiSupervisedEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001,
         by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=max_epochs, milestones=[20, 25],
         gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=256)

resnet50 = _base_.model
resnet50.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/resnet50-0676ba61.pth')
model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=resnet50,
    network_b=resnet50,
    network_c=resnet50,
    update_scheme='joint',
    semi_train_cfg=dict(conf_thr=0.1, inconsistency_thr=0.6),
    semi_test_cfg=dict(predict_on='C'))

# Bad input (docs/reliability.md): CheckedLoadImage raises naming a missing
# or broken image; the Checked* datasets name the file, annotation id and key
# of a malformed annotation. To skip broken training images instead (counted,
# logged each epoch by SkippedImageCountHook) set on_error='skip' in the
# training pipelines; validation always raises.
train_pipeline, val_pipeline = [[
    dict(t, type='CheckedLoadImage', on_error='raise')
    if t['type'] == 'LoadImage' else t for t in pipeline
] for pipeline in (_base_.train_pipeline, _base_.val_pipeline)]
labeled_pipeline = train_pipeline
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

default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=5))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='PCMSnapshotHook'),
    dict(type='SSPCMVisualizationHook', interval=2000),
    dict(type='SkippedImageCountHook'),
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
