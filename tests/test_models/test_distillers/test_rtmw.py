"""DWPoseTwoStageDistiller on RTMW (CSPNeXt + CSPNeXtPAFPN + RTMWHead), the
architecture of mmpose's cocktail14 configs, with a tiny teacher/student
pair: stage 1 distils the neck's last level (what ``extract_feat`` ends
with, the head's stride-32 input) and the SimCC logits; stage 2 freezes the
backbone AND the neck and trains only a fresh RTMWHead."""
import copy

import pytest
import torch
from mmpose.registry import MODELS

from mmpose_kd.utils.recorder import record_method_output
from toy_models import save_weights

NUM_KEYPOINTS = 133
INPUT_SIZE = (64, 64)  # (w, h): stride 16 -> 4x4, stride 32 -> 2x2


def rtmw_cfg(widen, deepen=0.167, input_size=INPUT_SIZE):
    """mmpose 1.3.2's RTMW (rtmw-*_cocktail14-*.py model), scaled down."""
    channels = [int(c * widen) for c in (256, 512, 1024)]
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
            channel_attention=True,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='SiLU')),
        neck=dict(
            type='CSPNeXtPAFPN',
            in_channels=channels,
            out_channels=None,
            out_indices=(1, 2),
            num_csp_blocks=1,
            expand_ratio=0.5,
            norm_cfg=dict(type='BN'),
            act_cfg=dict(type='SiLU', inplace=True)),
        head=dict(
            type='RTMWHead',
            in_channels=channels[-1],
            out_channels=NUM_KEYPOINTS,
            input_size=input_size,
            in_featuremap_size=tuple(s // 32 for s in input_size),
            simcc_split_ratio=2.0,
            final_layer_kernel_size=7,
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
                beta=1.,
                label_softmax=True,
                label_beta=10.,
                mask=list(range(23, 91)),
                mask_weight=0.5),
            decoder=codec),
        test_cfg=dict(flip_test=False))


TEACHER = rtmw_cfg(widen=0.25)  # neck levels: 128 (stride 16), 256 (32)
STUDENT = rtmw_cfg(widen=0.125)  # 64, 128


def distiller_cfg(teacher_ckpt, stage=1):
    cfg = dict(
        type='DWPoseTwoStageDistiller',
        stage=stage,
        student=copy.deepcopy(STUDENT),
        teacher_ckpt=teacher_ckpt)
    if stage == 1:
        cfg.update(
            teacher=copy.deepcopy(TEACHER),
            feature_distill=dict(
                type='FeatureDistillLoss',
                student_channels=STUDENT['head']['in_channels'],
                teacher_channels=TEACHER['head']['in_channels'],
                alpha=7e-5),
            logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1),
            decay=False)
    else:
        cfg.update(
            logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.0))
    return cfg


def _samples(n):
    """Data samples with SimCC targets, as GenerateTarget packs them."""
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    w, h = INPUT_SIZE
    samples = []
    for _ in range(n):
        labels = InstanceData()
        labels.keypoint_x_labels = torch.rand(1, NUM_KEYPOINTS, w * 2)
        labels.keypoint_y_labels = torch.rand(1, NUM_KEYPOINTS, h * 2)
        labels.keypoint_weights = torch.ones(1, NUM_KEYPOINTS)
        sample = PoseDataSample()
        sample.gt_instance_labels = labels
        samples.append(sample)
    return samples


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    torch.manual_seed(1)
    teacher = MODELS.build(TEACHER)
    teacher.train()  # non-trivial BN running statistics
    with torch.no_grad():
        teacher.extract_feat(torch.randn(4, 3, 64, 64))
    return save_weights(teacher, tmp_path_factory.mktemp('t') / 'rtmw.pth')


