"""Validation and test loops that score several SSPCM networks in one pass
over the data, each with its own copy of the configured evaluator."""
import copy
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop, autocast
from mmpose.registry import LOOPS
from torch.utils.data import DataLoader

from mmpose_kd.models.semi.sspcm_config import PREDICTABLE

#: Scored by default: both teachers, their ensemble and the student, as the
#: paper's ``validate`` (hlz0606/SSPCM lib/core/function.py) reports them.
DEFAULT_NETWORKS = ('A', 'B', 'AB', 'C')


class _MultiNetworkEvaluation:
    """What :class:`SSPCMValLoop` and :class:`SSPCMTestLoop` share.

    One evaluator per network, each built from the loop's evaluator config
    (or a deep copy of a built ``Evaluator``), so any mmpose metric works
    (``CocoMetric``, ``PCKAccuracy``, ``MpiiPCKAccuracy``, several metrics
    in a list...). A metric that writes files (``outfile_prefix``,
    ``out_file_path``) gets the network name in it, so the networks' files
    do not overwrite each other. Metrics come back as
    ``'<network>/<metric>'``, e.g. ``'A/coco/AP'``, ``'AB/coco/AP'``,
    ``'C/PCK'``, as mmdet's ``TeacherStudentValLoop`` prefixes
    ``'teacher/'`` and ``'student/'``.
    """

    #: 'val' or 'test': which hooks the loop calls.
    _stage = 'val'

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 networks: Sequence[str] = DEFAULT_NETWORKS,
                 fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16)
        self._init_networks(evaluator, networks)

    def run(self) -> dict:
        """Score every network; returns the prefixed metrics."""
        return self._run_all()

    def _init_networks(self, evaluator_cfg, networks: Sequence[str]) -> None:
        if isinstance(networks, str):
            networks = (networks, )
        networks = tuple(networks)
        unknown = [key for key in networks if key not in PREDICTABLE]
        if not networks or unknown or len(set(networks)) != len(networks):
            raise ValueError(
                f'{type(self).__name__}: networks must be distinct names '
                f'among {list(PREDICTABLE)}, got {list(networks)}')
        model = _unwrap(self.runner.model)
        self.networks: Optional[Tuple[str, ...]] = networks
        if not hasattr(model, 'predict_networks'):
            # A single-network model (e.g. a supervised baseline config
            # that inherits this loop): score it as mmengine's loop does.
            print_log(
                f'{type(self).__name__}: {type(model).__name__} has no '
                f'networks {list(networks)}; scoring the model itself, '
                'metrics without a network prefix',
                logger='current',
                level=logging.WARNING)
            self.networks = None
            self.evaluators = {}
            return
        self.evaluators: Dict[str, Evaluator] = {}
        for key in networks:
            evaluator = (
                self.evaluator if key == networks[0] else _build_evaluator(
                    self.runner, evaluator_cfg))
            _suffix_outfiles(evaluator, key)
            if self.evaluator.dataset_meta is not None:
                evaluator.dataset_meta = self.evaluator.dataset_meta
            self.evaluators[key] = evaluator

    @property
    def primary_network(self) -> Optional[str]:
        """The network whose outputs the ``after_*_iter`` hooks see (e.g.
        mmpose's ``PoseVisualizationHook``): the model's
        ``semi_test_cfg.predict_on`` if it is scored, else the first."""
        if self.networks is None:
            return None
        model = _unwrap(self.runner.model)
        predict_on = getattr(model, 'semi_test_cfg', {}).get('predict_on')
        return predict_on if predict_on in self.networks else \
            self.networks[0]

    def _run_all(self) -> dict:
        stage = self._stage
        self.runner.call_hook(f'before_{stage}')
        self.runner.call_hook(f'before_{stage}_epoch')
        self.runner.model.eval()
        for idx, data_batch in enumerate(self.dataloader):
            self._run_batch(idx, data_batch)
        metrics = self._evaluate_all(len(self.dataloader.dataset))
        self.runner.call_hook(f'after_{stage}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{stage}')
        return metrics

    @torch.no_grad()
    def _run_batch(self, idx: int, data_batch) -> None:
        stage = self._stage
        self.runner.call_hook(
            f'before_{stage}_iter', batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            if self.networks is None:
                outputs = (
                    self.runner.model.val_step(data_batch) if stage == 'val'
                    else self.runner.model.test_step(data_batch))
                self.evaluator.process(
                    data_samples=outputs, data_batch=data_batch)
            else:
                model = _unwrap(self.runner.model)
                data = model.data_preprocessor(data_batch, False)
                per_network = model.predict_networks(data['inputs'],
                                                     data['data_samples'],
                                                     self.networks)
                for key, evaluator in self.evaluators.items():
                    evaluator.process(
                        data_samples=per_network[key], data_batch=data_batch)
                outputs = per_network[self.primary_network]
        self.runner.call_hook(
            f'after_{stage}_iter',
            batch_idx=idx,
            data_batch=data_batch,
            outputs=outputs)

    def _evaluate_all(self, size: int) -> dict:
        if self.networks is None:
            return self.evaluator.evaluate(size)
        metrics = {}
        for key, evaluator in self.evaluators.items():
            for name, value in evaluator.evaluate(size).items():
                metrics[f'{key}/{name}'] = value
        return metrics


@LOOPS.register_module()
class SSPCMValLoop(_MultiNetworkEvaluation, ValLoop):
    """Validate networks A, B, their ensemble A+B and C of an
    ``SSPCMPoseEstimator`` in one pass over the validation set (SSPCM,
    Huang et al., CVPR 2023, Sec. 4: the paper reports the teachers and the
    student; its code's ``validate`` scores A, B, the mean of A's and B's
    heatmaps, and C every time, and keeps the checkpoint that is best for
    A).

    Every batch is loaded and preprocessed once; each network predicts it
    (A's and B's heatmaps are reused for the ensemble) and its predictions
    go to its own copy of the configured evaluator. Metrics are
    ``'<network>/<metric>'``: ``'A/coco/AP'``, ``'AB/coco/AP'``,
    ``'C/PCK'``... Choose the best checkpoint with the checkpoint hook's
    ``save_best``, e.g. ``'A/coco/AP'`` (the paper's code) or
    ``'C/coco/AP'`` (the network that ships).

    ``networks=('C',)`` scores C alone (metrics ``'C/...'``). A model
    without ``predict_networks`` (a single-network config) is scored as by
    mmengine's ``ValLoop``, metrics unprefixed, with a warning.

    Use :class:`SSPCMTestLoop` as ``test_cfg``: this class calls the
    ``*_val_*`` hooks (the checkpoint hook saves best checkpoints there).

    Args:
        runner: the runner.
        dataloader: the validation dataloader (config or built).
        evaluator: the evaluator config (dict or list) or an ``Evaluator``.
        networks: which of 'A', 'B', 'AB', 'C' to score, in this order.
        fp16: run the networks under autocast.
    """

    _stage = 'val'


@LOOPS.register_module()
class SSPCMTestLoop(_MultiNetworkEvaluation, TestLoop):
    """:class:`SSPCMValLoop` for testing (``tools/test.py``): the same
    multi-network scoring, calling the ``*_test_*`` hooks.

    Args: as :class:`SSPCMValLoop`.
    """

    _stage = 'test'


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def _build_evaluator(runner, evaluator_cfg) -> Evaluator:
    if isinstance(evaluator_cfg, Evaluator):
        return copy.deepcopy(evaluator_cfg)
    return runner.build_evaluator(copy.deepcopy(evaluator_cfg))


def _suffix_outfiles(evaluator: Evaluator, network: str) -> None:
    """Metrics that write files get the network in the name, so the
    networks' files do not overwrite each other: ``outfile_prefix``
    (``CocoMetric``) gets ``.<network>`` appended, ``out_file_path``
    (mmengine's ``DumpResults``, what ``tools/test.py --out`` adds) gets it
    before the extension (``preds.pkl`` -> ``preds.C.pkl``)."""
    for metric in evaluator.metrics:
        prefix = getattr(metric, 'outfile_prefix', None)
        if prefix:
            metric.outfile_prefix = f'{prefix}.{network}'
        path = getattr(metric, 'out_file_path', None)
        if path:
            root, ext = osp.splitext(path)
            metric.out_file_path = f'{root}.{network}{ext}'


__all__ = ['SSPCMValLoop', 'SSPCMTestLoop', 'DEFAULT_NETWORKS']
