# The two training sets of DWPose's COCO-WholeBody + UBody setting (Sec. 4),
# under names that no stock mmpose config uses, so a DWPose config can
# inherit this file beside a stock RTMPose config and combine them:
#     _base_ = ['./dwpose-s1_...coco-wholebody...py',
#               './_base_/coco_ubody_train_datasets.py']
#     train_dataloader = dict(dataset=dict(_delete_=True,
#         type='CombinedDataset', ...,
#         datasets=[{{_base_.dwpose_coco_wholebody_train},
#                   {{_base_.dwpose_ubody_train}}],
#         pipeline={{_base_.train_pipeline}}))
# Sub-dataset pipelines are empty: CombinedDataset runs the shared pipeline.
dwpose_coco_wholebody_train = dict(
    # mmpose_kd: the stock CocoWholeBodyDataset, checking each part's
    # keypoint array while it parses (docs/reliability.md)
    type='CheckedCocoWholeBodyDataset',
    data_root='data/coco/',
    data_mode='topdown',
    ann_file='annotations/coco_wholebody_train_v1.0.json',
    data_prefix=dict(img='train2017/'),
    pipeline=[])
dwpose_ubody_train = dict(
    type='UBodyWholeBodyVideoDataset',  # mmpose_kd: UBody as distributed
    data_root='data/UBody/',
    scenes=None,  # all 15 scenes found under annotations/
    split='train',
    protocol='intra',
    frame_interval=10,  # every 10th frame of each video, by frame number
    frame_source='video',  # or 'extracted' after tools/ubody_extract_frames.py
    frames_root='images',
    data_mode='topdown',
    pipeline=[])