def test_stage1_distils_the_neck_output(teacher_ckpt):
    torch.manual_seed(0)
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    assert type(model.student.head).__name__ == 'RTMWHead'
    assert type(model.teacher.head).__name__ == 'RTMWHead'
    model.train()
    x = torch.randn(2, 3, 64, 64)
    seen = {}
    feature_loss = model.feature_distill.forward

    def spy(student_feat, teacher_feat, **kw):
        seen.update(student=student_feat, teacher=teacher_feat)
        return feature_loss(student_feat, teacher_feat, **kw)

    model.feature_distill.forward = spy
    with record_method_output(model.student.neck, 'forward') as s_neck, \
            record_method_output(model.teacher.neck, 'forward') as t_neck:
        losses = model.loss(x, _samples(2))
    # the head's input is the neck's two levels; the feature loss matches
    # the last one (stride 32), the head's enc_t, not a backbone stage
    assert len(s_neck.output) == len(t_neck.output) == 2
    assert seen['student'] is s_neck.output[-1]
    assert torch.equal(seen['teacher'], t_neck.output[-1].float())
    assert tuple(seen['student'].shape) == (2, 128, 2, 2)
    assert tuple(seen['teacher'].shape) == (2, 256, 2, 2)
    assert isinstance(model.feature_distill.align, torch.nn.Conv2d)
    assert (model.feature_distill.align.in_channels,
            model.feature_distill.align.out_channels) == (128, 256)

    assert {'loss_kpt', 'loss_feat_distill', 'loss_logit_distill'
            } <= set(losses)
    for k, v in losses.items():
        assert torch.isfinite(v).all(), k
    assert losses['loss_feat_distill'] > 0
    assert losses['loss_logit_distill'] > 0
    # RTMWHead returns SimCC (x, y) logits; the logit loss is softened with
    # the head's own KLDiscretLoss beta (1 for RTMW, 10 for RTMCCHead)
    assert model.student.head.loss_module.beta == 1.
    with torch.no_grad():
        s_pred = model.student.head.forward(model.student.extract_feat(x))
        t_pred = model.teacher.head.forward(model.teacher.extract_feat(x))
    expected = MODELS.build(
        dict(type='SimCCLogitDistillLoss', loss_weight=0.1,
             temperature=1.))(s_pred, t_pred)
    assert torch.allclose(losses['loss_logit_distill'], expected, rtol=1e-4)

    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    for part in ('student.backbone.', 'student.neck.', 'student.head.',
                 'feature_distill.align.'):
        assert any(g is not None and g.abs().sum() > 0
                   for n, g in grads.items() if n.startswith(part)), part
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_stage2_freezes_backbone_and_neck_trains_rtmw_head(
        teacher_ckpt, tmp_path):
    torch.manual_seed(0)
    stage1 = MODELS.build(distiller_cfg(teacher_ckpt))
    s1_ckpt = str(tmp_path / 's1.pth')
    torch.save({'state_dict': stage1.state_dict()}, s1_ckpt)
    model = MODELS.build(distiller_cfg(s1_ckpt, stage=2))
    model.init_weights()  # must not undo the loaded trunk
    backbones = [m for m in model.modules() if type(m).__name__ == 'CSPNeXt']
    assert len(backbones) == 1
    for part in ('backbone', 'neck'):
        mine = getattr(model.student, part).state_dict()
        ref = getattr(stage1.student, part).state_dict()
        for k, v in mine.items():
            assert torch.equal(v, ref[k]), f'{part}.{k}'
    # the frozen teacher head is the stage-1 RTMWHead; the student's is new
    assert type(model.teacher).__name__ == 'RTMWHead'
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, stage1.student.head.state_dict()[k]), k
    assert not torch.equal(model.student.head.cls_x.weight,
                           stage1.student.head.cls_x.weight)

    model.train()
    assert not model.student.backbone.training
    assert not model.student.neck.training
    assert all(not m.training for m in model.student.neck.modules())
    assert model.student.head.training
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('student.head.') for n in trainable)

    x = torch.randn(2, 3, 64, 64)
    neck_stats = {
        k: v.clone()
        for k, v in model.student.neck.state_dict().items()
    }
    losses = model.loss(x, [])
    assert set(losses) == {'loss_logit_distill', 'distill_scale'}
    assert torch.isfinite(losses['loss_logit_distill'])
    losses['loss_logit_distill'].backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is None for n, g in grads.items()
               if n.startswith(('student.backbone.', 'student.neck.')))
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items()
               if n.startswith('student.head.'))
    # the frozen neck's BN running statistics did not move
    for k, v in model.student.neck.state_dict().items():
        assert torch.equal(v, neck_stats[k]), k
