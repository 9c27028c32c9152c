"""An epoch-based train loop over a labeled and an unlabeled dataloader."""
import math
from typing import Dict, List, Optional, Tuple, Union

from mmengine.runner import EpochBasedTrainLoop
from mmpose.registry import LOOPS
from torch.utils.data import DataLoader

from mmpose_kd.models.semi.semi_data_preprocessor import BATCH_PARTS


@LOOPS.register_module()
class SemiSupervisedEpochBasedTrainLoop(EpochBasedTrainLoop):
    """Feed ``dict(labeled=batch, unlabeled=batch)`` to ``model.train_step``
    (SSPCM, Huang et al., CVPR 2023, Sec. 4.1: every iteration takes a
    labeled and an unlabeled mini-batch; an epoch is one pass over the
    unlabeled set).

    The config gives both dataloaders in ``train_dataloader``::

        train_dataloader = dict(
            labeled=dict(batch_size=8, dataset=..., sampler=...),
            unlabeled=dict(batch_size=32, dataset=..., sampler=...))
        train_cfg = dict(type='SemiSupervisedEpochBasedTrainLoop',
                         max_epochs=30, val_interval=5)

    Each part is built by ``runner.build_dataloader`` (so each has its own
    sampler, DDP-aware) and the ratio of labeled to unlabeled samples per
    iteration is the ratio of the two batch sizes.

    * An epoch is one pass over the unlabeled dataloader, which is also
      ``self.dataloader`` (what ``runner.train_dataloader``, the ETA, the
      ``DistSamplerSeedHook`` and epoch-to-iteration scheduler conversion
      see).
    * The labeled dataloader is cycled: it restarts whenever it runs out,
      and at every epoch start. Its sampler epoch for the ``j``-th pass of
      epoch ``e`` is ``e * passes_per_epoch + j``, a function of the epoch
      alone, so resuming at an epoch boundary replays the same labeled
      order, and every pass is shuffled anew.
    * The loop only moves data; everything else is the model's job.
    * ``auto_scale_lr`` (``--auto-scale-lr``) works: mmengine's
      ``Runner.scale_lr`` reads ``train_dataloader.batch_size``, which the
      two-part dict has not, so the loop gives the runner's
      ``train_dataloader`` a ``batch_size`` = labeled + unlabeled batch
      size per GPU. The LR is then scaled by ``world_size * (labeled +
      unlabeled) / base_batch_size``: count both parts in
      ``base_batch_size`` (the paper's code: (32 + 32) x 4 GPUs = 256).

    Args:
        runner: the runner.
        dataloader: ``dict(labeled=..., unlabeled=...)``, each a dataloader
            config or a built ``DataLoader``.
        max_epochs, val_begin, val_interval, dynamic_intervals: as in
            mmengine's ``EpochBasedTrainLoop``.
    """

    def __init__(self,
                 runner,
                 dataloader: Dict[str, Union[DataLoader, dict]],
                 max_epochs: int,
                 val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None):
        labeled, unlabeled = _split_dataloader_cfg(dataloader)
        # The parent builds (and checks) the epoch-defining dataloader.
        super().__init__(runner, unlabeled, max_epochs, val_begin,
                         val_interval, dynamic_intervals)
        if isinstance(labeled, dict):
            labeled = runner.build_dataloader(
                labeled,
                seed=runner.seed,
                diff_rank_seed=runner._randomness_cfg.get(
                    'diff_rank_seed', False))
        self.labeled_dataloader = labeled
        _check_not_empty(self.dataloader, 'unlabeled')
        _check_not_empty(self.labeled_dataloader, 'labeled')
        _expose_total_batch_size(runner, dataloader, self.total_batch_size)
        self._labeled_iterator = None
        self._labeled_pass = 0

    @property
    def unlabeled_dataloader(self) -> DataLoader:
        """The dataloader an epoch passes over once (``self.dataloader``)."""
        return self.dataloader

    @property
    def total_batch_size(self) -> int:
        """Samples per iteration on one process: labeled + unlabeled."""
        return (_batch_size(self.labeled_dataloader) +
                _batch_size(self.unlabeled_dataloader))

    @property
    def labeled_passes_per_epoch(self) -> int:
        """How many (partial) passes over the labeled set an epoch needs."""
        return math.ceil(len(self.dataloader) / len(self.labeled_dataloader))

    def run_epoch(self) -> None:
        """Iterate one epoch: one pass over the unlabeled set."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        _set_sampler_epoch(self.dataloader, self._epoch)
        self._labeled_pass = 0
        self._labeled_iterator = self._start_labeled_pass()
        for idx, unlabeled_batch in enumerate(self.dataloader):
            data_batch = dict(
                labeled=self._next_labeled_batch(), unlabeled=unlabeled_batch)
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _start_labeled_pass(self):
        _set_sampler_epoch(
            self.labeled_dataloader,
            self._epoch * self.labeled_passes_per_epoch + self._labeled_pass)
        return iter(self.labeled_dataloader)

    def _next_labeled_batch(self):
        try:
            return next(self._labeled_iterator)
        except StopIteration:
            self._labeled_pass += 1
            self._labeled_iterator = self._start_labeled_pass()
            return next(self._labeled_iterator)


def _split_dataloader_cfg(dataloader) -> Tuple:
    if not (isinstance(dataloader, dict)
            and set(BATCH_PARTS) <= set(dataloader)):
        got = (
            sorted(dataloader)
            if isinstance(dataloader, dict) else type(dataloader).__name__)
        raise ValueError(
            'SemiSupervisedEpochBasedTrainLoop needs train_dataloader = '
            'dict(labeled=<dataloader cfg>, unlabeled=<dataloader cfg>), got '
            f'{got}')
    extra = sorted(set(dataloader) - set(BATCH_PARTS))
    if extra:
        raise ValueError(
            'SemiSupervisedEpochBasedTrainLoop: train_dataloader may only '
            f'have the keys {list(BATCH_PARTS)}, got also {extra} '
            '(use _delete_=True when inheriting a stock train_dataloader)')
    return dataloader['labeled'], dataloader['unlabeled']


def _expose_total_batch_size(runner, dataloader_cfg, total: int) -> None:
    """Give ``runner._train_dataloader`` (the two-part config this loop was
    built from) the per-process total batch size under ``batch_size``.

    mmengine's ``Runner.train`` builds the train loop, then calls
    ``scale_lr``, which reads ``runner._train_dataloader['batch_size']``
    for a dict; nothing else reads that config once the loop exists. A
    copy is installed, so the caller's config is not changed.
    """
    if getattr(runner, '_train_dataloader', None) is not dataloader_cfg:
        return  # built some other way; leave the runner alone
    if isinstance(dataloader_cfg, dict):
        runner._train_dataloader = dict(dataloader_cfg, batch_size=total)


def _batch_size(dataloader: DataLoader) -> int:
    """A dataloader's batch size, also when a batch sampler sets it."""
    if dataloader.batch_size is not None:
        return dataloader.batch_size
    return dataloader.batch_sampler.batch_size


