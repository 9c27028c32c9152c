# DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1) on RTMW (Jiang et al.,
# RTMW, 2024: CSPNeXt + CSPNeXtPAFPN + RTMWHead): RTMW-l teacher ->
# RTMW-m student on mmpose's cocktail14 (14 datasets converted to the
# COCO-WholeBody 133 keypoints), 256x192.
# Not released: mmpose 1.3.2 ships the distilled checkpoint
# rtmw-dw-l-m_simcc-cocktail14_270e-256x192-20231122.pth but no
# distillation config (open-mmlab/mmpose#3216), nor does
# IDEA-Research/DWPose. So the DWPose recipe (_base_/dwpose-s1.py: alpha,
# beta, decay, clip) applies unchanged on the stock RTMW config's data,
# pipelines, optimizer and 270-epoch schedule. The RTMW-specific choices
# (the neck's last level is distilled, the logit temperature is RTMW's
# KLDiscretLoss beta=1): docs/recipes.md (DWPose, RTMW).
#
#   tools/train.py configs/dwpose/dwpose-s1_rtmw-l-dis-m_cocktail14-256x192.py
#   tools/export_student.py \
#       configs/dwpose/dwpose-s1_rtmw-l-dis-m_cocktail14-256x192.py \
#       work_dirs/dwpose-s1_rtmw-l-dis-m_cocktail14-256x192/epoch_270.pth \
#       dwpose-s1_rtmw-l-dis-m_cocktail14-256x192_student.pth
# (ExportStudentHook also writes exported_student.pth at each save.)
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/cocktail14/rtmw-m_8xb1024-270e_cocktail14-256x192.py',  # noqa: E501
    './_base_/dwpose-s1.py',
]
model = dict(
    _base_.dwpose_s1_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/cocktail14/'
    'rtmw-m_8xb1024-270e_cocktail14-256x192.py',
    teacher='mmpose::wholebody_2d_keypoint/rtmpose/cocktail14/'
    'rtmw-l_8xb1024-270e_cocktail14-256x192.py',
    # the only released RTMW-l 256x192: rtmw-dw-x-l (itself distilled from
    # RTMW-x; metafile rtmw_cocktail14.yml), as rtmw-dw-l-m was made
    teacher_ckpt='https://download.openmmlab.com/mmpose/v1/projects/rtmw/'
    'rtmw-dw-x-l_simcc-cocktail14_270e-256x192-20231122.pth',  # noqa: E501
    # The distilled feature is the last level of extract_feat, here the
    # neck's stride-32 output (CSPNeXtPAFPN out_indices=(1, 2)): the
    # RTMWHead's in_channels, 768 (student) and 1024 (teacher).
    feature_distill=dict(
        _base_.dwpose_s1_model.feature_distill,
        student_channels=768,
        teacher_channels=1024))

# The stage-1 recipe on the stock data and schedule; the same lines in
# every stage-1 pair (_base_/dwpose-s1.py says why).
optim_wrapper = _base_.dwpose_optim_wrapper
default_hooks = _base_.dwpose_default_hooks
# CheckedLoadImage: the stock LoadImage, raising naming a missing or broken
# image (on_error='skip': skip it, counted; docs/reliability.md). cocktail14
# also loads in the face and hand sub-datasets' own pipelines.
train_pipeline, train_pipeline_stage2, val_pipeline, face_pipeline, \
    hand_pipeline = [[
        dict(t, type='CheckedLoadImage', on_error='raise')
        if t['type'] == 'LoadImage' else t for t in pipeline
    ] for pipeline in (_base_.train_pipeline, _base_.train_pipeline_stage2,
                       _base_.val_pipeline, _base_.face_pipeline,
                       _base_.hand_pipeline)]
custom_hooks = [
    dict(hook, switch_pipeline=train_pipeline_stage2)
    if hook['type'] == 'mmdet.PipelineSwitchHook' else hook
    for hook in _base_.custom_hooks
] + _base_.dwpose_s1_hooks
# The stock cocktail14 (same 14 datasets, paths, converters and order), with
# the checked classes where mmpose_kd has one (the same parse, each
# annotation checked: docs/reliability.md) and the checked image loading.
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(
                _base_.dataset_wb,
                datasets=[
                    dict(
                        _base_.dataset_coco,
                        type='CheckedCocoWholeBodyDataset'),
                    _base_.dataset_halpe,
                    dict(
                        _base_.dataset_ubody,
                        datasets=[
                            dict(d, type='CheckedUBody2dDataset')
                            for d in _base_.ubody_datasets
                        ]),
                ]),
            dict(
                _base_.dataset_body,
                datasets=[
                    dict(_base_.dataset_aic, type='CheckedAicDataset'),
                    _base_.dataset_crowdpose,
                    dict(_base_.dataset_mpii, type='CheckedMpiiDataset'),
                    _base_.dataset_jhmdb,
                    _base_.dataset_posetrack,
                    _base_.dataset_humanart,
                ]),
            dict(
                _base_.dataset_face,
                datasets=[
                    dict(d, pipeline=d['pipeline'][:1] + face_pipeline)
                    for d in _base_.dataset_face.datasets
                ]),
            dict(
                _base_.dataset_hand,
                datasets=[
                    dict(d, pipeline=d['pipeline'][:1] + hand_pipeline)
                    for d in _base_.dataset_hand.datasets
                ]),
        ],
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type='CheckedCocoWholeBodyDataset', pipeline=val_pipeline))
test_dataloader = val_dataloader
