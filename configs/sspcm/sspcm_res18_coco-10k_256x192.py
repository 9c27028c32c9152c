# SSPCM, paper Table 1 setting: COCO with 10000 labeled train2017 images
# (ResNet-18 A, B, C), the rest of train2017 unlabeled. Paper (not measured
# here), 1K labels, ResNet-18: supervised 31.5, PoseDual 44.6, SSPCM 46.9 AP.
# Labeled / unlabeled files: tools/split_semi.py --num-labeled 10000 (see the
# base config).
_base_ = ['./_sspcm_coco_semi_base.py']
train_dataloader = dict(
    labeled=dict(
        dataset=dict(
            ann_file='annotations/person_keypoints_train2017_10k'
            '_labeled.json')),
    unlabeled=dict(
        dataset=dict(
            ann_file='annotations/person_keypoints_train2017_10k'
            '_unlabeled.json')))
