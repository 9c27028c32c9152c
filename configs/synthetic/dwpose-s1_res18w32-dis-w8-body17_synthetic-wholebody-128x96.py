# DWPose stage 1 across keypoint sets (docs/keypoint_maps.md), heatmap demo
# family: the ResNet-18 w32 133-keypoint heatmap teacher -> the w8 COCO
# body-17 student (res18-w8_synthetic-body17-128x96.py, also the
# trained-alone baseline). Feature KD on the last backbone stage as the
# whole-body pair; heatmap logit KD over the teacher's 17 body keypoints
# (map 'coco_wholebody_to_coco'), both decayed by r(t) = 1 - (t-1)/t_max.
# Data, schedule and hooks are the student's.
_base_ = ['./res18-w8_synthetic-body17-128x96.py']

# --cfg-options model.teacher_ckpt=...
teacher_ckpt = 'work_dirs/dwpose_demo/teacher/epoch_20.pth'
model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=1,
    student='{{ fileDirname }}/res18-w8_synthetic-body17-128x96.py',
    teacher='{{ fileDirname }}/res18-w32_synthetic-wholebody-128x96.py',
    teacher_ckpt=teacher_ckpt,
    feature_distill=dict(
        type='FeatureDistillLoss',
        student_channels=32,
        teacher_channels=128,
        alpha=5e-5,
        normalize='batch'),
    logit_distill=dict(
        type='HeatmapLogitDistillLoss', mode='mse', loss_weight=1.0),
    keypoint_map='coco_wholebody_to_coco')

custom_hooks = [
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
