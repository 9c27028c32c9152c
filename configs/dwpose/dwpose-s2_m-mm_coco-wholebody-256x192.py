# DWPose stage 2 (Sec. 3.2, head-aware self-KD) for RTMPose-m on COCO-WholeBody, 256x192:
# the stage-1 student's backbone is loaded and frozen, its head is the frozen
# teacher head, and a fresh head trains on logit KD only (gamma = 1) for
# 60 epochs, about 1/5 (paper: 20%) of stage 1's 270. The LR schedule and the
# pipeline switch are recomputed below so that they fire inside this run.
#
#   tools/train.py configs/dwpose/dwpose-s2_m-mm_coco-wholebody-256x192.py \
#       --cfg-options model.teacher_ckpt=/path/to/stage1_exported_student.pth
_base_ = ['mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-m_8xb64-270e_coco-wholebody-256x192.py']
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# Bad input (docs/reliability.md): the stock pipelines with CheckedLoadImage,
# which raises naming a missing or broken image file, and the stock datasets
# as CheckedCocoWholeBodyDataset, which names the file, annotation id and key
# of a malformed annotation. To skip broken training images instead, counted
# and logged by SkippedImageCountHook (validation always raises):
#   --cfg-options train_dataloader.dataset.pipeline.0.on_error=skip \
#                 custom_hooks.1.switch_pipeline.0.on_error=skip
train_pipeline, train_pipeline_stage2, val_pipeline = [[
    dict(t, type='CheckedLoadImage', on_error='raise')
    if t['type'] == 'LoadImage' else t for t in pipeline
] for pipeline in (_base_.train_pipeline, _base_.train_pipeline_stage2,
                   _base_.val_pipeline)]
train_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader

teacher_ckpt = 'work_dirs/dwpose-s1_m/exported_student.pth'  # stage-1 result
max_epochs = 60
stage2_num_epochs = 10
base_lr = 4e-3  # the stock RTMPose schedule's

model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=2,
    student='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-m_8xb64-270e_coco-wholebody-256x192.py',
    teacher_ckpt=teacher_ckpt,
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.0))

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0,
         end=1000),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05,
         begin=max_epochs // 2, end=max_epochs, T_max=max_epochs // 2,
         by_epoch=True, convert_to_iter_based=True),
]
custom_hooks = [
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
         update_buffers=True, priority=49),
    dict(type='mmdet.PipelineSwitchHook',
         switch_epoch=max_epochs - stage2_num_epochs,
         switch_pipeline=train_pipeline_stage2),
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
# crash-safe checkpoints (docs/reliability.md); the stock hook's settings
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
