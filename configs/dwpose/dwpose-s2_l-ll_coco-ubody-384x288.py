# DWPose stage 2 (Yang et al., ICCV-W 2023, Sec. 3.2, head-aware self-KD):
# RTMPose-l on COCO-WholeBody + UBody, 384x288, 60 epochs.
# Released as:
#   IDEA-Research/DWPose mmpose/configs/distiller/ubody/s2_dis/dwpose_l-ll__coco-ubody-384x288.py  # noqa: E501
#   mmpose 1.3.2 configs/wholebody_2d_keypoint/dwpose/ubody/s2_dis/dwpose_l-ll_coco-ubody-384x288.py  # noqa: E501
# Every setting against the release: docs/recipes.md (DWPose).
#
#   tools/train.py configs/dwpose/dwpose-s2_l-ll_coco-ubody-384x288.py
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-l_8xb32-270e_coco-wholebody-384x288.py',  # noqa: E501
    './_base_/dwpose-s2.py',
    './_base_/coco_ubody_train_datasets.py',
]
# teacher_ckpt: the stage-1 student (exported_student.pth or the
# distiller checkpoint).
model = dict(
    _base_.dwpose_s2_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/ubody/'
    'rtmpose-l_8xb32-270e_coco-ubody-wholebody-384x288.py',
    teacher_ckpt='work_dirs/dwpose-s1_x-dis-l_coco-ubody-384x288/'
    'exported_student.pth')
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
val_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
