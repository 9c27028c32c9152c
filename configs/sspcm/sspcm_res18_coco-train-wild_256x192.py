# SSPCM, COCO train (labeled) + COCO wild (unlabeled, detector boxes),
# ResNet-18 A, B, C: the official yaml
# hlz0606/SSPCM SSPCM/experiments/mix_coco_coco/res18/
# 256x192_COCO_COCOUnlabel_PoseTriple_all_module.yaml. Data and schedule:
# ./_base_/sspcm_coco_wild.py.
_base_ = ['./_base_/sspcm_coco_wild.py']