def _check_not_empty(dataloader: DataLoader, part: str) -> None:
    dataset = getattr(dataloader, 'dataset', None)
    where = ''
    ann_file = getattr(dataset, 'ann_file', None)
    if ann_file:
        where = f' (ann_file={ann_file})'
    if dataset is not None and len(dataset) == 0:
        raise ValueError(f'The {part} training set is empty{where}; '
                         f'SemiSupervisedEpochBasedTrainLoop needs at least '
                         f'one {part} sample')
    if len(dataloader) == 0:
        raise ValueError(
            f'The {part} training dataloader yields no batch{where}: '
            f'{len(dataset) if dataset is not None else "?"} samples with '
            f'batch_size={dataloader.batch_size} and drop_last; lower the '
            f'{part} batch size')


def _set_sampler_epoch(dataloader: DataLoader, epoch: int) -> None:
    """Set the shuffling epoch of the dataloader's sampler, wherever it is
    (as mmengine's DistSamplerSeedHook looks for it)."""
    sampler = getattr(dataloader, 'sampler', None)
    if hasattr(sampler, 'set_epoch'):
        sampler.set_epoch(epoch)
        return
    batch_sampler = getattr(dataloader, 'batch_sampler', None)
    inner = getattr(batch_sampler, 'sampler', None)
    if hasattr(inner, 'set_epoch'):
        inner.set_epoch(epoch)
