# A hand-21 student on the synthetic demo data: the demo's RTMPose-t
# student with 21 keypoints, read through mmpose's CocoWholeBodyHandDataset
# from the same COCO-WholeBody files (one sample per valid left or right
# hand, cropped by its `*hand_box`), scored by the stock hand metrics
# (PCK, AUC, EPE) of mmpose's COCO-WholeBody-Hand configs. Same 96x128
# input as the whole-body teacher (docs/keypoint_maps.md: input sizes).
# The mapped distillation:
#   dwpose-s1_s-dis-t-hand21_synthetic-wholebody-128x96.py
_base_ = ['./rtmpose-t_synthetic-wholebody-128x96.py']
num_keypoints = 21
# from scratch, as measured in docs/keypoint_maps.md
model = dict(
    backbone=dict(init_cfg=None), head=dict(out_channels=num_keypoints))
dataset_type = 'CocoWholeBodyHandDataset'
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='PCKAccuracy', thr=0.2),
    dict(type='AUC'),
    dict(type='EPE'),
]
test_evaluator = val_evaluator
