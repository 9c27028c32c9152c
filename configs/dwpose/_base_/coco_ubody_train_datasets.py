# The training data of DWPose's COCO-WholeBody + UBody setting (Sec. 4), under
# names no stock mmpose config uses, so a DWPose pair config can inherit this
# file beside a stock RTMPose config and its stage base:
#     _base_ = ['mmpose::...rtmpose-m_..._coco-wholebody-256x192.py',
#               './_base_/dwpose-s1.py',
#               './_base_/coco_ubody_train_datasets.py']
#     train_dataloader = dict(dataset=dict(
#         _base_.dwpose_coco_ubody_train, pipeline=train_pipeline))
# Sub-dataset pipelines are empty: CombinedDataset runs the shared pipeline.
#
# UBody volume. The released configs (IDEA-Research/DWPose
# mmpose/configs/wholebody_2d_keypoint/rtmpose/ubody/*.py) read every image
# of every scene's annotations/<Scene>/keypoint_annotation.json: every
# annotated frame of every video, the intra- and inter-scene test videos
# included, from frames extracted to UBody/images/<Scene>/. That is the
# default here: split='all', frame_interval=1. mmpose 1.3.2's ubody configs
# instead read the intra-scene train split (train_annotations.json), every
# 10th image id; the closest setting here (sampling by frame number, see
# docs/ubody.md) is
#   --cfg-options train_dataloader.dataset.datasets.1.split=train \
#                 train_dataloader.dataset.datasets.1.frame_interval=10
dwpose_coco_wholebody_train = dict(
    # the stock CocoWholeBodyDataset, checking each part's keypoint array
    # while it parses (docs/reliability.md)
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
    split='all',  # released: train and test videos alike
    protocol='intra',  # which test list 'train'/'test' read; unused by 'all'
    frame_interval=1,  # released: every annotated frame
    # Decoded from the videos (the same frames the released code reads as
    # extracted PNGs, docs/ubody.md); 'extracted' reads
    # frames_root/<Scene>/<video>/<frame:06d>.png instead, as released.
    frame_source='video',
    frames_root='images',
    data_mode='topdown',
    pipeline=[])
dwpose_coco_ubody_train = dict(
    type='CombinedDataset',
    metainfo=dict(from_file='configs/_base_/datasets/coco_wholebody.py'),
    datasets=[dwpose_coco_wholebody_train, dwpose_ubody_train],
    test_mode=False)
