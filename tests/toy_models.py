"""Tiny stock-mmpose models and helpers shared by the tests (CPU-sized)."""
import copy

import torch
from mmengine.hooks import Hook

NUM_KEYPOINTS = 133
INPUT_SIZE = (64, 64)  # (w, h): CSPNeXt stride 32 -> 2x2 feature map


def rtmpose_cfg(widen=0.125,
                deepen=0.167,
                num_keypoints=NUM_KEYPOINTS,
                input_size=INPUT_SIZE):
    """A stock RTMPose (CSPNeXt + RTMCCHead) TopdownPoseEstimator config."""
    codec = dict(
        type='SimCCLabel',
        input_size=input_size,
        sigma=(2., 2.),
        simcc_split_ratio=2.0,
        normalize=False,
        use_dark=False)
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(
            type='PoseDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True),
        backbone=dict(
            type='CSPNeXt',
            arch='P5',
            expand_ratio=0.5,
            deepen_factor=deepen,
            widen_factor=widen,
            out_indices=(4, ),
            channel_attention=True,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='SiLU')),
        head=dict(
            type='RTMCCHead',
            in_channels=int(1024 * widen),
            out_channels=num_keypoints,
            input_size=input_size,
            in_featuremap_size=tuple(s // 32 for s in input_size),
            simcc_split_ratio=2.0,
            final_layer_kernel_size=1,
            gau_cfg=dict(
                hidden_dims=16,
                s=8,
                expansion_factor=2,
                dropout_rate=0.,
                drop_path=0.,
                act_fn='SiLU',
                use_rel_bias=False,
                pos_enc=False),
            loss=dict(
                type='KLDiscretLoss',
                use_target_weight=True,
                beta=10.,
                label_softmax=True),
            decoder=codec),
        test_cfg=dict(flip_test=False))


def heatmap_cfg(num_keypoints=NUM_KEYPOINTS,
                input_size=INPUT_SIZE,
                depth=18,
                base_channels=8):
    """A stock ResNet + HeatmapHead TopdownPoseEstimator config."""
    codec = dict(
        type='MSRAHeatmap',
        input_size=input_size,
        heatmap_size=(input_size[0] // 4, input_size[1] // 4),
        sigma=2)
    return dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(
            type='PoseDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True),
        backbone=dict(
            type='ResNet',
            depth=depth,
            base_channels=base_channels,
            stem_channels=base_channels),
        head=dict(
            type='HeatmapHead',
            in_channels=base_channels * 8,
            out_channels=num_keypoints,
            deconv_out_channels=(16, 16, 16),
            deconv_kernel_sizes=(4, 4, 4),
            loss=dict(type='KeypointMSELoss', use_target_weight=True),
            decoder=codec),
        test_cfg=dict(flip_test=False))


def save_weights(model, path):
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def tiny_pipelines(input_size=INPUT_SIZE, codec=None, augment=False):
    """Train and val pipelines; ``augment`` adds mmpose's random flip and
    bbox transform (NumPy's RNG), as real configs have."""
    codec = codec or dict(
        type='SimCCLabel',
        input_size=input_size,
        sigma=(2., 2.),
        simcc_split_ratio=2.0,
        normalize=False,
        use_dark=False)
    train = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        *([
            dict(type='RandomFlip', direction='horizontal'),
            dict(type='RandomBBoxTransform')
        ] if augment else []),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]
    val = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='PackPoseInputs'),
    ]
    return train, val


def runner_cfg(model,
               data_root,
               work_dir,
               max_epochs=2,
               batch_size=4,
               by_epoch=True,
               max_iters=None,
               custom_hooks=(),
               codec=None,
               val=False,
               seed=0,
               augment=False):
    """A complete mmengine Runner config on the tiny synthetic data."""
    train_pipeline, val_pipeline = tiny_pipelines(codec=codec, augment=augment)
    dataset = dict(
        type='CocoWholeBodyDataset',
        data_root=str(data_root),
        data_mode='topdown',
        ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline)
    if by_epoch:
        train_cfg = dict(
            by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
    else:
        train_cfg = dict(
            type='IterBasedTrainLoop',
            max_iters=max_iters,
            val_interval=max_iters)
    cfg = dict(
        default_scope='mmpose',
        model=copy.deepcopy(model),
        work_dir=str(work_dir),
        experiment_name=f'toy_{id(model)}_{str(work_dir).replace("/", "_")}',
        train_dataloader=dict(
            batch_size=batch_size,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dataset),
        train_cfg=train_cfg,
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        param_scheduler=[
            dict(
                type='LinearLR',
                start_factor=0.5,
                by_epoch=by_epoch,
                begin=0,
                end=2)
        ],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='CheckpointHook', interval=1, by_epoch=by_epoch)),
        custom_hooks=list(custom_hooks),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        randomness=dict(seed=seed, deterministic=True),
        log_level='WARNING',
    )
    if val:
        cfg.update(
            val_dataloader=dict(
                batch_size=batch_size,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(
                    dataset,
                    test_mode=True,
                    ann_file='annotations/coco_wholebody_val_v1.0.json',
                    data_prefix=dict(img='val2017/'),
                    pipeline=val_pipeline)),
            val_cfg=dict(),
            val_evaluator=dict(
                type='CocoWholeBodyMetric',
                ann_file=f'{data_root}/annotations/'
                'coco_wholebody_val_v1.0.json'))
    return cfg


class CrashAfterEpoch(Hook):
    """Simulates an interruption right after epoch ``k``'s checkpoint (the
    resume tests)."""
    priority = 'LOWEST'

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch == self.epoch:
            raise KeyboardInterrupt('simulated interruption')
