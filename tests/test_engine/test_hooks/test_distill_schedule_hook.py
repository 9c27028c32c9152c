"""TrainingProgressHook (registered also as DistillScheduleHook): one hook
feeds the training progress to any TrainableWrapper."""
import pytest
import torch.nn as nn
from mmpose.registry import HOOKS

from mmpose_kd.models.base import TrainableWrapper, TrainingProgress


class Wrapper(TrainableWrapper):
    deploy_prefix = 'net.'

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(1, 1)

    @property
    def deploy_network(self):
        return self.net


def test_one_progress_hook_under_two_names():
    assert HOOKS.get('TrainingProgressHook') is HOOKS.get(
        'DistillScheduleHook')
    hook = HOOKS.build(dict(type='DistillScheduleHook', by='iter'))

    class Runner:
        model = nn.Linear(1, 1)  # no set_training_progress
        iter, max_iters = 0, 4

    with pytest.raises(TypeError, match='set_training_progress'):
        hook.before_train_iter(Runner(), 0)
    Runner.model = Wrapper()
    Runner.iter = 2
    hook.before_train_iter(Runner(), 0)
    assert Runner.model.training_progress == TrainingProgress(3, 4, 2)


@pytest.mark.parametrize('by', ['epoch', 'iter'])
def test_progress_counts_in_the_chosen_unit(by):

    class Runner:
        model = Wrapper()
        epoch, max_epochs = 1, 3
        iter, max_iters = 7, 12

    HOOKS.build(dict(type='TrainingProgressHook',
                     by=by)).before_train_iter(Runner(), 0)
    expected = (2, 3) if by == 'epoch' else (8, 12)
    assert Runner.model.training_progress == TrainingProgress(*expected, 7)
    with pytest.raises(ValueError, match="'auto', 'epoch' or 'iter'"):
        HOOKS.build(dict(type='TrainingProgressHook', by='step'))
