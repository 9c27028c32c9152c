# DWPose stage 1 (Yang et al., ICCV-W 2023, Sec. 3.1): RTMPose-l teacher ->
# RTMPose-t student on COCO-WholeBody + UBody, 256x192. The paper's setting: alpha = 5e-5
# (feature KD on the last backbone stage), beta = 0.1 (SimCC logit KD over all
# keypoints), both decayed by r(t) = 1 - (t-1)/t_max over the epochs.
#
#   tools/train.py configs/dwpose/dwpose-s1_l-dis-t_coco-ubody-256x192.py \
#       --cfg-options model.teacher_ckpt=/path/to/rtmpose-l_256x192.pth
# Then export the student (the exported_student.pth written at each save by
# ExportStudentHook is the same thing):
#   tools/export_student.py configs/dwpose/dwpose-s1_l-dis-t_coco-ubody-256x192.py work_dirs/.../epoch_270.pth out.pth
_base_ = [
    './dwpose-s1_l-dis-t_coco-wholebody-256x192.py',
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
