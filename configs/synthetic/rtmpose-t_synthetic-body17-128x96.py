# A COCO body-17 student on the synthetic demo data (also its trained-alone
# baseline): the demo's RTMPose-t student with 17 keypoints, read through
# mmpose's CocoDataset from the same COCO-WholeBody files (their
# `keypoints` field is COCO's 17 body keypoints; the other parts are
# ignored) and scored by the stock CocoMetric against the same file.
# The mapped distillation:
#   dwpose-s1_s-dis-t-body17_synthetic-wholebody-128x96.py
_base_ = ['./rtmpose-t_synthetic-wholebody-128x96.py']
num_keypoints = 17
# From scratch: trained 30 epochs on the first 2000 training images, this
# config makes the body-17 initialisation of the demo's whole-body student
# (`python tools/run_dwpose_demo.py --train-student-init --num-train 2000`).
model = dict(
    backbone=dict(init_cfg=None), head=dict(out_channels=num_keypoints))
dataset_type = 'CheckedCocoDataset'  # the stock CocoDataset, checked
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    ann_file={{_base_.data_root}} + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator
