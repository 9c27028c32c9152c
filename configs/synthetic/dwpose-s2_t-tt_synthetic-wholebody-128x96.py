# DWPose stage 2 (head-aware self-KD) on the synthetic data: the stage-1
# student's frozen backbone feeds a fresh head trained by logit distillation
# (gamma = 1) for 1/5 of stage 1's epochs. The schedule below is recomputed
# for the shorter run so that its LR decay and pipeline switch fire in it.
_base_ = ['./rtmpose-t_synthetic-wholebody-128x96.py']

teacher_ckpt = 'work_dirs/dwpose_demo/stage1/exported_student.pth'
max_epochs = 6  # stage 1 (30) / 5
stage2_num_epochs = 2
base_lr = 4e-3

model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=2,
    student='{{ fileDirname }}/rtmpose-t_synthetic-wholebody-128x96.py',
    teacher_ckpt=teacher_ckpt,
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.0))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1.0e-3, by_epoch=False, begin=0, end=20),
    dict(
        type='CosineAnnealingLR',
        eta_min=base_lr * 0.05,
        begin=max_epochs // 2,
        end=max_epochs,
        T_max=max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
]
default_hooks = dict(
    checkpoint=dict(type='AtomicCheckpointHook', interval=max_epochs))
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49),
    dict(
        type='mmdet.PipelineSwitchHook',
        switch_epoch=max_epochs - stage2_num_epochs,
        switch_pipeline={{_base_.train_pipeline_stage2}}),
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
