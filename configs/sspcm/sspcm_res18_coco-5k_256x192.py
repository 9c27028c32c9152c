# SSPCM, paper Table 1: COCO with 5K labels (the first 5000 person
# instances of train2017), all of train2017 unlabeled, ResNet-18 networks
# A, B, C; ground-truth boxes, no flip test. Every other setting:
# ./_base_/sspcm_coco.py and docs/recipes.md (SSPCM).
#
#   python tools/split_semi.py \
#       data/coco/annotations/person_keypoints_train2017.json \
#       --unit instances --order first --num-labeled 5000 --unlabeled all \
#       --out-labeled \
#       data/coco/annotations/person_keypoints_train2017_first-5k-instances.json
#   python tools/train.py configs/sspcm/sspcm_res18_coco-5k_256x192.py
_base_ = ['./_base_/sspcm_coco.py']

train_dataloader = dict(
    labeled=dict(
        dataset=dict(ann_file='annotations/'
                     'person_keypoints_train2017_first-5k-instances.json')))
