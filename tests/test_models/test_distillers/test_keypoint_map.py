"""Keypoint maps: distillation across keypoint sets (docs/keypoint_maps.md).

Presets built from mmpose's dataset metainfo names, the hand-21 name
correspondence, the errors, and that the mapped logit loss equals the
unmapped loss on the selected teacher keypoints (SimCC and heatmaps)."""
import copy

import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_kd.models.distillers.keypoint_map import (KEYPOINT_MAP_PRESETS,
                                                      build_keypoint_map,
                                                      hand21_correspondence,
                                                      keypoint_names)
from toy_models import heatmap_cfg, rtmpose_cfg, save_weights

WHOLEBODY = keypoint_names('coco_wholebody')


def test_presets_by_name():
    assert len(WHOLEBODY) == 133
    body = build_keypoint_map('coco_wholebody_to_coco')
    assert body == list(range(17))
    assert [WHOLEBODY[i] for i in body] == keypoint_names('coco')
    feet = build_keypoint_map('coco_wholebody_to_feet')
    assert [WHOLEBODY[i] for i in feet] == [
        'left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe',
        'right_small_toe', 'right_heel'
    ]
    face = build_keypoint_map('coco_wholebody_to_face')
    assert face == list(range(23, 91))
    # mmpose's coco_wholebody_face.py spells face-51's id as 52; the names
    # follow the dict keys, as mmpose's parse_pose_metainfo (the datasets)
    assert [WHOLEBODY[i] for i in face] == [f'face-{i}' for i in range(68)]
    left = build_keypoint_map('coco_wholebody_to_left_hand')
    right = build_keypoint_map('coco_wholebody_to_right_hand')
    assert left == list(range(91, 112)) and right == list(range(112, 133))
    assert build_keypoint_map('coco_wholebody_to_hand') == [left, right]
    assert build_keypoint_map(dict(preset='coco_wholebody_to_coco')) == body
    assert build_keypoint_map(None) is None
    assert set(KEYPOINT_MAP_PRESETS) == {
        'coco_wholebody_to_coco', 'coco_wholebody_to_feet',
        'coco_wholebody_to_face', 'coco_wholebody_to_left_hand',
        'coco_wholebody_to_right_hand', 'coco_wholebody_to_hand'
    }


def test_hand21_name_correspondence():
    hand = keypoint_names('coco_wholebody_hand')
    assert len(hand) == 21 and hand[0] == 'wrist'
    for side in ('left', 'right'):
        mapping = hand21_correspondence(side)
        assert list(mapping) == hand
        assert mapping['wrist'] == f'{side}_hand_root'
        assert mapping['thumb1'] == f'{side}_thumb1'
        assert mapping['pinky_finger4'] == f'{side}_pinky_finger4'
        # the hand part of COCO-WholeBody, in the hand-21 order
        start = 91 if side == 'left' else 112
        assert list(mapping.values()) == WHOLEBODY[start:start + 21]
    with pytest.raises(ValueError, match='middle'):
        hand21_correspondence('middle')


def test_custom_maps_rename_and_unmapped():
    kmap = build_keypoint_map(
        dict(
            teacher='coco_wholebody',
            student=['nose', 'chin', 'left_wrist'],
            rename=dict(chin='face-8'),
            unmapped=()))
    assert kmap == [0, 23 + 8, 9]
    kmap = build_keypoint_map(
        dict(
            teacher='coco_wholebody',
            student=['nose', 'neck'],
            unmapped=['neck']))
    assert kmap == [0, -1]


@pytest.mark.parametrize('spec, match', [
    ('coco_wholebody_to_tail', r"model.keypoint_map='coco_wholebody_to_tail'"
     r'.*unknown preset'),
    (dict(teacher='coco_wholebody', student=['nose', 'neck']),
     r"model.keypoint_map.*\['neck'\] name no teacher keypoint"),
    (dict(teacher='coco_wholebody', student=['nose'], unmapped=['nosee']),
     r"`unmapped` names unknown student keypoint\(s\) \['nosee'\]"),
    (dict(
        teacher='coco_wholebody', student=['nose'], rename=dict(nose='noze')),
     r"unknown teacher keypoint\(s\) \['noze'\]"),
    (dict(teacher='coco_wholebody', student='no_such_dataset'),
     r"unknown dataset metainfo 'no_such_dataset'"),
    (dict(teacher='coco_wholebody', student='coco',
          extra=1), r'unknown keys.*extra'),
])
def test_map_errors_name_key_and_value(spec, match):
    with pytest.raises(ValueError, match=match):
        build_keypoint_map(spec)


