"""DWPoseTwoStageDistiller: frozen teacher, decay schedule, stage 2, errors,
resume and export, with tiny stock RTMPose/heatmap models and a real Runner."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_kd.utils.checkpoint import load_checkpoint_file
from toy_models import (CrashAfterEpoch, heatmap_cfg, rtmpose_cfg, runner_cfg,
                        save_weights)

TEACHER = rtmpose_cfg(widen=0.25)  # 256 channels in the last stage
STUDENT = rtmpose_cfg(widen=0.125)  # 128


def distiller_cfg(teacher_ckpt, stage=1, **kw):
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
                student_channels=128,
                teacher_channels=256,
                alpha=5e-5),
            logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=0.1))
    else:
        cfg.update(
            logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.0))
    cfg.update(kw)
    return cfg


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    torch.manual_seed(1)
    teacher = MODELS.build(TEACHER)
    # Give BN non-trivial running statistics, so drift would be visible.
    teacher.train()
    with torch.no_grad():
        teacher.extract_feat(torch.randn(4, 3, 64, 64))
    return save_weights(teacher, tmp_path_factory.mktemp('t') / 'teacher.pth')


class RecordScale(Hook):

    def __init__(self):
        self.scales = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.scales.append(round(float(outputs['distill_scale']), 6))


def test_teacher_is_outside_module_tree(teacher_ckpt):
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    names = [n for n, _ in model.named_parameters()]
    assert names and not any('teacher' in n for n in names)
    assert not any(
        k.startswith('_teacher') or 'teacher' in k for k in model.state_dict())
    model.train()
    assert not model.teacher.training
    assert all(not m.training for m in model.teacher.modules())
    assert all(not p.requires_grad for p in model.teacher.parameters())
    # the teacher weights are the checkpoint's
    sd = load_checkpoint_file(teacher_ckpt)['state_dict']
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, sd[k]), k
    # deepcopy (what EMA does) shares, not copies, the teacher
    assert copy.deepcopy(model).teacher is model.teacher


def test_teacher_frozen_through_real_runner_with_ema(teacher_ckpt,
                                                     tiny_wholebody, tmp_path):
    model_cfg = distiller_cfg(teacher_ckpt)
    rec = RecordScale()
    cfg = runner_cfg(
        model_cfg,
        tiny_wholebody,
        tmp_path,
        max_epochs=3,
        custom_hooks=[
            dict(type='DistillScheduleHook'),
            dict(
                type='EMAHook',
                ema_type='ExpMomentumEMA',
                momentum=0.0002,
                update_buffers=True,
                priority=49)
        ])
    runner = Runner.from_cfg(cfg)
    runner.register_hook(rec)
    before = {
        k: v.clone()
        for k, v in runner.model.teacher.state_dict().items()
    }
    runner.train()
    after = runner.model.teacher.state_dict()
    for k, v in before.items():
        assert torch.equal(v, after[k]), f'teacher {k} changed'
    # BN buffers included in the comparison above
    assert any('running_mean' in k for k in before)
    # the teacher is in no optimizer param group
    opt_params = {
        id(p)
        for g in runner.optim_wrapper.optimizer.param_groups
        for p in g['params']
    }
    assert not opt_params & {id(p) for p in runner.model.teacher.parameters()}
    # ...and in no checkpoint (EMA state included)
    ckpt = load_checkpoint_file(osp.join(tmp_path, 'epoch_3.pth'))
    for key in ('state_dict', 'ema_state_dict'):
        assert not any('teacher' in k for k in ckpt[key]), key
    # epoch-based decay: r = 1 - (epoch - 1) / 3, constant within an epoch
    iters_per_epoch = len(runner.train_dataloader)
    expected = [
        round(1 - e / 3, 6) for e in range(3) for _ in range(iters_per_epoch)
    ]
    assert rec.scales == expected


def test_decay_counts_iterations_in_iteration_based_loop(
        teacher_ckpt, tiny_wholebody, tmp_path):
    rec = RecordScale()
    cfg = runner_cfg(
        distiller_cfg(teacher_ckpt),
        tiny_wholebody,
        tmp_path,
        by_epoch=False,
        max_iters=4,
        custom_hooks=[dict(type='DistillScheduleHook')])
    runner = Runner.from_cfg(cfg)
    runner.register_hook(rec)
    runner.train()
    assert rec.scales == [1.0, 0.75, 0.5, 0.25]


def test_missing_schedule_hook_is_a_clear_error(teacher_ckpt, tiny_wholebody):
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    with pytest.raises(RuntimeError, match='DistillScheduleHook'):
        model.distill_scale()


def test_missing_teacher_checkpoint_names_path_and_key(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError) as e:
        MODELS.build(distiller_cfg(missing))
    assert missing in str(e.value) and 'model.teacher_ckpt' in str(e.value)


def test_unreadable_teacher_checkpoint(tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='could not be read'):
        MODELS.build(distiller_cfg(str(bad)))


def test_teacher_checkpoint_for_other_architecture(tmp_path):
    other = save_weights(MODELS.build(heatmap_cfg()), tmp_path / 'hm.pth')
    with pytest.raises(ValueError, match='missing keys: .*unexpected keys'):
        MODELS.build(distiller_cfg(other))


def test_keypoint_count_and_input_size_mismatch(tmp_path):
    t17 = rtmpose_cfg(widen=0.25, num_keypoints=17)
    ckpt = save_weights(MODELS.build(t17), tmp_path / 't17.pth')
    with pytest.raises(ValueError, match='17 keypoints.*133'):
        MODELS.build(distiller_cfg(ckpt, teacher=t17))
    t_big = rtmpose_cfg(widen=0.25, input_size=(96, 128))
    ckpt = save_weights(MODELS.build(t_big), tmp_path / 'tbig.pth')
    with pytest.raises(ValueError, match='input size'):
        MODELS.build(distiller_cfg(ckpt, teacher=t_big))


def test_heatmap_models_distil(tmp_path):
    teacher = heatmap_cfg(base_channels=16)
    ckpt = save_weights(MODELS.build(teacher), tmp_path / 'hm_t.pth')
    model = MODELS.build(
        dict(
            type='DWPoseTwoStageDistiller',
            student=heatmap_cfg(),
            teacher=teacher,
            teacher_ckpt=ckpt,
            feature_distill=dict(
                type='FeatureDistillLoss',
                student_channels=64,
                teacher_channels=128),
            logit_distill=dict(
                type='HeatmapLogitDistillLoss', loss_weight=1.0)))
    model.set_training_progress(1, 10)
    x = torch.randn(2, 3, 64, 64)
    samples = []
    for _ in range(2):
        s = PoseDataSample()
        s.gt_fields = PixelData(heatmaps=torch.rand(133, 16, 16))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.ones(1, 133))
        samples.append(s)
    losses = model.loss(x, samples)
    assert set(losses) >= {
        'loss_kpt', 'loss_feat_distill', 'loss_logit_distill'
    }
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.feature_distill.align.weight.grad is not None


def test_stage2_trains_head_only_and_builds_one_backbone(
        teacher_ckpt, tmp_path):
    stage1 = MODELS.build(distiller_cfg(teacher_ckpt))
    s1_ckpt = str(tmp_path / 's1.pth')
    torch.save({'state_dict': stage1.state_dict()}, s1_ckpt)
    model = MODELS.build(distiller_cfg(s1_ckpt, stage=2))
    model.init_weights()  # must not undo the loaded trunk
    backbones = [m for m in model.modules() if type(m).__name__ == 'CSPNeXt']
    assert len(backbones) == 1
    for k, v in model.student.backbone.state_dict().items():
        assert torch.equal(v, stage1.student.backbone.state_dict()[k]), k
    # the frozen teacher head is the stage-1 head
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, stage1.student.head.state_dict()[k]), k
    model.train()
    assert not model.student.backbone.training
    assert model.student.head.training
    # logit distillation only, gradients on the head only
    x = torch.randn(2, 3, 64, 64)
    losses = model.loss(x, [])
    assert set(losses) == {'loss_logit_distill', 'distill_scale'}
    losses['loss_logit_distill'].backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is None for n, g in grads.items() if '.backbone.' in n)
    assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items()
               if n.startswith('student.head.'))
    assert not any(p.requires_grad
                   for p in model.student.backbone.parameters())


def _final_student(work_dir):
    return load_checkpoint_file(osp.join(work_dir,
                                         'epoch_3.pth'))['state_dict']


def _interrupted_and_resumed(model, data_root, work_dir, hooks):
    """Train 3 epochs with a crash after epoch 1, then resume to the end."""
    cfg = runner_cfg(
        model,
        data_root,
        work_dir,
        max_epochs=3,
        custom_hooks=hooks,
        augment=True)
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.register_hook(CrashAfterEpoch(1))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    cfg['resume'] = True
    cfg['experiment_name'] += '_resumed'
    Runner.from_cfg(cfg).train()
    return _final_student(work_dir)


@pytest.mark.parametrize('stage', [1, 2])
def test_resume_continues_exactly(stage, teacher_ckpt, tiny_wholebody,
                                  tmp_path):
    """With random augmentation (flip, bbox scale/rotation) in the
    pipeline: RandomStateHook puts the RNG states in the checkpoint."""
    ckpt = teacher_ckpt
    if stage == 2:
        ckpt = str(tmp_path / 's1.pth')
        torch.save(
            {
                'state_dict':
                MODELS.build(distiller_cfg(teacher_ckpt)).state_dict()
            }, ckpt)
    hooks = [dict(type='DistillScheduleHook'), dict(type='RandomStateHook')]
    model = distiller_cfg(ckpt, stage=stage)
    full = tmp_path / 'full'
    Runner.from_cfg(
        runner_cfg(
            model,
            tiny_wholebody,
            full,
            max_epochs=3,
            custom_hooks=hooks,
            augment=True)).train()
    a = _final_student(full)
    b = _interrupted_and_resumed(model, tiny_wholebody, tmp_path / 'part',
                                 hooks)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    if stage == 1:
        # Without the hook the resumed run re-seeds and augments anew: the
        # comparison above would fail (what the hook is for).
        c = _interrupted_and_resumed(model, tiny_wholebody,
                                     tmp_path / 'no_hook', hooks[:1])
        assert not all(torch.equal(a[k], c[k]) for k in a)


def _student_config_file(tmp_path):
    path = tmp_path / 'student_cfg.py'
    path.write_text(f'model = {STUDENT!r}\n')
    return str(path)


def test_export_loads_in_stock_mmpose(teacher_ckpt, tiny_wholebody, tmp_path):
    from mmpose.apis import init_model

    from mmpose_kd.utils.export import export_checkpoint
    cfg = runner_cfg(
        distiller_cfg(teacher_ckpt),
        tiny_wholebody,
        tmp_path,
        max_epochs=1,
        custom_hooks=[
            dict(type='DistillScheduleHook'),
            dict(type='EMAHook', ema_type='ExpMomentumEMA', priority=49),
            dict(type='ExportStudentHook')
        ])
    Runner.from_cfg(cfg).train()
    train_ckpt = load_checkpoint_file(str(tmp_path / 'epoch_1.pth'))
    hook_export = str(tmp_path / 'exported_student.pth')
    tool_export = str(tmp_path / 'tool_export.pth')
    export_checkpoint(train_ckpt, tool_export, 'student.')
    for path in (hook_export, tool_export):
        exported = load_checkpoint_file(path)
        fresh = MODELS.build(copy.deepcopy(STUDENT))
        fresh.load_state_dict(exported['state_dict'], strict=True)
        assert 'dataset_meta' in exported['meta']

    # same outputs as the distiller's student loaded from the checkpoint
    distiller = MODELS.build(distiller_cfg(teacher_ckpt))
    distiller.load_state_dict(train_ckpt['state_dict'], strict=True)
    distiller.eval()
    stock = init_model(
        _student_config_file(tmp_path), hook_export, device='cpu')
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ours = distiller(x, None, mode='tensor')
        theirs = stock(x, None, mode='tensor')
    for a, b in zip(ours, theirs):
        assert torch.allclose(a, b, atol=1e-6)


def test_export_tool_cli(teacher_ckpt, tmp_path):
    import subprocess
    import sys
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    ckpt = tmp_path / 'train.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    cfg = tmp_path / 'distill_cfg.py'
    cfg.write_text(f'model = {distiller_cfg(teacher_ckpt)!r}\n')
    out = tmp_path / 'student.pth'
    root = osp.dirname(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    res = subprocess.run([
        sys.executable,
        osp.join(root, 'tools', 'export_student.py'),
        str(cfg),
        str(ckpt),
        str(out)
    ],
                         capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    sd = load_checkpoint_file(str(out))['state_dict']
    assert sd.keys() == model.student.state_dict().keys()


def test_nan_loss_stops_before_the_step_naming_iteration_and_term(
        teacher_ckpt):
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    model.set_training_progress(3, 10, iteration=41)
    before = {k: v.clone() for k, v in model.student.state_dict().items()}
    losses = dict(
        loss_kpt=torch.tensor(1.0),
        loss_logit_distill=torch.tensor(float('nan')))
    with pytest.raises(
            FloatingPointError, match='loss_logit_distill.*iteration 42'):
        model.parse_losses(losses)
    # finite losses pass through
    total, log = model.parse_losses(dict(loss_kpt=torch.tensor(1.0)))
    assert total.item() == 1.0
    for k, v in model.student.state_dict().items():
        assert torch.equal(v, before[k])


def test_exported_student_runs_in_mmpose_inferencer(teacher_ckpt, tmp_path):
    """MMPoseInferencer loads the export with no missing/unexpected keys,
    runs it, and holds exactly the distiller's student weights (the output
    equality itself is checked through init_model above)."""
    import logging

    import numpy as np
    from mmengine.logging import MMLogger
    from mmpose.apis import MMPoseInferencer
    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    from mmpose_kd.utils.export import export_checkpoint
    model = MODELS.build(distiller_cfg(teacher_ckpt))
    exported = str(tmp_path / 'student.pth')
    # as a training run writes it: the dataset's metainfo in the meta
    meta = dict(
        dataset_meta=parse_pose_metainfo(
            dict(from_file='configs/_base_/datasets/coco_wholebody.py')))
    export_checkpoint({
        'state_dict': model.state_dict(),
        'meta': meta
    }, exported, 'student.')
    cfg_file = tmp_path / 'student_cfg.py'
    cfg_file.write_text(
        f'model = {STUDENT!r}\n'
        "test_dataloader = dict(dataset=dict(type='CocoWholeBodyDataset', "
        "metainfo=dict(from_file='configs/_base_/datasets/"
        "coco_wholebody.py'), pipeline=[dict(type='LoadImage'), "
        "dict(type='GetBBoxCenterScale'), dict(type='TopdownAffine', "
        "input_size=(64, 64)), dict(type='PackPoseInputs')]))\n"
        "visualizer = dict(type='PoseLocalVisualizer', name='vis_export')\n"
        "data_mode = 'topdown'\ndataset_type = 'CocoWholeBodyDataset'\n")

    messages = []

    class Capture(logging.Handler):

        def emit(self, record):
            messages.append(record.getMessage())

    capture = Capture()
    MMLogger.get_current_instance().addHandler(capture)
    try:
        inferencer = MMPoseInferencer(
            pose2d=str(cfg_file),
            pose2d_weights=exported,
            det_model='whole_image',
            device='cpu')
    finally:
        MMLogger.get_current_instance().removeHandler(capture)
    assert not any('missing keys' in m or 'unexpected key' in m
                   for m in messages), messages
    img = (np.random.RandomState(0).rand(64, 64, 3) * 255).astype(np.uint8)
    result = next(inferencer(img, return_datasamples=True))
    assert result['predictions'][0].pred_instances.keypoints.shape == (1, 133,
                                                                       2)
    loaded = inferencer.inferencer.model.state_dict()
    for k, v in model.student.state_dict().items():
        assert torch.equal(loaded[k], v), k


# --------------------------------------------------------------- autocast
def test_teacher_autocast_auto_follows_the_device(monkeypatch):
    from mmpose_kd.models.distillers import teacher_precision as module
    monkeypatch.setattr(module, 'native_bf16', lambda device_type: True)
    assert module.resolve_autocast_dtype('auto', 'cpu') is torch.bfloat16
    monkeypatch.setattr(module, 'native_bf16', lambda device_type: False)
    assert module.resolve_autocast_dtype('auto', 'cpu') is None
    assert module.resolve_autocast_dtype(None, 'cuda') is None
    assert module.resolve_autocast_dtype('float16', 'cuda') is torch.float16


def test_teacher_autocast_runs_the_teacher_in_that_dtype(
        teacher_ckpt, monkeypatch):
    """The backbone runs under autocast; the head in fp32 on fp32
    features, so the logits the student matches keep full precision."""
    from mmpose_kd.models.distillers import teacher_precision as module
    model = MODELS.build(distiller_cfg(teacher_ckpt, teacher_autocast='auto'))
    seen = {}
    model.teacher.backbone.register_forward_hook(
        lambda mod, args, out: seen.update(backbone=out[-1].dtype))
    head_forward = model.teacher.head.forward

    def recording_forward(feats):
        seen.update(head_in=feats[-1].dtype)
        return head_forward(feats)

    monkeypatch.setattr(model.teacher.head, 'forward', recording_forward)
    for native, expected in ((True, torch.bfloat16), (False, torch.float32)):
        monkeypatch.setattr(module, 'native_bf16', lambda device_type: native)
        feats, preds = model._teacher_outputs(torch.randn(2, 3, 64, 64))
        assert seen == dict(backbone=expected, head_in=torch.float32)
        assert feats[-1].dtype is torch.float32
        assert all(p.dtype is torch.float32 for p in preds)


@pytest.mark.parametrize('value', ['bf16', 'int8', 'auto_cast'])
def test_bad_teacher_autocast_is_named_at_build(teacher_ckpt, value):
    with pytest.raises(ValueError, match=repr(value)):
        MODELS.build(distiller_cfg(teacher_ckpt, teacher_autocast=value))


@pytest.mark.parametrize('stage', [1, 2])
def test_teacher_train_mode_restores_the_released_bn_behaviour(
        stage, teacher_ckpt, tmp_path):
    """teacher_train_mode=True: the frozen part follows model.train() as in
    the released code (batch statistics, running statistics updated);
    False (default): it stays in eval mode. No gradients either way."""
    ckpt = teacher_ckpt
    if stage == 2:
        stage1 = MODELS.build(distiller_cfg(teacher_ckpt))
        ckpt = str(tmp_path / 's1.pth')
        torch.save({'state_dict': stage1.state_dict()}, ckpt)
    x = torch.randn(2, 3, 64, 64)
    for released in (False, True):
        model = MODELS.build(
            distiller_cfg(ckpt, stage=stage, teacher_train_mode=released))
        frozen = model.teacher if stage == 1 else model.student.backbone
        bn = next(m for m in frozen.modules()
                  if isinstance(m, torch.nn.modules.batchnorm._BatchNorm))
        before = bn.running_mean.clone()
        model.train()
        assert bn.training is released
        if stage == 2:
            assert model.student.head.training
        with torch.no_grad():
            model.loss(x, []) if stage == 2 else \
                model._teacher_outputs(x)
        assert torch.equal(bn.running_mean, before) is not released
        model.eval()
        assert not bn.training
        assert not any(p.requires_grad for p in frozen.parameters())
    with pytest.raises(TypeError, match='teacher_train_mode'):
        MODELS.build(distiller_cfg(teacher_ckpt, teacher_train_mode='yes'))


def test_teacher_ckpt_url_is_fetched_once_into_the_hub_cache(
        teacher_ckpt, tmp_path, monkeypatch):
    """The real-scale configs name model-zoo URLs, as mmpose's do."""
    import shutil

    import torch.hub
    calls = []

    def fake_download(url, dst, progress=True):
        calls.append(url)
        shutil.copyfile(teacher_ckpt, dst)

    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    monkeypatch.setattr(torch.hub, 'download_url_to_file', fake_download)
    url = 'https://download.openmmlab.com/mmpose/v1/x/teacher-0123abcd.pth'
    for _ in range(2):
        model = MODELS.build(distiller_cfg(url))
    assert calls == [url]  # the second build reads the cached copy
    assert osp.isfile(tmp_path / 'hub' / 'checkpoints' /
                      'teacher-0123abcd.pth')
    sd = load_checkpoint_file(teacher_ckpt)['state_dict']
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, sd[k]), k

    def failing(url, dst, progress=True):
        raise OSError('no route to host')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', failing)
    other = 'https://download.openmmlab.com/mmpose/v1/x/other.pth'
    with pytest.raises(
            RuntimeError,
            match=r'other\.pth.*model\.teacher_ckpt'
            r'.*no route to host'):
        MODELS.build(distiller_cfg(other))
