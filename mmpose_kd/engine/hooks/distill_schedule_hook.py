"""Feeds the training progress to a distiller (DWPose Sec. 3.1 decay)."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmpose.registry import HOOKS


@HOOKS.register_module()
class DistillScheduleHook(Hook):
    """Tell the distiller where training is, before every iteration.

    DWPose's weight decay ``r(t) = 1 - (t-1)/t_max`` (Sec. 3.1) counts ``t``
    in epochs for epoch-based loops and in iterations for iteration-based
    loops (mmpose 1.3.2's distiller reads ``epoch`` from the message hub and
    so stays at ``r = 1`` in iteration-based loops). The model receives
    ``set_progress(t, t_max)``; the losses receive ``r`` as an argument.
    Resume needs nothing extra: ``t`` is derived from the runner's restored
    epoch/iteration counters.

    Args:
        by (str): ``'auto'`` (iterations for ``IterBasedTrainLoop``, epochs
            otherwise), ``'epoch'`` or ``'iter'``.
    """

    priority = 'NORMAL'

    def __init__(self, by: str = 'auto'):
        if by not in ('auto', 'epoch', 'iter'):
            raise ValueError(f"DistillScheduleHook: by must be 'auto', "
                             f"'epoch' or 'iter', got {by!r}")
        self.by = by

    def progress(self, runner):
        by = self.by
        if by == 'auto':
            by = 'iter' if isinstance(runner.train_loop,
                                      IterBasedTrainLoop) else 'epoch'
        if by == 'iter':
            return runner.iter + 1, runner.max_iters
        return runner.epoch + 1, runner.max_epochs

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        step, max_steps = self.progress(runner)
        model.set_progress(step, max_steps, iteration=runner.iter)
