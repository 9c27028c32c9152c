"""A CheckpointHook whose checkpoints survive a crash while saving."""
import os.path as osp
from typing import List

from mmengine.dist import is_main_process
from mmengine.fileio.io import _parse_uri_prefix
from mmengine.hooks import CheckpointHook
from mmpose.registry import HOOKS

from mmpose_kd.utils.atomic_io import ATOMIC_LOCAL_BACKEND, atomic_write_text


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with crash-safe saving, for ``--resume``
    of long DWPose (Yang et al., ICCV 2023 Workshops, Sec. 3: stage 1 and
    stage 2 runs) and SSPCM (Huang et al., CVPR 2023, Sec. 4.1) trainings.

    A drop-in replacement (same arguments) that changes three things:

    * checkpoints in a local ``out_dir`` are written atomically (temporary
      file + rename, through the ``local_atomic`` file backend) unless
      ``backend_args``/``file_client_args`` choose another backend; the stock
      hook writes ``epoch_N.pth`` in place, so a crash mid-write leaves a
      truncated file;
    * ``last_checkpoint`` (what ``--resume`` reads) is written atomically and
      only after its checkpoint is complete;
    * with ``max_keep_ckpts``, outdated checkpoints are removed only after
      the new one is on disk. The stock hook removes first, so a crash
      while saving with ``max_keep_ckpts=1`` leaves no complete checkpoint
      and ``last_checkpoint`` naming a deleted file.

    Checkpoint contents and file names are the stock hook's.
    ``tools/train.py`` swaps the stock hook for this one; configs of
    mmpose_kd name it in ``default_hooks.checkpoint``.
    """

    def before_train(self, runner) -> None:
        out_dir = self.out_dir or runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and _parse_uri_prefix(out_dir) == ''):
            self.backend_args = dict(backend=ATOMIC_LOCAL_BACKEND)
        super().before_train(runner)

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = self._update_kept_steps(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        # The pointer moves only once the file it names is complete.
        atomic_write_text(self.last_ckpt,
                          osp.join(runner.work_dir, 'last_checkpoint'))
        for old_step in outdated:
            self._remove_checkpoint(old_step)

    def _update_kept_steps(self, runner, step) -> List[int]:
        """Record ``step`` among the kept checkpoints (before saving, so the
        saved ``keep_ckpt_ids`` are the ones on disk after this save) and
        return the steps that drop out."""
        if self.max_keep_ckpts <= 0:
            return []
        # _save_checkpoint and _save_best_checkpoint may both save one step.
        if self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step:
            return []
        outdated = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       list(self.keep_ckpt_ids))
        return outdated

    def _remove_checkpoint(self, step) -> None:
        path = self.file_backend.join_path(self.out_dir,
                                           self.filename_tmpl.format(step))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            # checkpoints saved by deepspeed are folders
            self.file_backend.rmtree(path)


def use_atomic_checkpoint_hook(cfg) -> None:
    """Swap mmengine's ``CheckpointHook`` in ``cfg.default_hooks`` for
    :class:`AtomicCheckpointHook` (same arguments); a custom checkpoint hook
    is left alone. ``tools/train.py`` calls it through
    ``apply_runtime_defaults``."""
    hooks = cfg.get('default_hooks', None)
    checkpoint = hooks.get('checkpoint', None) if hooks else None
    if checkpoint is not None and checkpoint.get('type') in ('CheckpointHook',
                                                             CheckpointHook):
        hooks['checkpoint'] = dict(checkpoint, type='AtomicCheckpointHook')
