# Training data of DWPose (Yang et al., ICCV-W 2023, Sec. 4): COCO-WholeBody
# train + UBody train, validated on COCO-WholeBody val.
#
# Inherit it with
#     _base_ = ['../_base_/datasets/coco_wholebody_ubody.py']
# Variables (names are stable; configs in configs/dwpose/ rely on them):
#   coco_data_root (val), ubody_data_root  'data/coco/', 'data/UBody/'; the
#                   train sets' roots are in
#                   ../../dwpose/_base_/coco_ubody_train_datasets.py
#   codec                   default SimCC codec (RTMPose whole-body 256x192);
#                           only the pipelines below use it
#   train_pipeline, val_pipeline
#   coco_wholebody_train_dataset     CheckedCocoWholeBodyDataset (mmpose_kd:
#                                    the stock class, checking each part's
#                                    keypoint array), train2017
#   ubody_train_dataset              UBodyWholeBodyVideoDataset (mmpose_kd):
#                                    UBody as distributed and as the released
#                                    DWPose configs read it: every annotated
#                                    frame of every video (split='all',
#                                    frame_interval=1), decoded from the
#                                    videos; mmpose 1.3.2's volume (intra-scene
#                                    train videos, every 10th frame):
#                                    split='train', frame_interval=10
#   combined_train_dataset           CombinedDataset of the two
#   train_dataloader, val_dataloader, test_dataloader
#   val_evaluator, test_evaluator    CocoWholeBodyMetric on
#                                    coco_wholebody_val_v1.0.json
#
# Pipelines: both datasets produce the same 133-keypoint COCO-WholeBody
# layout, so their own pipelines are empty and the whole train pipeline runs
# in the CombinedDataset. With frame_source='video' the UBody dataset puts
# the decoded frame in results['img'] before any transform, and
# CheckedLoadImage (as the stock LoadImage) keeps an image that is already
# there; with frame_source='extracted' it reads the PNG. The pipeline is the
# same either way.
#
# Bad input (docs/reliability.md): CheckedLoadImage raises naming a missing
# or broken image file. To skip broken training images instead (counted;
# add dict(type='SkippedImageCountHook') to custom_hooks to log the total
# each epoch), set on_error='skip' in train_pipeline, e.g.
#     --cfg-options train_dataloader.dataset.pipeline.0.on_error=skip
# Validation always raises. UBody frames decoded from the videos are read by
# the dataset, which raises naming the video and frame.
#
# A child config that changes the input size overrides the pipeline where it
# is used (lists are replaced, dicts merged):
#     train_dataloader = dict(dataset=dict(pipeline=my_train_pipeline))
#     val_dataloader = dict(dataset=dict(pipeline=my_val_pipeline))
# and switches UBody to extracted frames (tools/ubody_extract_frames.py) with
#     --cfg-options train_dataloader.dataset.datasets.1.frame_source=extracted
#
# Person boxes for validation are the ground-truth ones; for numbers
# comparable to the papers set val_dataloader.dataset.bbox_file to
# 'data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json'
# (not shipped).

# UBodyWholeBodyVideoDataset lives in mmpose_kd.
_base_ = ['../../dwpose/_base_/coco_ubody_train_datasets.py']
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

coco_data_root = 'data/coco/'
ubody_data_root = 'data/UBody/'
data_mode = 'topdown'
backend_args = dict(backend='local')

codec = dict(
    type='SimCCLabel',
    input_size=(192, 256),
    sigma=(4.9, 5.66),
    simcc_split_ratio=2.0,
    normalize=False,
    use_dark=False)

train_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(
        type='RandomBBoxTransform', scale_factor=[0.6, 1.4], rotate_factor=80),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='CheckedLoadImage', on_error='raise', backend_args=backend_args),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

# The two training sets are defined once, in the clash-free base that the
# DWPose configs also inherit beside a stock RTMPose config.
coco_wholebody_train_dataset = {{_base_.dwpose_coco_wholebody_train}}
ubody_train_dataset = {{_base_.dwpose_ubody_train}}

combined_train_dataset = dict(
    type='CombinedDataset',
    metainfo=dict(from_file='configs/_base_/datasets/coco_wholebody.py'),
    datasets=[coco_wholebody_train_dataset, ubody_train_dataset],
    pipeline=train_pipeline,
    test_mode=False,
)

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=combined_train_dataset,
)

val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='CheckedCocoWholeBodyDataset',
        data_root=coco_data_root,
        data_mode=data_mode,
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        data_prefix=dict(img='val2017/'),
        test_mode=True,
        pipeline=val_pipeline,
    ),
)
test_dataloader = val_dataloader

val_evaluator = dict(
    type='CocoWholeBodyMetric',
    ann_file=coco_data_root + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator
