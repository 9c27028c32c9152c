# SSPCM, paper setting "COCO train + wild": all of COCO train2017 labeled,
# the COCO unlabeled2017 ("wild") images unlabeled (ResNet-50 A, B, C).
#
# The wild images have no person boxes: give detector boxes in the COCO
# detection-results format (a list of {image_id, category_id, bbox, score}),
# e.g. from an mmdet person detector, as `wild_bbox_file`; the image list is
# COCO's image_info_unlabeled2017.json. mmpose reads boxes from a bbox_file
# only in test mode, which for the unlabeled part only means "no annotation
# filtering" (its targets come from the teachers). For the same reason a
# missing or broken wild image always raises (naming it): MMEngine does not
# refetch in test mode, so on_error='skip' cannot apply to that part.
# Not run at real scale by this project.
_base_ = ['./_sspcm_coco_semi_base.py']

resnet50 = _base_.model.network_c.copy()
resnet50.backbone = dict(
    type='ResNet',
    depth=50,
    init_cfg=dict(
        type='Pretrained', checkpoint='checkpoints/resnet50-0676ba61.pth'))
resnet50.head = dict(_base_.model.network_c.head, in_channels=2048)
model = dict(network_a=resnet50, network_b=resnet50, network_c=resnet50)

wild_bbox_file = ('data/coco/person_detection_results/'
                  'COCO_unlabeled2017_detections_person.json')
train_dataloader = dict(
    labeled=dict(
        dataset=dict(ann_file='annotations/person_keypoints_train2017.json')),
    unlabeled=dict(
        dataset=dict(
            ann_file='annotations/image_info_unlabeled2017.json',
            bbox_file=wild_bbox_file,
            filter_cfg=dict(bbox_score_thr=0.5),
            test_mode=True,
            data_prefix=dict(img='unlabeled2017/'))))
