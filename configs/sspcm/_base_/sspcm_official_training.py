# SSPCM training and evaluation settings of the official code
# (hlz0606/SSPCM, commit 7a8ac57; paths below are inside its SSPCM/ folder),
# under names that no stock mmpose config uses, so an SSPCM config inherits
# this file beside a stock mmpose config:
#     _base_ = ['mmpose::body_2d_keypoint/...py',
#               './_base_/sspcm_official_training.py']
#     model = dict(..., semi_train_cfg=_base_.sspcm_semi_train_cfg)
#     val_cfg = _base_.sspcm_val_cfg
#     test_cfg = _base_.sspcm_test_cfg
#     default_hooks = dict(checkpoint=dict(save_best=_base_.sspcm_save_best,
#                                          rule='greater'))
# The model's own defaults (mmpose_kd/models/semi/sspcm_config.py) are this
# project's choices; docs/sspcm.md lists both, key by key.

# model.semi_train_cfg of SSPCMPoseEstimator. Evidence (official files):
sspcm_semi_train_cfg = dict(
    # score_filter: True, score_filter_thread: 0.1 in every released
    # experiments/mix_coco_coco/*/*.yaml; lib/models/my_pose_triple.py
    # l. 665-668: score_mask = (score_A + score_B) / 2 > 0.1, applied by
    # lib/core/loss.py l. 197-198 to the target weight of all three
    # consistency terms (A <- B, B <- A, l. 204-205, and C, l. 216).
    conf_thr=0.1,
    mutual_conf_thr=0.1,
    mutual_conf_source='mean_ab',
    pcm_conf_source='mean_ab',
    # kp_pixel_dist_filter: False in the released yaml files (the threshold
    # kp_pixel_dist_filter_thread 0.6 is set but unused; loss.py l. 208):
    # no position-inconsistency mask; the PCM only picks and fuses pairs.
    inconsistency_thr=None,
    # loss.py l. 176-178: each supervised term is 0.5 * JointsMSELoss, and
    # JointsMSELoss (l. 15-42) is 0.5 * the mean over all elements, i.e.
    # 0.25 * mmpose's KeypointMSELoss (a plain mean, loss_weight 1.0 in the
    # stock td-hm configs).
    sup_loss_weight=0.25,
    # loss.py l. 204-216: each consistency term is one JointsMSELoss =
    # 0.5 * the mean over ALL elements, masked ones included; hence
    # unsupervised : supervised = 2 : 1.
    mutual_loss_weight=0.5,
    pcm_loss_weight=0.5,
    unsup_loss_reduction='all',
    # lib/core/function.py l. 40-42: model.train() and
    # last_epoch_model.train(): the snapshots A', B' normalise with batch
    # statistics (l. 66-68 run them under no_grad).
    snapshot_bn_mode='train',
    # my_pose_triple.py l. 628-632: teacher heatmaps are warped with
    # grid_sample and used with the target weight above only; a keypoint
    # moved out of the hard view keeps its weight (its target is ~0 there).
    mask_out_of_view=False,
    # model.train() (function.py l. 40): the hard views pass through the
    # networks in train mode and update their BN running statistics.
    hard_view_bn_stats=True,
    # No ramp-up of the unsupervised losses (loss.py l. 221).
    unsup_warmup_iters=0,
)

# val_cfg: lib/core/function.py validate() (l. 149-477) scores A
# (resnet), B (resnet2), the ensemble 0.5 * A + 0.5 * B of their heatmaps
# (l. 306-307) and C (final_resnet) on every validation.
sspcm_val_cfg = dict(type='SSPCMValLoop', networks=('A', 'B', 'AB', 'C'))
# test_cfg: the same scoring with the test hooks.
sspcm_test_cfg = dict(type='SSPCMTestLoop', networks=('A', 'B', 'AB', 'C'))
# The checkpoint hook's save_best: validate() returns A's AP (perf_indicator
# of net 1, function.py l. 437-439 and 477) and pose_estimation/train.py
# l. 322-328 keeps the best checkpoint by it. For a PCK metric (MPII:
# MpiiPCKAccuracy reports 'PCK') use 'A/PCK'; neither name lets mmengine
# infer the rule, so give rule='greater' beside it.
sspcm_save_best = 'A/coco/AP'