# --------------------------------------------------------------- the losses
@pytest.mark.parametrize('loss_cfg', [
    dict(type='SimCCLogitDistillLoss', loss_weight=0.7),
    dict(type='HeatmapLogitDistillLoss', loss_weight=0.7, mode='kl'),
    dict(type='HeatmapLogitDistillLoss', loss_weight=0.7, mode='mse'),
])
def test_masked_loss_equals_unmapped_loss_on_taught_keypoints(loss_cfg):
    torch.manual_seed(0)
    loss = MODELS.build(loss_cfg)
    if loss_cfg['type'] == 'SimCCLogitDistillLoss':
        s = (torch.randn(3, 5, 24), torch.randn(3, 5, 32))
        t = (torch.randn(3, 5, 24), torch.randn(3, 5, 32))
        pick = lambda p, m: tuple(x[:, m] for x in p)  # noqa: E731
    else:
        s, t = torch.randn(3, 5, 8, 6), torch.randn(3, 5, 8, 6)
        pick = lambda p, m: p[:, m]  # noqa: E731
    weight = torch.tensor([1., 0., 1., 1., 0.])
    taught = weight.bool()
    masked = loss(
        s, t, distill_scale=0.5, temperature=2., keypoint_weight=weight)
    plain = loss(
        pick(s, taught), pick(t, taught), distill_scale=0.5, temperature=2.)
    torch.testing.assert_close(masked, plain)
    # all taught: the unmasked loss exactly
    torch.testing.assert_close(
        loss(s, t, temperature=2., keypoint_weight=torch.ones(5)),
        loss(s, t, temperature=2.))
    # none taught: zero, no NaN
    assert float(loss(s, t, keypoint_weight=torch.zeros(5))) == 0.


# ------------------------------------------------------------ the distiller
TEACHER = rtmpose_cfg(widen=0.25)  # 133 keypoints
STUDENT17 = rtmpose_cfg(widen=0.125, num_keypoints=17)
STUDENT21 = rtmpose_cfg(widen=0.125, num_keypoints=21)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    torch.manual_seed(1)
    return save_weights(
        MODELS.build(TEACHER),
        tmp_path_factory.mktemp('t') / 'teacher.pth')


def mapped_cfg(ckpt,
               student=STUDENT17,
               keypoint_map='coco_wholebody_to_coco',
               teacher=TEACHER,
               **kw):
    cfg = dict(
        type='DWPoseTwoStageDistiller',
        stage=1,
        student=copy.deepcopy(student),
        teacher=copy.deepcopy(teacher),
        teacher_ckpt=ckpt,
        feature_distill=dict(
            type='FeatureDistillLoss',
            student_channels=128,
            teacher_channels=256,
            alpha=5e-5),
        logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1),
        keypoint_map=keypoint_map)
    cfg.update(kw)
    return cfg


def samples(num_keypoints, n=2, heatmap_size=None):
    out = []
    for _ in range(n):
        s = PoseDataSample()
        labels = dict(keypoint_weights=torch.ones(1, num_keypoints))
        if heatmap_size is None:
            labels.update(
                keypoint_x_labels=torch.softmax(
                    torch.randn(1, num_keypoints, 128), -1),
                keypoint_y_labels=torch.softmax(
                    torch.randn(1, num_keypoints, 128), -1))
        else:
            s.gt_fields = PixelData(
                heatmaps=torch.rand(num_keypoints, *heatmap_size))
        s.gt_instance_labels = InstanceData(**labels)
        out.append(s)
    return out


def test_body17_student_loss_is_the_loss_on_the_teacher_body_keypoints(
        teacher_ckpt):
    torch.manual_seed(0)
    model = MODELS.build(mapped_cfg(teacher_ckpt))
    model.set_training_progress(1, 10)
    x = torch.randn(2, 3, 64, 64)
    losses = model.loss(x, samples(17))
    assert set(losses) >= {
        'loss_kpt', 'loss_feat_distill', 'loss_logit_distill'
    }
    with torch.no_grad():
        s_preds = model.student.head.forward(model.student.extract_feat(x))
        t_preds = model.teacher.head.forward(model.teacher.extract_feat(x))
    expected = model.logit_distill(
        s_preds,
        tuple(p[:, :17] for p in t_preds),
        temperature=model.student.head.loss_module.beta)
    torch.testing.assert_close(losses['loss_logit_distill'], expected)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    # the map is rebuilt from the config, never saved in checkpoints
    assert not any('kpt' in k for k in model.state_dict())


