# DWPose stage 2 (Yang et al., ICCV-W 2023, Sec. 3.2, head-aware self-KD):
# RTMPose-x on COCO-WholeBody + UBody, 256x192, 60 epochs: self-KD of the
# public RTMPose-x ucoco model (the released repo has no stage 1 for it).
# Released as:
#   IDEA-Research/DWPose mmpose/configs/distiller/ubody/s2_dis/rtmpose_x-xx__coco-ubody-256x192.py  # noqa: E501
# Every setting against the release: docs/recipes.md (DWPose).
#
#   tools/train.py configs/dwpose/dwpose-s2_x-xx_coco-ubody-256x192.py
_base_ = [
    # the released x-xx config's own base (its data and schedule differ from
    # rtmpose-l/m: RandomBBoxTransform scale [0.5, 1.5], rotation 90 in both
    # pipelines); its UBody and validation data are replaced below
    'mmpose::wholebody_2d_keypoint/rtmpose/ubody/rtmpose-x_8xb64-270e_coco-ubody-wholebody-256x192.py',  # noqa: E501
    './_base_/dwpose-s2.py',
    './_base_/coco_ubody_train_datasets.py',
]
model = dict(
    _base_.dwpose_s2_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/ubody/'
    'rtmpose-x_8xb64-270e_coco-ubody-wholebody-256x192.py',
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/'
    'rtmpose-x_ucoco_256x192-05f5bcb7_20230822.pth')
# released: 60 epochs; the LR schedule and the pipeline switch are
# the stock 270-epoch ones (see _base_/dwpose-s2.py)
train_cfg = dict(max_epochs=60, val_interval=10)

# The stage-2 recipe on the stock data and schedule; the same lines in
# every stage-2 pair (_base_/dwpose-s2.py says why).
optim_wrapper = _base_.dwpose_optim_wrapper
default_hooks = _base_.dwpose_default_hooks
# CheckedLoadImage: the stock LoadImage, raising naming a missing or broken
# image (on_error='skip': skip it, counted; docs/reliability.md)
train_pipeline, train_pipeline_stage2, val_pipeline = [[
    dict(t, type='CheckedLoadImage', on_error='raise')
    if t['type'] == 'LoadImage' else t for t in pipeline
] for pipeline in (_base_.train_pipeline, _base_.train_pipeline_stage2,
                   _base_.val_pipeline)]
custom_hooks = [
    dict(hook, switch_pipeline=train_pipeline_stage2)
    if hook['type'] == 'mmdet.PipelineSwitchHook' else hook
    for hook in _base_.custom_hooks
] + _base_.dwpose_s2_hooks
train_dataloader = dict(
    dataset=dict(
        _base_.dwpose_coco_ubody_train, _delete_=True,
        pipeline=train_pipeline))
# mmpose 1.3.2's config joins its UBody data_root to the COCO val paths
# (data/UBody/data/coco/...); these are the released config's paths.
val_dataloader = dict(
    dataset=dict(
        type='CheckedCocoWholeBodyDataset',
        data_root='data/coco/',
        ann_file='annotations/coco_wholebody_val_v1.0.json',
        data_prefix=dict(img='val2017/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
