# The DWPose stage-1 recipe (Yang et al., ICCV-W 2023, Sec. 3.1), shared by
# every stage-1 pair in configs/dwpose/. A pair config inherits it BESIDE the
# stock mmpose config of its student, which supplies the released data,
# pipelines, optimizer and 270/420-epoch schedule unchanged:
#
#     _base_ = ['mmpose::<student's stock RTMPose config>',
#               './_base_/dwpose-s1.py']
#
# mmengine forbids a top-level key that two bases both define, so every name
# here starts with `dwpose_`; the pair config applies them in a few fixed
# lines. docs/recipes.md (DWPose) compares every setting with the released
# configs (IDEA-Research/DWPose mmpose/configs/distiller/*/s1_dis/,
# mmpose 1.3.2 configs/wholebody_2d_keypoint/dwpose/*/s1_dis/).
custom_imports = dict(imports=['mmpose_kd'], allow_failed_imports=False)

# The pair sets student, teacher, teacher_ckpt and the channel counts, and
# replaces the stock student model with it (model=dict(..., _delete_=True)).
dwpose_s1_model = dict(
    type='DWPoseTwoStageDistiller',
    stage=1,
    # student: the stock config path; its backbone starts from the CSPNeXt
    # weights its init_cfg names (pre-trained on AI Challenger + COCO), as in
    # the released code: "from scratch" in the paper means "not from a
    # trained RTMPose", not random weights.
    # L = L_gt + r(t) * (alpha * L_fea + beta * L_logit), r(t) = 1-(t-1)/t_max
    feature_distill=dict(
        type='FeatureDistillLoss',
        # released: alpha_fea=0.00007 in every config; FeaLoss sums the
        # squared error over C*H*W and divides by the batch size, which is
        # normalize='batch'
        alpha=7e-5,
        normalize='batch'),
    # released: KDLoss weight=0.1 over all keypoints, softened by the head's
    # KLDiscretLoss beta (10)
    logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1),
    # The teacher's backbone under bf16 autocast where the device computes
    # bf16 natively (fp32 elsewhere; its head always fp32): 0.85x of the step
    # time, accuracy unchanged within seed noise on the demo (README).
    # None restores the released fp32 teacher.
    teacher_autocast='auto',
    # False: the frozen teacher stays in eval mode (BN running statistics).
    # True restores the released code, where runner.model.train() also puts
    # the teacher into train mode (BN batch statistics).
    teacher_train_mode=False)

# released: every distillation config ends with this clip
dwpose_optim_wrapper = dict(clip_grad=dict(max_norm=1., norm_type=2))

# Appended to the stock custom_hooks (EMA, PipelineSwitchHook stay as
# released). Not in the released configs; none changes the maths:
dwpose_s1_hooks = [
    dict(type='DistillScheduleHook'),  # feeds t/t_max for r(t)
    dict(type='ExportStudentHook'),  # plain mmpose checkpoint at each save
    dict(type='SkippedImageCountHook'),  # counts on_error='skip' images
    dict(type='SyncBuffersHook'),  # same BN statistics on every rank
    dict(type='RandomStateHook'),  # RNG states in checkpoints: exact resume
]
# crash-safe checkpoints (docs/reliability.md); the stock hook's arguments
dwpose_default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