def test_unmapped_student_keypoint_only_the_ground_truth_teaches(teacher_ckpt):
    student = rtmpose_cfg(widen=0.125, num_keypoints=3)
    model = MODELS.build(
        mapped_cfg(
            teacher_ckpt,
            student=student,
            keypoint_map=dict(
                teacher='coco_wholebody',
                student=['left_wrist', 'neck', 'nose'],
                unmapped=['neck'])))
    model.set_training_progress(1, 10)
    x = torch.randn(2, 3, 64, 64)
    losses = model.loss(x, samples(3))
    with torch.no_grad():
        s_preds = model.student.head.forward(model.student.extract_feat(x))
        t_preds = model.teacher.head.forward(model.teacher.extract_feat(x))
    beta = model.student.head.loss_module.beta
    expected = model.logit_distill(
        tuple(p[:, [0, 2]] for p in s_preds),
        tuple(p[:, [9, 0]] for p in t_preds),
        temperature=beta)
    torch.testing.assert_close(losses['loss_logit_distill'], expected)


def test_either_hand_picks_the_side_the_teacher_is_sure_of(teacher_ckpt):
    model = MODELS.build(
        mapped_cfg(
            teacher_ckpt,
            student=STUDENT21,
            keypoint_map='coco_wholebody_to_hand'))
    x = torch.zeros(2, 133, 10)
    x[0, 91:112] = 5.  # sample 0: the teacher sees a left hand
    x[1, 112:133] = 5.  # sample 1: a right hand
    y = torch.randn(2, 133, 12)
    sel_x, sel_y = model.select_teacher_keypoints((x, y))
    assert sel_x.shape == (2, 21, 10) and sel_y.shape == (2, 21, 12)
    torch.testing.assert_close(sel_y[0], y[0, 91:112])
    torch.testing.assert_close(sel_y[1], y[1, 112:133])
    # heatmaps: the hand with the higher maxima
    hm = torch.rand(2, 133, 4, 4) * 0.1
    hm[0, 112:133] += 1.  # sample 0: right
    hm[1, 91:112] += 1.  # sample 1: left
    sel = model.select_teacher_keypoints(hm)
    torch.testing.assert_close(sel[0], hm[0, 112:133])
    torch.testing.assert_close(sel[1], hm[1, 91:112])
    model.set_training_progress(1, 10)
    losses = model.loss(torch.randn(2, 3, 64, 64), samples(21))
    assert torch.isfinite(losses['loss_logit_distill'])


def test_heatmap_student_with_a_map(tmp_path):
    teacher = heatmap_cfg(base_channels=16)
    ckpt = save_weights(MODELS.build(teacher), tmp_path / 'hm_t.pth')
    model = MODELS.build(
        dict(
            type='DWPoseTwoStageDistiller',
            student=heatmap_cfg(num_keypoints=17),
            teacher=teacher,
            teacher_ckpt=ckpt,
            keypoint_map='coco_wholebody_to_coco',
            feature_distill=dict(
                type='FeatureDistillLoss',
                student_channels=64,
                teacher_channels=128),
            logit_distill=dict(
                type='HeatmapLogitDistillLoss', loss_weight=1.0)))
    model.set_training_progress(1, 10)
    x = torch.randn(2, 3, 64, 64)
    losses = model.loss(x, samples(17, heatmap_size=(16, 16)))
    with torch.no_grad():
        s = model.student.head.forward(model.student.extract_feat(x))
        t = model.teacher.head.forward(model.teacher.extract_feat(x))
    torch.testing.assert_close(losses['loss_logit_distill'],
                               model.logit_distill(s, t[:, :17]))


def test_wrong_length_and_outside_teacher_are_named(teacher_ckpt, tmp_path):
    # a body-17 map for a 21-keypoint student
    with pytest.raises(
            ValueError,
            match=r'model.keypoint_map='
            r"'coco_wholebody_to_coco' maps 17 student keypoints "
            r'but the student predicts 21'):
        MODELS.build(mapped_cfg(teacher_ckpt, student=STUDENT21))
    # a hand map for a 17-keypoint teacher: indices 91.. do not exist
    t17 = rtmpose_cfg(widen=0.25, num_keypoints=17)
    ckpt = save_weights(MODELS.build(t17), tmp_path / 't17.pth')
    with pytest.raises(
            ValueError,
            match=r'model.keypoint_map='
            r"'coco_wholebody_to_left_hand' points outside the "
            r'teacher, which predicts 17 keypoints'):
        MODELS.build(
            mapped_cfg(
                ckpt,
                teacher=t17,
                student=STUDENT21,
                keypoint_map='coco_wholebody_to_left_hand'))
    # no map: the count mismatch names the key to set
    with pytest.raises(ValueError, match='set model.keypoint_map'):
        MODELS.build(mapped_cfg(teacher_ckpt, keypoint_map=None))


def test_stage2_stays_same_layout(teacher_ckpt):
    with pytest.raises(ValueError, match='keypoint_map.*stage 1'):
        MODELS.build(
            dict(
                type='DWPoseTwoStageDistiller',
                stage=2,
                student=STUDENT17,
                teacher_ckpt=teacher_ckpt,
                keypoint_map='coco_wholebody_to_coco',
                logit_distill=dict(type='SimCCLogitDistillLoss')))
