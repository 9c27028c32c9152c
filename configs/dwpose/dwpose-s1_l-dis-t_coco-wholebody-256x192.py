# DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1): RTMPose-l teacher ->
# RTMPose-t student on COCO-WholeBody, 256x192. The paper's setting: alpha = 5e-5
# (feature KD on the last backbone stage), beta = 0.1 (SimCC logit KD over all
# keypoints), both decayed by r(t) = 1 - (t-1)/t_max over the epochs.
#
#   tools/train.py configs/dwpose/dwpose-s1_l-dis-t_coco-wholebody-256x192.py \
#       --cfg-options model.teacher_ckpt=/path/to/rtmpose-l_256x192.pth
# Then export the student (the exported_student.pth written at each save by
# ExportStudentHook is the same thing):
#   tools/export_student.py configs/dwpose/dwpose-s1_l-dis-t_coco-wholebody-256x192.py work_dirs/.../epoch_270.pth out.pth
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

teacher_ckpt = 'checkpoints/rtmpose-l_coco-wholebody-256x192.pth'  # yours
# Optional local CSPNeXt weights to start the student's backbone from (the
# stock RTMPose config would download them); None: the student starts from
# scratch, as in the paper's first stage.
student_backbone_init = None  # e.g. dict(type='Pretrained', prefix='backbone.', checkpoint='checkpoints/cspnext-t.pth')

model = dict(
    _delete_=True,
    type='DWPoseTwoStageDistiller',
    stage=1,
    student=dict(
        config='mmpose::wholebody_2d_keypoint/rtmpose/ubody/rtmpose-t_8xb64-270e_coco-ubody-wholebody-256x192.py',
        overrides=dict(backbone=dict(init_cfg=student_backbone_init))),
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/coco-wholebody/rtmpose-l_8xb64-270e_coco-wholebody-256x192.py',
    teacher_ckpt=teacher_ckpt,
    feature_distill=dict(
        type='FeatureDistillLoss',
        student_channels=384,
        teacher_channels=1024,
        alpha=5e-5,
        normalize='batch'),
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1),
    # teacher backbone in bf16 where the device computes bf16 natively, else
    # fp32; its head in fp32: 0.85x of mmpose's distiller step time instead
    # of 1.04x (docs/benchmarks.md), accuracy unchanged within seed noise on
    # the demo (README); None = the paper's fp32 teacher.
    teacher_autocast='auto')

custom_hooks = [
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
         update_buffers=True, priority=49),
    dict(type='mmdet.PipelineSwitchHook',
         switch_epoch=270 - 30,  # the stock schedule's last 30 epochs
         switch_pipeline=train_pipeline_stage2),
    dict(type='DistillScheduleHook'),
    dict(type='ExportStudentHook'),
    dict(type='SkippedImageCountHook'),
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
# crash-safe checkpoints (docs/reliability.md); the stock hook's settings
default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
