# SSPCM "COCO train + wild" (Huang et al., CVPR 2023, Sec. 4.1): all of
# COCO train2017 labeled, the COCO unlabeled2017 images ("wild") unlabeled.
# The official file: hlz0606/SSPCM SSPCM/experiments/mix_coco_coco/res18/
# 256x192_COCO_COCOUnlabel_PoseTriple_all_module.yaml (ResNet-18; the
# ResNet-50 setting follows xierc/Semi_Human_Pose experiments/mix_coco_coco/
# res50/256x192_COCO_COCOunlabel_PoseDual_JointCut.yaml, the same schedule).
# Everything else as ./sspcm_coco.py; docs/recipes.md (SSPCM) lists each
# setting.
#
# The wild images have no annotation: the official code takes every person
# box of a detection file (TEST.COCO_BBOX_FILE, IMAGE_THRE 0.0: no score
# threshold) in the COCO detection-results format (a list of {image_id,
# category_id, bbox, score}) over COCO's image_info_unlabeled2017.json.
# PoseDual's yaml names the file below (from its Google Drive, a Faster
# R-CNN person detector); any detector's person boxes in that format work.
# mmpose reads a bbox_file only in test mode, which for the unlabeled part
# only means "no annotation filtering" (its targets come from the
# teachers); a missing or broken wild image always raises (MMEngine does
# not refetch in test mode).
_base_ = ['./sspcm_coco.py']

# yaml TRAIN: END_EPOCH 400, LR_STEP [300, 350]; one GPU (GPUS '0') x 32
# pairs per iteration. An epoch is one pass over the wild boxes.
max_epochs = 400
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        milestones=[300, 350],
        gamma=0.1,
        by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=64)

wild_bbox_file = ('data/coco/person_detection_results/'
                  'COCO_unlabeled2017_detections_person_faster_rcnn.json')
train_dataloader = dict(
    labeled=dict(
        dataset=dict(ann_file='annotations/person_keypoints_train2017.json')),
    unlabeled=dict(
        dataset=dict(
            ann_file='annotations/image_info_unlabeled2017.json',
            bbox_file=wild_bbox_file,
            filter_cfg=dict(bbox_score_thr=0.0),  # IMAGE_THRE 0.0
            test_mode=True,
            data_prefix=dict(img='unlabeled2017/'))))
