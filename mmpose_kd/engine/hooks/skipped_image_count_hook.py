"""Puts the number of skipped training images into the log."""
import logging
from typing import Dict, Iterable, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook, LoggerHook
from mmpose.registry import HOOKS
from torch.utils.data import DataLoader

from mmpose_kd.datasets.transforms.loading import SkipCounter

# The attributes that lead from a dataloader to the transforms: dataloader
# -> dataset; wrappers (CombinedDataset, ConcatDataset, RepeatDataset...)
# -> dataset(s); dataset -> pipeline (Compose) -> transforms; transform
# wrappers (RandomApply, RandomChoice) -> transforms.
_CHILD_ATTRS = ('dataset', 'datasets', 'pipeline', 'transforms')


def find_skip_counters(roots: Iterable) -> List[SkipCounter]:
    """The ``skip_counter`` of every transform reachable from ``roots``
    (dataloaders or datasets), each once."""
    found: Dict[int, SkipCounter] = {}
    seen = set()
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if obj is None or id(obj) in seen or isinstance(obj, (str, bytes)):
            continue
        seen.add(id(obj))
        counter = getattr(obj, 'skip_counter', None)
        if isinstance(counter, SkipCounter):
            found[id(counter)] = counter
        for attr in _CHILD_ATTRS:
            child = getattr(obj, attr, None)
            if isinstance(child, (list, tuple)):
                stack.extend(child)
            elif child is not None:
                stack.append(child)
    return list(found.values())


@HOOKS.register_module()
class SkippedImageCountHook(Hook):
    """Log how many training images ``CheckedLoadImage(on_error='skip')``
    skipped: at every epoch end (a warning when the epoch skipped any) and
    as ``skipped_images`` in the iteration log lines (message hub scalar
    ``train/skipped_images``).

    The count is the number of skip events, summed over the dataloader
    workers (the counters live in shared memory) and over DDP ranks
    (``all_reduce``); an image drawn again after a refetch counts again.
    The warnings of ``CheckedLoadImage`` name the files. Counters of every
    train dataloader of the loop are summed (the SSPCM loop has two), and
    those of a pipeline replaced during training (``PipelineSwitchHook``)
    keep counting. On resume the count continues from the checkpoint's
    message hub.

    Args:
        interval (int, optional): update the message hub every ``interval``
            iterations (and at each epoch's last one). In DDP each update is
            an ``all_reduce`` of one integer. Default ``None``: the
            ``LoggerHook``'s interval, so the reduction runs only for the
            iterations whose line is written.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) writes the line
    KEY = 'train/skipped_images'

    def __init__(self, interval: Optional[int] = None):
        if interval is not None and (not isinstance(interval, int)
                                     or interval < 1):
            raise ValueError('SkippedImageCountHook: interval must be an '
                             f'integer >= 1, got {interval!r}')
        self.interval = interval
        self._log_interval = interval or 1
        self._counters: Dict[int, SkipCounter] = {}
        self._offset = 0
        self._at_epoch_start = 0

    def _train_dataloaders(self, runner) -> List[DataLoader]:
        return [
            value for value in vars(runner.train_loop).values()
            if isinstance(value, DataLoader)
        ]

    def _collect_counters(self, runner) -> None:
        """Walk the dataloaders for counters, once per epoch boundary (a
        pipeline switch happens there); remembered counters are kept, so a
        replaced pipeline's skips stay."""
        for counter in find_skip_counters(self._train_dataloaders(runner)):
            self._counters.setdefault(id(counter), counter)

    def total(self, runner) -> int:
        """Skips so far in this run, all workers and ranks."""
        local = sum(counter.value for counter in self._counters.values())
        if get_world_size() > 1:
            count = torch.tensor(local, dtype=torch.int64)
            all_reduce(count, op='sum')
            local = int(count.item())
        return self._offset + local

    def before_train(self, runner) -> None:
        self._counters = {}
        buffer = runner.message_hub.log_scalars.get(self.KEY)
        # a resumed run: the checkpoint's message hub holds the count
        self._offset = int(buffer.current()) if buffer is not None else 0
        self._at_epoch_start = self._offset
        if self.interval is None:
            self._log_interval = next(
                (hook.interval
                 for hook in runner.hooks if isinstance(hook, LoggerHook)), 1)

    def before_train_epoch(self, runner) -> None:
        self._collect_counters(runner)
        self._at_epoch_start = self.total(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self.every_n_train_iters(runner, self._log_interval) or \
                self.end_of_epoch(runner.train_dataloader, batch_idx):
            runner.message_hub.update_scalar(self.KEY, self.total(runner))

    def after_train_epoch(self, runner) -> None:
        self._collect_counters(runner)
        total = self.total(runner)
        runner.message_hub.update_scalar(self.KEY, total)
        in_epoch = total - self._at_epoch_start
        runner.logger.log(
            logging.WARNING if in_epoch else logging.INFO,
            f'SkippedImageCountHook: epoch {runner.epoch + 1}: {in_epoch} '
            f'image load(s) skipped in this epoch, {total} so far in '
            'training (CheckedLoadImage warnings name the files)')
