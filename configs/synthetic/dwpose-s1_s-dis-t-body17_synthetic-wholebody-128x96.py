# DWPose stage 1 across keypoint sets on the synthetic data
# (docs/keypoint_maps.md): the RTMPose-s 133-keypoint teacher -> a tiny
# body-17 student; logit KD on the mapped keypoints (keypoint_map).
# Data, schedule and hooks are the student's; the model becomes the distiller.
_base_ = ['./rtmpose-t_synthetic-body17-128x96.py']

# the demo's shipped teacher; --cfg-options model.teacher_ckpt=... for another
teacher_ckpt = 'checkpoints/synthetic/rtmpose-s_synthetic-wholebody-128x96.pth'
model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=1,
    student='{{ fileDirname }}/rtmpose-t_synthetic-body17-128x96.py',
    teacher='{{ fileDirname }}/rtmpose-s_synthetic-wholebody-128x96.py',
    teacher_ckpt=teacher_ckpt,
    feature_distill=dict(
        type='FeatureDistillLoss',
        student_channels=128,
        teacher_channels=256,
        alpha=7e-5,
        normalize='batch'),
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1),
    keypoint_map='coco_wholebody_to_coco')

custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=30 - 6,  # the student config's max/stage-2 epochs
        switch_pipeline={{_base_.train_pipeline_stage2}}),
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
