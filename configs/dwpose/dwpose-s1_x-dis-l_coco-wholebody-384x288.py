# DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1): RTMPose-x teacher ->
# RTMPose-l student on COCO-WholeBody, 384x288.
# Released as:
#   mmpose 1.3.2 configs/wholebody_2d_keypoint/dwpose/coco-wholebody/s1_dis/dwpose_x_dis_l_coco-384x288.py  # noqa: E501
# Every setting against the release: docs/recipes.md (DWPose).
#
#   tools/train.py configs/dwpose/dwpose-s1_x-dis-l_coco-wholebody-384x288.py
#   tools/export_student.py \
#       configs/dwpose/dwpose-s1_x-dis-l_coco-wholebody-384x288.py \
#       work_dirs/dwpose-s1_x-dis-l_coco-wholebody-384x288/epoch_270.pth \
#       dwpose-s1_x-dis-l_coco-wholebody-384x288_student.pth
# (ExportStudentHook also writes exported_student.pth at each save.)
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-l_8xb32-270e_coco-wholebody-384x288.py',  # noqa: E501
    './_base_/dwpose-s1.py',
]
model = dict(
    _base_.dwpose_s1_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-l_8xb32-270e_coco-wholebody-384x288.py',
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-x_8xb32-270e_coco-wholebody-384x288.py',
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/'
    'rtmpose-x_simcc-coco-wholebody_pt-body7_270e-384x288-401dfc90_20230629.pth',  # noqa: E501
    feature_distill=dict(
        _base_.dwpose_s1_model.feature_distill,
        student_channels=1024,
        teacher_channels=1280))

# The stage-1 recipe on the stock data and schedule; the same lines in
# every stage-1 pair (_base_/dwpose-s1.py says why).
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
] + _base_.dwpose_s1_hooks
train_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
