# A COCO body-17 student of the heatmap demo family (and its trained-alone
# baseline): the demo's ResNet-18 w8 student with 17 keypoints, read through
# mmpose's CocoDataset from the same COCO-WholeBody files (their `keypoints`
# field is COCO's 17 body keypoints) and scored by the stock CocoMetric.
# The mapped distillation:
#   dwpose-s1_res18w32-dis-w8-body17_synthetic-wholebody-128x96.py
_base_ = ['./res18-w8_synthetic-wholebody-128x96.py']
num_keypoints = 17
model = dict(head=dict(out_channels=num_keypoints))
dataset_type = 'CheckedCocoDataset'  # the stock CocoDataset, checked
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    ann_file={{_base_.data_root}} + 'annotations/coco_wholebody_val_v1.0.json')
test_evaluator = val_evaluator
