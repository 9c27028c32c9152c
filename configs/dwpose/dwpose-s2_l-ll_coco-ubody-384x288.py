# DWPose stage 2 (Sec. 3.2, head-aware self-KD) for RTMPose-l on COCO-WholeBody + UBody, 384x288:
# the stage-1 student's backbone is loaded and frozen, its head is the frozen
# teacher head, and a fresh head trains on logit KD only (gamma = 1) for
# 60 epochs, about 1/5 (paper: 20%) of stage 1's 270. The LR schedule and the
# pipeline switch are recomputed below so that they fire inside this run.
#
#   tools/train.py configs/dwpose/dwpose-s2_l-ll_coco-ubody-384x288.py \
#       --cfg-options model.teacher_ckpt=/path/to/stage1_exported_student.pth
_base_ = [
    './dwpose-s2_l-ll_coco-wholebody-384x288.py',
    './_base_/coco_ubody_train_datasets.py',
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        metainfo=dict(from_file='configs/_base_/datasets/coco_wholebody.py'),
        datasets=[
            {{_base_.dwpose_coco_wholebody_train}},
            {{_base_.dwpose_ubody_train}},
        ],
        pipeline={{_base_.train_pipeline}},
        test_mode=False))
