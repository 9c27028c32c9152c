# sspcm_synthetic_rtmpose-t_wholebody_body17-init.py with a wider unlabeled
# set: the synthetic UBody video frames AND the synthetic COCO-WholeBody
# training images left unlabeled by the split (train_unlabeled.json; only
# their person boxes are read), in mmpose's CombinedDataset. SSPCM's own COCO
# recipe also learns from the training images it does not label (README,
# SSPCM: "unlabeled = all of train2017, labeled images included"); here 95 %
# of the training images would otherwise go unused. Not released by the
# SSPCM authors.
#
# Per epoch the COCO-WholeBody part gives about as many people as the UBody
# part holds (CombinedDataset's sample_ratio_factor: 22 % of its people, each
# sample a random pick within its stride of the file, drawn anew at every
# access), so an epoch is about twice the parent's, and max_epochs 6 keeps
# about the parent's number of iterations (on the demo's data, 100 of 2000
# images labeled and 12 UBody videos of 50 frames: 827 + 850 people, 209
# iterations per epoch, 1254 in all against the parent's 1272).
# The demo (supervised-only C beside it), with CONFIG this file:
#   python tools/run_sspcm_demo.py --config CONFIG \
#       --work-dir work_dirs/sspcm_wb100_cu_s0 --img-size 256 \
#       --num-train 2000 --num-labeled 100 --seed 0
#
# The hard view is also shifted (semi_train_cfg.hard_affine.shift_factor
# 0.16, mmpose's RandomBBoxTransform default; 0 in the paper and the
# parent): without it the parent's A and B collapsed onto the crop centre,
# a fixed point of the hard view's rotation and scale (README, "Any head").
_base_ = ['./sspcm_synthetic_rtmpose-t_wholebody_body17-init.py']

model = dict(semi_train_cfg=dict(hard_affine=dict(shift_factor=0.16)))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# the parent's warm-up and last-epoch x0.1, over 6 epochs
param_scheduler = [
    _base_.param_scheduler[0],
    dict(
        _base_.param_scheduler[1], end=max_epochs, milestones=[max_epochs - 1])
]

unlabeled_ann_file = 'annotations/train_unlabeled.json'
train_dataloader = dict(
    unlabeled=dict(
        dataset=dict(
            _delete_=True,
            type='CombinedDataset',
            metainfo=dict(
                from_file='configs/_base_/datasets/coco_wholebody.py'),
            datasets=[
                dict(
                    type='CheckedCocoWholeBodyDataset',
                    data_root=_base_.data_root,
                    data_mode=_base_.data_mode,
                    ann_file=unlabeled_ann_file,
                    data_prefix=dict(img='train2017/'),
                    pipeline=[]),
                dict(
                    type='UBodyWholeBodyVideoDataset',
                    data_root=_base_.ubody_data_root,
                    scenes=None,
                    split='all',
                    frame_interval=1,
                    frame_source='video',
                    data_mode=_base_.data_mode,
                    pipeline=[]),
            ],
            # COCO-WholeBody people drawn per epoch, as a fraction of the
            # file's (about as many as the UBody part's people); UBody whole
            sample_ratio_factor=[0.22, 1.0],
            pipeline=_base_.unlabeled_pipeline)))
default_hooks = dict(checkpoint=dict(interval=max_epochs))
