# DWPose stage 1 on the synthetic data (the demo's default): the ResNet-18
# w32 heatmap teacher -> the w8 student. Feature KD on the last backbone stage
# (32 -> 128 channels through the 1x1 align conv) and heatmap logit KD over
# all 133 keypoints, both decayed by r(t) = 1 - (t-1)/t_max per epoch.
# Data, schedule and hooks are the student's.
_base_ = ['./res18-w8_synthetic-wholebody-128x96.py']

# the heatmap demo's teacher (--family heatmap); --cfg-options
# model.teacher_ckpt=... for another
teacher_ckpt = 'work_dirs/dwpose_demo/teacher/epoch_20.pth'
model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=1,
    student='{{ fileDirname }}/res18-w8_synthetic-wholebody-128x96.py',
    teacher='{{ fileDirname }}/res18-w32_synthetic-wholebody-128x96.py',
    teacher_ckpt=teacher_ckpt,
    feature_distill=dict(
        type='FeatureDistillLoss',
        student_channels=32,
        teacher_channels=128,
        alpha=5e-5,
        normalize='batch'),
    logit_distill=dict(
        type='HeatmapLogitDistillLoss', mode='mse', loss_weight=1.0))

custom_hooks = [
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
