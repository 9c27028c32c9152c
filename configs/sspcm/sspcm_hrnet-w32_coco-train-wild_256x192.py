# SSPCM, "COCO train + wild" with HRNet-W32 A, B, C (stock mmpose HRNet-W32
# network). See sspcm_res50_coco-train-wild_256x192.py for the data.
# Not run at real scale by this project.
_base_ = [
    './sspcm_res50_coco-train-wild_256x192.py',
]

# The stock td-hm_hrnet-w32 model, with a local ImageNet checkpoint
# (https://download.openmmlab.com/mmpose/pretrain_models/hrnet_w32-36af842e.pth).
hrnet_w32 = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=(32, 64)),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(32, 64, 128)),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=(32, 64, 128, 256))),
        init_cfg=dict(
            type='Pretrained', checkpoint='checkpoints/hrnet_w32-36af842e.pth'),
    ),
    head=dict(
        type='HeatmapHead',
        in_channels=32,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=_base_.codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))

model = dict(
    _delete_=True,
    type='SSPCMPoseEstimator',
    network_a=hrnet_w32,
    network_b=hrnet_w32,
    network_c=hrnet_w32,
    update_scheme='joint',
    semi_train_cfg=dict(conf_thr=0.1, inconsistency_thr=0.6),
    semi_test_cfg=dict(predict_on='C'))
