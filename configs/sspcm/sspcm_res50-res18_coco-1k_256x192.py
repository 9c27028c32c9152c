# SSPCM with a smaller student: ResNet-50 networks A and B teach a ResNet-18
# C (only C is used at test time). COCO with 1K labeled train2017 images.
_base_ = ['./sspcm_res18_coco-1k_256x192.py']

resnet50 = _base_.model.network_c.copy()  # start from the ResNet-18 config
resnet50.backbone = dict(
    type='ResNet',
    depth=50,
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/resnet50-0676ba61.pth'))
resnet50.head = dict(_base_.model.network_c.head, in_channels=2048)
model = dict(network_a=resnet50, network_b=resnet50)
