"""When SSPCM takes its previous-epoch snapshots A', B' and averages its
PCM statistics; the model holds both."""
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from mmpose_kd.models.semi.pcm_snapshots import check_snapshot_state

#: Where the snapshots travel in a checkpoint.
CHECKPOINT_KEY = 'sspcm_snapshots'


@HOOKS.register_module()
class PCMSnapshotHook(Hook):
    """Tells ``SSPCMPoseEstimator`` when to take the snapshots A', B' of
    networks A and B that the PCM compares against (SSPCM, Huang et al.,
    CVPR 2023, Sec. 3.2: the PCM picks the most consistent pair among
    (A, B), (A', B), (A, B'), (A', B')), and carries them in checkpoints.
    The model takes, freezes and holds them
    (:mod:`mmpose_kd.models.semi.pcm_snapshots`); this hook keeps no copy.

    * At every epoch end it calls ``model.take_snapshots()``: the model
      deep-copies the live A and B in memory (no disk round-trip, unlike
      the paper's code). Until then the model uses A' = A, B' = B.
      ``interval=n`` snapshots every ``n`` iterations instead (for short
      schedules, where a whole epoch makes the snapshots stale). With the
      model's ``semi_train_cfg.snapshot_bn_mode='train'`` (the paper's code)
      the model runs them with batch statistics, leaving their running
      statistics as snapshotted.
    * ``before_save_checkpoint`` stores ``model.snapshot_state_dict()`` in
      the checkpoint under ``'sspcm_snapshots'``; ``after_load_checkpoint``
      takes it back and the hook hands it to
      ``model.load_snapshot_state_dict`` at ``before_train``, so resuming
      continues with exactly the snapshots of the interrupted run.
    * At every epoch end it writes the model's epoch means of the PCM
      statistics (``model.take_pcm_epoch_means()``: kept-keypoint fraction,
      mean position inconsistency) to the message hub as
      ``train/pcm_kept_fraction_epoch`` and ``train/pcm_inconsistency_epoch``
      and logs them.

    Its priority (BELOW_NORMAL) runs it at epoch end after mmpose's
    ``SyncBuffersHook`` (NORMAL; the snapshots get the synchronised BN
    statistics) and before the ``CheckpointHook`` (VERY_LOW; an epoch's
    checkpoint holds that epoch's snapshots).
    """

    priority = 'BELOW_NORMAL'

    def __init__(self, interval: Optional[int] = None):
        if interval is not None and (int(interval) != interval
                                     or interval < 1):
            raise ValueError('PCMSnapshotHook: interval must be None (every '
                             f'epoch) or an int >= 1, got {interval!r}')
        self.interval = interval
        # A checkpoint's snapshots on their way to the model: loaded before
        # the model is (after_load_checkpoint), installed at before_train.
        self._restored_state: Optional[Dict[str, dict]] = None

    def before_train(self, runner) -> None:
        if self._restored_state is None:
            return
        _sspcm_model(runner).load_snapshot_state_dict(self._restored_state)
        self._restored_state = None
        runner.logger.info('PCMSnapshotHook: restored the snapshots '
                           "A', B' from the checkpoint")

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.interval is not None and \
                (runner.iter + 1) % self.interval == 0:
            _sspcm_model(runner).take_snapshots()

    def after_train_epoch(self, runner) -> None:
        model = _sspcm_model(runner)
        if self.interval is None:
            model.take_snapshots()
        self._log_epoch_means(runner, model.take_pcm_epoch_means())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = _sspcm_model(runner).snapshot_state_dict()
        if state is not None:
            checkpoint[CHECKPOINT_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            return
        check_snapshot_state(state)
        # The live networks are not loaded yet; install at before_train.
        self._restored_state = state

    @staticmethod
    def _log_epoch_means(runner, means: Dict[str, float]) -> None:
        if not means:
            return
        for name, value in means.items():
            runner.message_hub.update_scalar(f'train/{name}_epoch', value)
        text = ', '.join(f'{name} {value:.4f}'
                         for name, value in means.items())
        runner.logger.info(f'PCM epoch {runner.epoch + 1} means: {text}')


def _sspcm_model(runner):
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    if not (hasattr(model, 'take_snapshots')
            and hasattr(model, 'take_pcm_epoch_means')):
        raise TypeError('PCMSnapshotHook works with SSPCMPoseEstimator, got '
                        f'{type(model).__name__}')
    return model
