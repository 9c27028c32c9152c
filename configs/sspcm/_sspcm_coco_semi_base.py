# Shared by the COCO partial-label SSPCM configs (paper Sec. 4.1, Table 1):
# a labeled subset of COCO train2017 and the rest of train2017 as unlabeled
# images, both written by tools/split_semi.py, e.g. for 1K labels
#
#   python tools/split_semi.py \
#       data/coco/annotations/person_keypoints_train2017.json \
#       --num-labeled 1000 --seed 0 \
#       --out-labeled data/coco/annotations/person_keypoints_train2017_1k_labeled.json \
#       --out-unlabeled data/coco/annotations/person_keypoints_train2017_1k_unlabeled.json
#
# This base is the 1K setting; children change the two ann_files.
# Not run at real scale by this project: batch sizes and schedule are ours,
# not checked against the paper's.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py'
]
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
# An epoch is one pass over the unlabeled images.
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

# ---------------------------------------------------------------- model
# Paper setting: ImageNet-pretrained backbones. Download the torchvision
# weights yourself (nothing here downloads); a missing file is an error.
resnet18 = _base_.model
resnet18.backbone = dict(
    type='ResNet',
    depth=18,
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/resnet18-f37072fd.pth'))
resnet18.head.in_channels = 512

model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=resnet18,
    network_b=resnet18,
    network_c=resnet18,
    update_scheme='joint',
    semi_train_cfg=dict(conf_thr=0.1, inconsistency_thr=0.6),
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
data_root = 'data/coco/'
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
# The easy view (paper Sec. 4.1): scale in [0.75, 1.25], rotation up to
# +-60 deg with p = 0.6, flip p = 0.5; no targets (the teachers make them).
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
labeled_dataset = dict(
    type='CheckedCocoDataset',
    data_root=data_root,
    data_mode='topdown',
    ann_file='annotations/person_keypoints_train2017_1k_labeled.json',
    data_prefix=dict(img='train2017/'),
    pipeline=labeled_pipeline)
unlabeled_dataset = dict(
    type='CheckedCocoDataset',
    data_root=data_root,
    data_mode='topdown',
    ann_file='annotations/person_keypoints_train2017_1k_unlabeled.json',
    data_prefix=dict(img='train2017/'),
    pipeline=unlabeled_pipeline)
train_dataloader = dict(
    _delete_=True,
    labeled=dict(
        batch_size=32,
        drop_last=True,  # the set is cycled; no tiny last batch for BN
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=labeled_dataset),
    unlabeled=dict(
        batch_size=32,
        drop_last=True,
        num_workers=4,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=unlabeled_dataset))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader

# ---------------------------------------------------------------- runtime
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook', interval=5))
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='PCMSnapshotHook'),
    dict(type='SSPCMVisualizationHook', interval=2000),
    dict(type='SkippedImageCountHook'),
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
