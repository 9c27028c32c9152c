"""The previous-epoch snapshots A', B' that the PCM compares against."""
import copy
from typing import Dict, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS
from torch import nn

#: Where the snapshots travel in a checkpoint.
CHECKPOINT_KEY = 'sspcm_snapshots'
#: Log variables of SSPCMPoseEstimator that the hook averages per epoch.
EPOCH_STATISTICS = ('pcm_kept_fraction', 'pcm_inconsistency')


@HOOKS.register_module()
class PCMSnapshotHook(Hook):
    """Keep the snapshots A', B' of networks A and B taken at the end of the
    previous epoch (SSPCM, Huang et al., CVPR 2023, Sec. 3.2: the PCM picks
    the most consistent pair among (A, B), (A', B), (A, B'), (A', B')).

    * At every epoch end it deep-copies the live A and B in memory (no disk
      round-trip, unlike the paper's code), puts the copies in eval mode
      without gradients and hands them to the model with
      ``model.set_snapshots``. Until then the model uses A' = A, B' = B.
      ``interval=n`` snapshots every ``n`` iterations instead (for short
      schedules, where a whole epoch makes the snapshots stale). With the
      model's ``semi_train_cfg.snapshot_bn_mode='train'`` (the paper's code)
      the model runs them with batch statistics, leaving their running
      statistics as snapshotted.
    * ``before_save_checkpoint`` stores their weights in the checkpoint under
      ``'sspcm_snapshots'``; ``after_load_checkpoint`` takes them back and
      the hook reinstalls them at ``before_train``, so resuming continues
      with exactly the snapshots of the interrupted run.
    * It averages the model's PCM statistics (kept-keypoint fraction, mean
      position inconsistency; logged every iteration from the model's log
      variables) over each epoch, writes the means to the message hub as
      ``train/pcm_kept_fraction_epoch`` and ``train/pcm_inconsistency_epoch``
      and logs them.

    It owns only this state; the PCM itself is
    :mod:`mmpose_kd.models.semi.pcm`.
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
        self._snapshots: Optional[Tuple[nn.Module, nn.Module]] = None
        self._restored_state: Optional[Dict[str, dict]] = None
        self._reset_statistics()

    @property
    def snapshots(self) -> Optional[Tuple[nn.Module, nn.Module]]:
        """(A', B') or None before the first epoch end."""
        return self._snapshots

    def before_train(self, runner) -> None:
        model = _sspcm_model(runner)
        if self._restored_state is not None:
            snapshot_a, snapshot_b = _copy_live_networks(model)
            snapshot_a.load_state_dict(self._restored_state['A'])
            snapshot_b.load_state_dict(self._restored_state['B'])
            self._snapshots = (snapshot_a, snapshot_b)
            self._restored_state = None
            runner.logger.info('PCMSnapshotHook: restored the snapshots '
                               "A', B' from the checkpoint")
        if self._snapshots is not None:
            model.set_snapshots(*self._snapshots)

    def before_train_epoch(self, runner) -> None:
        self._reset_statistics()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        for name in EPOCH_STATISTICS:
            if outputs is not None and name in outputs:
                self._sums[name] += float(outputs[name])
                self._counts[name] += 1
        if self.interval is not None and \
                (runner.iter + 1) % self.interval == 0:
            self._take_snapshots(runner)

    def after_train_epoch(self, runner) -> None:
        if self.interval is None:
            self._take_snapshots(runner)
        self._log_epoch_statistics(runner)

    def _take_snapshots(self, runner) -> None:
        model = _sspcm_model(runner)
        self._snapshots = _copy_live_networks(model)
        model.set_snapshots(*self._snapshots)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._snapshots is None:
            return
        checkpoint[CHECKPOINT_KEY] = dict(
            A=_cpu_state_dict(self._snapshots[0]),
            B=_cpu_state_dict(self._snapshots[1]))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(CHECKPOINT_KEY)
        if state is None:
            return
        if set(state) != {'A', 'B'}:
            raise KeyError(f"PCMSnapshotHook: checkpoint['{CHECKPOINT_KEY}'] "
                           f'must have keys A and B, got {sorted(state)}')
        # The live networks are not loaded yet; install at before_train.
        self._restored_state = state

    def _reset_statistics(self) -> None:
        self._sums = {name: 0. for name in EPOCH_STATISTICS}
        self._counts = {name: 0 for name in EPOCH_STATISTICS}

    def _log_epoch_statistics(self, runner) -> None:
        means = {
            name: self._sums[name] / self._counts[name]
            for name in EPOCH_STATISTICS if self._counts[name]
        }
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
    if not (hasattr(model, 'set_snapshots') and hasattr(model, 'get_network')):
        raise TypeError('PCMSnapshotHook works with SSPCMPoseEstimator, got '
                        f'{type(model).__name__}')
    return model


def _copy_live_networks(model) -> Tuple[nn.Module, nn.Module]:
    snapshots = []
    for key in ('A', 'B'):
        snapshot = copy.deepcopy(model.get_network(key))
        snapshot.eval()
        snapshot.requires_grad_(False)
        snapshots.append(snapshot)
    return tuple(snapshots)


def _cpu_state_dict(module: nn.Module) -> dict:
    return {
        key: value.detach().cpu().clone()
        for key, value in module.state_dict().items()
    }
