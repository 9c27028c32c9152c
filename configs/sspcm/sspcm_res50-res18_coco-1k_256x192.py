# SSPCM with a smaller student: ResNet-50 teachers A, B and a ResNet-18
# student C (only C is used at test time), COCO 1K labels (first 1000 person
# instances), all of train2017 unlabeled. The official file:
# hlz0606/SSPCM SSPCM/experiments/mix_coco_coco/res50_mix_res18/
# 256x192_COCO1K_PoseTriple_all_module.yaml (MODEL: ResNet-50 for resnet and
# resnet2, OTHER_MODEL: ResNet-18 for final_resnet, use_diff_model: True;
# lib/models/my_pose_triple.py get_pose_net). Data: see
# sspcm_res18_coco-1k_256x192.py.
_base_ = ['./sspcm_res18_coco-1k_256x192.py']

model = dict(network_a=_base_.resnet50, network_b=_base_.resnet50)
