# DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1): RTMPose-l teacher ->
# RTMPose-s student on COCO-WholeBody, 256x192.
# Not released for COCO-WholeBody alone (only with UBody); the same recipe
# as l-dis-m, with the data and schedule of the released ucoco RTMPose-s
# config.
# Every setting against the release: docs/recipes.md (DWPose).
#
#   tools/train.py configs/dwpose/dwpose-s1_l-dis-s_coco-wholebody-256x192.py
#   tools/export_student.py \
#       configs/dwpose/dwpose-s1_l-dis-s_coco-wholebody-256x192.py \
#       work_dirs/dwpose-s1_l-dis-s_coco-wholebody-256x192/epoch_270.pth \
#       dwpose-s1_l-dis-s_coco-wholebody-256x192_student.pth
# (ExportStudentHook also writes exported_student.pth at each save.)
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-m_8xb64-270e_coco-wholebody-256x192.py',  # noqa: E501
    './_base_/dwpose-s1.py',
]
model = dict(
    _base_.dwpose_s1_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/ubody/'
    'rtmpose-s_8xb64-270e_coco-ubody-wholebody-256x192.py',
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-l_8xb64-270e_coco-wholebody-256x192.py',
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmpose/'
    'rtmpose-l_simcc-coco-wholebody_pt-aic-coco_270e-256x192-6f206314_20230124.pth',  # noqa: E501
    feature_distill=dict(
        _base_.dwpose_s1_model.feature_distill,
        student_channels=512,
        teacher_channels=1024))

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
