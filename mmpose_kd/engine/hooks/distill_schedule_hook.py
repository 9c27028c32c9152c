"""Feeds the training progress to a trainable wrapper (DWPose Sec. 3.1
decay ``r(t)``; SSPCM's warm-up)."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from mmpose.registry import HOOKS


@HOOKS.register_module()
class TrainingProgressHook(Hook):
    """Tell the model where training is, before every iteration.

    The model (a :class:`mmpose_kd.models.base.TrainableWrapper`) receives
    ``set_training_progress(t, t_max, iteration=runner.iter)``, read back
    as ``model.training_progress``. DWPose's distillation weight
    ``r(t) = 1 - (t-1)/t_max`` (Sec. 3.1, ``distill_scale``) counts ``t`` in
    epochs for epoch-based loops and in iterations for iteration-based loops
    (mmpose 1.3.2's distiller reads ``epoch`` from the message hub and so
    stays at ``r = 1`` in iteration-based loops); the losses receive ``r``
    as an argument. ``iteration`` (the runner's global iteration, 0-based)
    serves schedules that count iterations whatever the loop (a warm-up)
    and names the iteration in errors. Resume needs nothing extra: ``t`` is
    derived from the runner's restored epoch/iteration counters.

    Also registered as ``DistillScheduleHook`` (the DWPose configs' name).

    Args:
        by (str): ``'auto'`` (iterations for ``IterBasedTrainLoop``, epochs
            otherwise), ``'epoch'`` or ``'iter'``.
    """

    priority = 'NORMAL'

    def __init__(self, by: str = 'auto'):
        if by not in ('auto', 'epoch', 'iter'):
            raise ValueError(f"{type(self).__name__}: by must be 'auto', "
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
        setter = getattr(model, 'set_training_progress', None)
        if setter is None:
            raise TypeError(
                f'{type(self).__name__}: {type(model).__name__} takes no '
                'training progress (no set_training_progress; models derived '
                'from mmpose_kd.models.base.TrainableWrapper have it).')
        step, max_steps = self.progress(runner)
        setter(step, max_steps, iteration=runner.iter)


#: The DWPose configs' name for the same hook.
DistillScheduleHook = TrainingProgressHook
HOOKS.register_module(name='DistillScheduleHook', module=TrainingProgressHook)
