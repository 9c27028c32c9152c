# SSPCM, COCO train (labeled) + COCO wild (unlabeled, detector boxes),
# ResNet-50 A, B, C. No SSPCM yaml was released for ResNet-50; the schedule
# and data are those of the official ResNet-18 file and of PoseDual's
# ResNet-50 one (xierc/Semi_Human_Pose experiments/mix_coco_coco/res50/
# 256x192_COCO_COCOunlabel_PoseDual_JointCut.yaml: same 400 epochs, steps
# 300/350, batch, input and heatmaps). See ./_base_/sspcm_coco_wild.py.
_base_ = ['./_base_/sspcm_coco_wild.py']

model = dict(
    network_a=_base_.resnet50,
    network_b=_base_.resnet50,
    network_c=_base_.resnet50)
