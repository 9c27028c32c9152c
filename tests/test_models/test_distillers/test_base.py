"""TrainableWrapper (models/base.py), FrozenModule in both placements, the
progress hook and the deploy prefix that the exporters read."""
import copy

import pytest
import torch
import torch.nn as nn
from mmpose.registry import MODELS

from mmpose_kd.models.base import (TrainableWrapper, TrainingProgress,
                                   resolve_model_spec)
from mmpose_kd.models.frozen_module import FrozenModule
from mmpose_kd.utils.config import resolve_config_path
from mmpose_kd.utils.export import deploy_prefix, training_prefixes
from toy_models import rtmpose_cfg, save_weights


class Net(nn.Module):
    """A stand-in for a pose estimator: forward(inputs, samples, mode)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.bn(self.conv(inputs))
        return (mode, out)


class Wrapper(TrainableWrapper):
    deploy_prefix = 'shipped.'

    def __init__(self, follow_train=False):
        super().__init__()
        self.shipped = Net()
        self.hold_frozen('trunk', self.shipped.conv, in_tree=True)
        self.hold_frozen('teacher', Net(), follow_train=follow_train)

    @property
    def deploy_network(self):
        return self.shipped

    def loss(self, inputs, data_samples):
        return dict(loss=self.shipped(inputs)[1].mean())


def test_forward_dispatches_to_the_deploy_network():
    model = Wrapper()
    x = torch.randn(2, 3, 4, 4)
    assert model(x, None, mode='predict')[0] == 'predict'
    assert model(x, None, mode='tensor')[0] == 'tensor'
    assert set(model(x, None, mode='loss')) == {'loss'}
    with pytest.raises(RuntimeError, match='Invalid mode "bad"'):
        model(x, None, mode='bad')


def test_deploy_prefix_is_read_from_the_class():
    assert deploy_prefix(Wrapper()) == 'shipped.'
    assert deploy_prefix(Wrapper) == 'shipped.'
    assert deploy_prefix('DWPoseTwoStageDistiller') == 'student.'
    # SSPCM derives from the base too: it ships network C
    assert deploy_prefix('SSPCMPoseEstimator') == 'network_c.'
    assert deploy_prefix('TopdownPoseEstimator') is None
    assert deploy_prefix('NoSuchModel') is None
    known = {'student.', 'shipped.', 'network_a.', 'network_b.'}
    assert known | {'network_c.'} <= set(training_prefixes())


def test_frozen_networks_in_and_out_of_the_tree():
    model = Wrapper()
    keys = set(model.state_dict())
    # in the tree: its keys stay; outside: not in the state dict
    assert 'shipped.conv.weight' in keys
    assert not any(k.startswith('teacher') for k in keys)
    assert not any(p.requires_grad for p in model.shipped.conv.parameters())
    assert all(p.requires_grad for p in model.shipped.bn.parameters())
    trained = {id(p) for p in model.parameters() if p.requires_grad}
    assert not trained & {
        id(p)
        for p in model.frozen_network('teacher').parameters()
    }
    model.train()
    assert not model.shipped.conv.training and model.shipped.bn.training
    assert not model.frozen_network('teacher').training
    # init_weights re-initialises children; the frozen weights come back
    before = model.shipped.conv.weight.clone()
    with torch.no_grad():
        model.shipped.conv.weight.add_(1.)
    model.init_weights()
    assert torch.equal(model.shipped.conv.weight, before)
    # deepcopy (EMA): the outside network is shared, the inside one copied
    clone = copy.deepcopy(model)
    assert clone.frozen_network('teacher') is model.frozen_network('teacher')
    assert clone.frozen_network('trunk') is clone.shipped.conv
    assert clone.frozen_network('trunk') is not model.shipped.conv
    # device/dtype moves reach the outside network
    model.double()
    assert model.frozen_network('teacher').conv.weight.dtype is torch.float64


def test_follow_train_and_holder_errors():
    model = Wrapper(follow_train=True)
    model.train()
    assert model.frozen_network('teacher').training
    model.eval()
    assert not model.frozen_network('teacher').training
    with pytest.raises(KeyError, match='already held'):
        model.hold_frozen('teacher', Net())
    with pytest.raises(ValueError, match='not a submodule'):
        model.hold_frozen('other', Net(), in_tree=True)
    with pytest.raises(TypeError, match='nn.Module'):
        FrozenModule('not a module')


def test_training_progress_and_finite_losses():
    model = Wrapper()
    assert model.training_progress is None
    with pytest.raises(
            RuntimeError, match='TrainingProgressHook.*DistillScheduleHook'):
        model.require_training_progress('the ramp')
    model.set_training_progress(3, 10, iteration=41)
    assert model.training_progress == TrainingProgress(3, 10, 41)
    with pytest.raises(ValueError, match='out of range'):
        model.set_training_progress(11, 10)
    with pytest.raises(FloatingPointError, match='loss_x.*iteration 42'):
        model.parse_losses(dict(loss_x=torch.tensor(float('inf'))))
    total, _ = model.parse_losses(dict(loss_x=torch.tensor(2.)))
    assert total.item() == 2.


def test_model_spec_forms(tmp_path):
    cfg = rtmpose_cfg()
    path = tmp_path / 'net.py'
    path.write_text(f'model = {cfg!r}\n')
    from_file = resolve_model_spec(str(path), 'student')
    assert from_file.to_dict() == resolve_model_spec(cfg, 'student').to_dict()
    merged = resolve_model_spec(
        dict(config=str(path), overrides=dict(head=dict(out_channels=17))),
        'student')
    assert merged.head.out_channels == 17
    assert merged.head.in_channels == cfg['head']['in_channels']
    with pytest.raises(ValueError, match='unknown keys'):
        resolve_model_spec(dict(config=str(path), extra=1), 'student')
    stock = resolve_model_spec(
        'mmpose::body_2d_keypoint/rtmpose/coco/'
        'rtmpose-t_8xb256-420e_coco-256x192.py', 'teacher')
    assert stock.type == 'TopdownPoseEstimator'


def test_pkg_config_paths_resolve_as_base_entries():
    path = resolve_config_path('mmpose::_base_/default_runtime.py')
    assert path.endswith('mmpose/.mim/configs/_base_/default_runtime.py')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        resolve_config_path('mmpose::nope/missing.py')
    with pytest.raises(FileNotFoundError, match='not installed'):
        resolve_config_path('mmnotapackage::a/b.py')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        resolve_config_path('no/such/file.py')


def test_pkg_config_paths_without_the_mmengine_helper(monkeypatch):
    """mmengine has no public pkg:: lookup; without its private one the
    error names the path."""
    from mmengine.config import Config
    monkeypatch.delattr(Config, '_get_cfg_path')
    with pytest.raises(RuntimeError, match='mmpose::a/b.py'):
        resolve_config_path('mmpose::a/b.py')
    assert resolve_config_path(__file__) == __file__


def test_stage2_trunk_keeps_its_checkpoint_keys(tmp_path):
    """The stage-2 trunk is frozen in place: the distiller's state dict is
    exactly the student's under ``student.`` (what shipped checkpoints
    and the exporters rely on)."""
    student = rtmpose_cfg()
    stage1 = save_weights(MODELS.build(student), tmp_path / 's1.pth')
    model = MODELS.build(
        dict(
            type='DWPoseTwoStageDistiller',
            stage=2,
            student=student,
            teacher_ckpt=stage1,
            logit_distill=dict(type='SimCCLogitDistillLoss', loss_weight=1.)))
    plain = MODELS.build(copy.deepcopy(student)).state_dict()
    assert set(model.state_dict()) == {'student.' + k for k in plain}
    assert model.frozen_network('trunk.backbone') is model.student.backbone
    assert model.deploy_network is model.student
