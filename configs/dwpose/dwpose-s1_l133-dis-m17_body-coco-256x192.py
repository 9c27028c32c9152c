# DWPose stage 1 across keypoint sets (docs/keypoint_maps.md): the
# COCO-WholeBody RTMPose-l teacher (133 keypoints, the teacher of the
# released whole-body pairs) -> RTMPose-m COCO body-17 student, 256x192.
# Not a released pair: the released body-coco pairs distil a body-17
# teacher. Everything but the teacher and the keypoint map is the body pair
# dwpose-s1_l-dis-m_body-coco-256x192.py (stock COCO data and schedule).
# The map 'coco_wholebody_to_coco' selects the teacher's 17 body keypoints
# (the first 17 COCO-WholeBody names, which are COCO's) for the logit loss;
# feature distillation is unchanged.
#
#   tools/train.py configs/dwpose/dwpose-s1_l133-dis-m17_body-coco-256x192.py
_base_ = [
    'mmpose::body_2d_keypoint/rtmpose/coco/rtmpose-m_8xb256-420e_coco-256x192.py',  # noqa: E501
    './_base_/dwpose-s1.py',
]
model = dict(
    _base_.dwpose_s1_model,
    _delete_=True,
    student='mmpose::body_2d_keypoint/rtmpose/coco/'
    'rtmpose-m_8xb256-420e_coco-256x192.py',
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-l_8xb64-270e_coco-wholebody-256x192.py',
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmpose/'
    'rtmpose-l_simcc-coco-wholebody_pt-aic-coco_270e-256x192-6f206314_20230124.pth',  # noqa: E501
    keypoint_map='coco_wholebody_to_coco',
    feature_distill=dict(
        _base_.dwpose_s1_model.feature_distill,
        student_channels=768,
        teacher_channels=1024))

# The stage-1 recipe on the stock data and schedule, as every stage-1 pair.
optim_wrapper = _base_.dwpose_optim_wrapper
default_hooks = _base_.dwpose_default_hooks
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
    dataset=dict(type='CheckedCocoDataset', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
