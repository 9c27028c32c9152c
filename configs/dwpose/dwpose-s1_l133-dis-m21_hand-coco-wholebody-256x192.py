# DWPose stage 1 across keypoint sets (docs/keypoint_maps.md): the
# COCO-WholeBody RTMPose-l teacher (133 keypoints) -> RTMPose-m hand-21
# student on COCO-WholeBody-Hand (mmpose's stock hand config: data,
# pipelines, optimizer, 210-epoch schedule, PCK/AUC/EPE).
#
# Input size: the teacher's RTMCC head flattens a fixed 6x8 feature map
# (256x192 input), so the student runs at 256x192 too instead of the stock
# 256x256 (codec, head and pipelines overridden below; the SimCC sigma
# becomes RTMPose's (4.9, 5.66) for 192x256). docs/keypoint_maps.md says
# why teacher and student share one input size.
#
# The map 'coco_wholebody_to_hand' teaches the 21 hand-21 keypoints from
# the teacher's left hand or right hand, per crop the one the teacher is
# more confident of (COCO-WholeBody-Hand mixes both hands); the hand-21
# names map to COCO-WholeBody's by the documented correspondence
# (wrist -> <side>_hand_root, thumb1 -> <side>_thumb1, ...).
#
#   tools/train.py \
#       configs/dwpose/dwpose-s1_l133-dis-m21_hand-coco-wholebody-256x192.py
_base_ = [
    'mmpose::hand_2d_keypoint/rtmpose/coco_wholebody_hand/rtmpose-m_8xb32-210e_coco-wholebody-hand-256x256.py',  # noqa: E501
    './_base_/dwpose-s1.py',
]
STUDENT = 'mmpose::hand_2d_keypoint/rtmpose/coco_wholebody_hand/rtmpose-m_8xb32-210e_coco-wholebody-hand-256x256.py'  # noqa: E501
hand_codec = dict(_base_.codec, input_size=(192, 256), sigma=(4.9, 5.66))
model = dict(
    _base_.dwpose_s1_model,
    _delete_=True,
    student=dict(
        config=STUDENT,
        overrides=dict(
            head=dict(
                input_size=hand_codec['input_size'],
                in_featuremap_size=(6, 8),
                decoder=hand_codec))),
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/'
    'rtmpose-l_8xb64-270e_coco-wholebody-256x192.py',
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmpose/'
    'rtmpose-l_simcc-coco-wholebody_pt-aic-coco_270e-256x192-6f206314_20230124.pth',  # noqa: E501
    keypoint_map='coco_wholebody_to_hand',
    feature_distill=dict(
        _base_.dwpose_s1_model.feature_distill,
        student_channels=768,
        teacher_channels=1024))

optim_wrapper = _base_.dwpose_optim_wrapper
default_hooks = _base_.dwpose_default_hooks


def _at_192x256(t):
    if t['type'] == 'LoadImage':
        return dict(t, type='CheckedLoadImage', on_error='raise')
    if t['type'] == 'TopdownAffine':
        return dict(t, input_size=hand_codec['input_size'])
    if t['type'] == 'GenerateTarget':
        return dict(t, encoder=hand_codec)
    return t


train_pipeline, train_pipeline_stage2, val_pipeline = [[
    _at_192x256(t) for t in pipeline
] for pipeline in (_base_.train_pipeline, _base_.train_pipeline_stage2,
                   _base_.val_pipeline)]
custom_hooks = [
    dict(hook, switch_pipeline=train_pipeline_stage2)
    if hook['type'] == 'mmdet.PipelineSwitchHook' else hook
    for hook in _base_.custom_hooks
] + _base_.dwpose_s1_hooks
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
del _at_192x256
