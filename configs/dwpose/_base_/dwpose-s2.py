# The DWPose stage-2 recipe (Yang et al., ICCV-W 2023, Sec. 3.2, head-aware
# self-KD), shared by every stage-2 pair in configs/dwpose/. A pair config
# inherits it BESIDE the stock mmpose config of its student:
#
#     _base_ = ['mmpose::<student's stock RTMPose config>',
#               './_base_/dwpose-s2.py']
#
# All names start with `dwpose_` (mmengine forbids a key two bases define).
# docs/recipes.md (DWPose) compares every setting with the released configs
# (IDEA-Research/DWPose mmpose/configs/distiller/*/s2_dis/, mmpose 1.3.2
# configs/wholebody_2d_keypoint/dwpose/*/s2_dis/).
#
# Schedule, as released: the pair sets only train_cfg.max_epochs (60 for
# whole-body, 80 for body-only COCO) and inherits the stock 270/420-epoch
# LR schedule and PipelineSwitchHook. Their cosine decay starts at epoch
# 135/210 and the switch fires at 240/390, so inside the short run neither
# fires: the LR stays at base_lr after the 1000-iteration warm-up and the
# strong augmentation runs throughout. To fit both into the short run
# instead (cosine over its second half, switch for its last 10 epochs):
#   --cfg-options param_scheduler.1.begin=30 param_scheduler.1.T_max=30 \
#                 param_scheduler.1.end=60 custom_hooks.1.switch_epoch=50
# (body-only, 80 epochs: 40, 40, 80, 70; custom_hooks.0 for body-only
# RTMPose-t, whose stock config has no EMA).
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# The pair sets student and teacher_ckpt, and replaces the stock student
# model with it (model=dict(..., _delete_=True)).
dwpose_s2_model = dict(
    type='DWPoseTwoStageDistiller',
    stage=2,
    # teacher_ckpt: the stage-1 student. Its backbone (+neck) is loaded into
    # the student and frozen, its head is the frozen teacher head; a fresh
    # head trains on gamma * L_logit only (released: KDLoss weight=1, no GT
    # loss). One backbone is built, so find_unused_parameters (True in the
    # released configs) is not needed.
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.0),
    # False: the frozen backbone stays in eval mode. True restores the
    # released code, where runner.model.train() puts the frozen stage-1
    # network into train mode: its BN layers use batch statistics and update
    # the running statistics that validation then uses.
    teacher_train_mode=False)

# released: every distillation config ends with this clip
dwpose_optim_wrapper = dict(clip_grad=dict(max_norm=1., norm_type=2))

# Appended to the stock custom_hooks (EMA, PipelineSwitchHook stay as
# released); none changes the maths.
dwpose_s2_hooks = [
    dict(type='DistillScheduleHook'),  # progress; stage 2 has no decay
    dict(type='ExportStudentHook'),  # plain mmpose checkpoint at each save
    dict(type='SkippedImageCountHook'),  # counts on_error='skip' images
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
# crash-safe checkpoints (docs/reliability.md); the stock hook's arguments
dwpose_default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
