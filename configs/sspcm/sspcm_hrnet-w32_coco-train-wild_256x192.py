# SSPCM, COCO train (labeled) + COCO wild (unlabeled, detector boxes),
# HRNet-W32 A, B, C at 256x192. No released SSPCM or PoseDual file has this
# network (PoseDual's HRNet file is W48 at 384x288): the data and schedule
# are those of the official ResNet-18 wild yaml (./_base_/sspcm_coco_wild.py),
# the network is mmpose's stock td-hm_hrnet-w32_8xb64-210e_coco-256x192
# one with its ImageNet weights (no flip test, as every SSPCM config).
_base_ = ['./_base_/sspcm_coco_wild.py']

hrnet_w32 = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=_base_.model.data_preprocessor,
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
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth'),
    ),
    head=dict(
        type='HeatmapHead',
        in_channels=32,
        out_channels=17,
        deconv_out_channels=None,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=_base_.codec),
    test_cfg=_base_.paper_test_cfg)

network = dict(hrnet_w32, _delete_=True)
model = dict(network_a=network, network_b=network, network_c=network)
