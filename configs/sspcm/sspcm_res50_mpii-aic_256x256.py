# SSPCM, MPII train labeled + AI Challenger train unlabeled (boxes only),
# ResNet-50 A, B, C at 256x256 (the stock td-hm_res50 MPII network), PCKh@0.5
# on MPII val. No released file has ResNet-50 in this setting: data and
# schedule are those of the ResNet-18 recipe (./_base_/sspcm_mpii_aic.py).
_base_ = ['./_base_/sspcm_mpii_aic.py']

model = dict(
    network_a=_base_.resnet50,
    network_b=_base_.resnet50,
    network_c=_base_.resnet50)
