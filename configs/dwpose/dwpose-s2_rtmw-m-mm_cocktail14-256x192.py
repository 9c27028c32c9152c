# DWPose stage 2 (Yang et al., ICCV-W 2023, Sec. 3.2, head-aware self-KD) on
# RTMW (CSPNeXt + CSPNeXtPAFPN + RTMWHead): RTMW-m on mmpose's cocktail14,
# 256x192, 60 epochs. The backbone AND the neck come from teacher_ckpt and
# are frozen; only a fresh RTMWHead trains.
# Not released (open-mmlab/mmpose#3216; IDEA-Research/DWPose has no RTMW),
# so the DWPose stage-2 recipe (_base_/dwpose-s2.py) applies unchanged on
# the stock RTMW config: docs/recipes.md (DWPose, RTMW).
#
#   tools/train.py configs/dwpose/dwpose-s2_rtmw-m-mm_cocktail14-256x192.py
_base_ = [
    'mmpose::wholebody_2d_keypoint/rtmpose/cocktail14/rtmw-m_8xb1024-270e_cocktail14-256x192.py',  # noqa: E501
    './_base_/dwpose-s2.py',
]
# teacher_ckpt: the stage-1 student (exported_student.pth or the
# distiller checkpoint). For self-KD of mmpose's released distilled RTMW-m
# instead (as the released l-ll pairs self-distil a public model):
#   --cfg-options model.teacher_ckpt=https://download.openmmlab.com/mmpose/v1/projects/rtmw/rtmw-dw-l-m_simcc-cocktail14_270e-256x192-20231122.pth  # noqa: E501
model = dict(
    _base_.dwpose_s2_model,
    _delete_=True,
    student='mmpose::wholebody_2d_keypoint/rtmpose/cocktail14/'
    'rtmw-m_8xb1024-270e_cocktail14-256x192.py',
    teacher_ckpt='work_dirs/dwpose-s1_rtmw-l-dis-m_cocktail14-256x192/'
    'exported_student.pth')
# DWPose: 60 epochs (whole-body); the LR schedule and the pipeline switch
# are the stock 270-epoch ones (cosine from 135, switch at 260): neither
# fires (see _base_/dwpose-s2.py; RTMW's switch is custom_hooks.1 too, its
# fitted value here 50 as there)
train_cfg = dict(max_epochs=60, val_interval=10)

# The stage-2 recipe on the stock data and schedule; the same lines in
# every stage-2 pair (_base_/dwpose-s2.py says why).
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
] + _base_.dwpose_s2_hooks
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
