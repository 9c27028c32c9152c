# SSPCM with RTMPose networks on the embedded synthetic data, small enough
# for a CPU (not released by the SSPCM authors, who train heatmap ResNets and
# HRNets): A, B, C are the CPU-sized RTMPose-t of
# configs/synthetic/rtmpose-t_synthetic-body17-128x96.py (CSPNeXt stages 1-3,
# stride 16, SimCC head, 17 COCO body keypoints at 96x128), trained from
# scratch. Same data, split and pipelines as the heatmap demo config
# sspcm_synthetic_tiny-resnet_joint.py; joint update scheme.
#
# Pseudo labels are coordinates (semi_train_cfg.pseudo_labels='coordinate'):
# the teachers' decoded SimCC keypoints are the targets of the unsupervised
# losses, which are the head's own KLDiscretLoss. The A+B ensemble ('AB') is
# not available for SimCC networks; validation scores C (as the heatmap demo
# config); A and B with
#   --cfg-options val_cfg.type=SSPCMValLoop "val_cfg.networks=('A','B','C')"
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
# or, with the supervised-only baseline of C beside it:
#   python tools/run_sspcm_demo.py \
#       --config configs/sspcm/sspcm_synthetic_rtmpose-t_body17.py \
#       --work-dir work_dirs/sspcm_demo_rtmpose-t
_base_ = ['../synthetic/rtmpose-t_synthetic-body17-128x96.py']
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# ---------------------------------------------------------------- schedule
# As the heatmap demo: 12 passes over the 570 unlabeled images (1122 people,
# 140 iterations of 8 labeled + 8 unlabeled samples each) = 1680 iterations.
max_epochs = 12
train_cfg = dict(
    _delete_=True,
    type='SemiSupervisedEpochBasedTrainLoop',
    max_epochs=max_epochs,
    val_interval=max_epochs)
# RTMPose's AdamW (weight decay 0.05, none on norms and biases, from the
# base); its 4e-3 at 32 labeled samples per iteration, scaled to 8 + 8.
optim_wrapper = dict(optimizer=dict(lr=2e-3))
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
auto_scale_lr = dict(base_batch_size=16)

# ---------------------------------------------------------------- model
codec = _base_.codec  # SimCCLabel, 96x128 input
rtmpose_t = _base_.model  # TopdownPoseEstimator: CSPNeXt + RTMCCHead
model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=rtmpose_t,
    network_b=rtmpose_t,
    network_c=rtmpose_t,
    data_preprocessor=rtmpose_t['data_preprocessor'],
    update_scheme='joint',
    semi_train_cfg=dict(
        pseudo_labels='coordinate',
        # each kept pseudo keypoint weighs its confidence ('mask': weight 1,
        # the paper's code); on the body-17 data C's COCO AP was 0.222 (mean
        # of 3 seeds) with it and 0.100 with 'mask' (README, "Any head")
        pseudo_label_weight='confidence',
        mutual_loss_weight=1.0,
        pcm_loss_weight=1.0,
        cut_occlude=dict(
            type='SemiCutOcclude',
            num_patches=2,
            half_size_range=(10, 20),
            jitter_std=10.,
            ref_size=(192, 256))),
    semi_test_cfg=dict(predict_on='C'))

# ---------------------------------------------------------------- data
dataset_type = 'CheckedCocoDataset'  # body-17 from the whole-body files
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

# labeled : unlabeled samples per iteration = 8 : 8, drop_last on both (a
# last batch of one or two samples gives BatchNorm degenerate statistics).
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
# The SSPCM hooks of the heatmap demo config; RTMPose's EMAHook and
# PipelineSwitchHook (in the base) are not used.
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
