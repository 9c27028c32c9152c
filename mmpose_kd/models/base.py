"""The base of this project's trainable wrappers: a model that trains one or
more stock mmpose networks together and ships one of them."""
import copy
from typing import Dict, NamedTuple, Optional, Union

import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.model import BaseModel
from mmpose.registry import MODELS
from torch import Tensor

from mmpose_kd.utils.config import resolve_config_path
from .frozen_module import FrozenModule
from .loss_guard import check_finite_losses

#: A network given as a model config dict, a config file path (``pkg::``
#: allowed) or ``dict(config=<path>, overrides=<dict>)``.
ModelSpec = Union[dict, ConfigDict, str]

#: The hook that feeds :meth:`TrainableWrapper.set_training_progress`
#: (also registered as ``'DistillScheduleHook'``, the DWPose configs' name).
PROGRESS_HOOK = 'TrainingProgressHook'


def merge_overrides(base: dict, overrides: dict) -> dict:
    """Recursive dict merge (``overrides`` wins), as config inheritance."""
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_overrides(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def resolve_model_spec(spec: ModelSpec, what: str) -> ConfigDict:
    """A model config from one of:

    * a model config dict (``dict(type='TopdownPoseEstimator', ...)``);
    * a config file path whose ``model`` is taken, loaded by mmengine's
      ``Config.fromfile`` (a ``pkg::dir/file.py`` path names the installed
      package's config as ``_base_`` would, :func:`resolve_config_path`);
    * ``dict(config=<path>, overrides=<dict>)``: the file's ``model`` with
      ``overrides`` merged in, e.g. ``overrides=dict(backbone=dict(
      init_cfg=None))`` to drop a download of pre-trained weights.

    ``what`` names the spec in errors (e.g. ``'student'``).
    """
    overrides = None
    if isinstance(spec, dict) and 'config' in spec:
        unknown = set(spec) - {'config', 'overrides'}
        if unknown:
            raise ValueError(f'{what}: unknown keys {sorted(unknown)} beside '
                             '`config` (allowed: `overrides`).')
        overrides = spec.get('overrides')
        spec = spec['config']
    if isinstance(spec, str):
        cfg = Config.fromfile(resolve_config_path(spec))
        if 'model' not in cfg:
            raise ValueError(f'{what}: config file {spec!r} has no `model`.')
        spec = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') \
            else dict(cfg.model)
    if not isinstance(spec, dict):
        raise TypeError(f'{what} must be a model config dict or a config '
                        f'file path, got {type(spec).__name__}')
    spec = copy.deepcopy(dict(spec))
    if overrides:
        merge_overrides(spec, overrides)
    return ConfigDict(spec)


def drop_pretrained_init(cfg: ConfigDict) -> ConfigDict:
    """Remove ``init_cfg=Pretrained`` (a download at init) from a model
    config whose weights are about to be loaded from a checkpoint anyway."""
    cfg = copy.deepcopy(cfg)
    for part in ('backbone', 'neck', 'head'):
        sub = cfg.get(part)
        if isinstance(sub, dict) and isinstance(sub.get('init_cfg'), dict) \
                and sub['init_cfg'].get('type') == 'Pretrained':
            sub['init_cfg'] = None
    return cfg


class TrainingProgress(NamedTuple):
    """Where training is, as :class:`TrainingProgressHook` reports it
    before each iteration."""
    #: ``t``, 1-based, in the hook's unit (epochs or iterations)
    step: int
    #: ``t_max`` in the same unit
    max_steps: int
    #: the runner's global iteration, 0-based (``None`` outside a runner)
    iteration: Optional[int] = None


class TrainableWrapper(BaseModel):
    """Base of the trainable wrappers (:class:`DWPoseTwoStageDistiller`,
    DWPose, Yang et al., ICCV-W 2023, Sec. 3; SSPCM's estimator, Huang et
    al., CVPR 2023, Sec. 3): a model that trains stock mmpose networks
    together and ships one of them, the *deploy network*.

    It owns what they share:

    * **Network specs**: :meth:`resolve_model_spec` turns a dict, a config
      file (``mmpose::`` allowed) or ``dict(config=, overrides=)`` into a
      model config; a ``data_preprocessor`` dict is built from mmpose's
      registry whatever the caller's default scope.
    * **Frozen networks**: :meth:`hold_frozen` registers a
      :class:`FrozenModule` (outside the module tree: a teacher, snapshots;
      or in the tree: a frozen part of the shipped network). The base keeps
      them frozen through ``train()``, moves the outside ones with the
      model (``_apply``) and restores the inside ones after
      ``init_weights()``. :meth:`release_frozen` lets a held network be
      replaced (SSPCM's snapshots, renewed every epoch).
    * **Training progress**: :meth:`set_training_progress`, fed before every
      iteration by ``TrainingProgressHook`` (registered also as
      ``DistillScheduleHook``); read it with :attr:`training_progress` or
      :meth:`require_training_progress` (a clear error naming the hook).
    * **Finite losses**: :meth:`parse_losses` stops on a NaN/Inf loss term
      before the optimizer step, naming the term and the iteration.
    * **Deployment**: ``forward`` dispatches ``'loss'`` to :meth:`loss` and
      ``'predict'``/``'tensor'`` to :meth:`deploy_forward`, by default the
      :attr:`deploy_network`'s own forward; :attr:`deploy_prefix` (a class
      attribute) is where the deploy network's weights live in the
      wrapper's state dict: ``ExportStudentHook``,
      ``tools/export_student.py`` and :mod:`mmpose_kd.deploy` read it
      (:func:`mmpose_kd.utils.export.deploy_prefix`).

    A subclass provides:

    * ``deploy_prefix = '<attribute>.'`` (class attribute);
    * the :attr:`deploy_network` property (the shipped ``nn.Module``, e.g.
      ``self.student``);
    * :meth:`deploy_network_cfg` (classmethod): the shipped network's model
      config from the wrapper's config, for export without a built wrapper;
    * :meth:`loss` (``mode='loss'``); it may override ``train_step``,
      :meth:`deploy_forward` (e.g. to predict with an ensemble) and
      ``predict``.

    It calls ``super().__init__(data_preprocessor=..., init_cfg=...)``
    first, then builds its networks and registers frozen ones with
    :meth:`hold_frozen`.

    Args:
        data_preprocessor (dict | nn.Module, optional): built from mmpose's
            registry when a dict.
        init_cfg (dict, optional): initialisation config.
    """

    #: State-dict prefix of the deploy network (e.g. ``'student.'``).
    deploy_prefix: Optional[str] = None

    resolve_model_spec = staticmethod(resolve_model_spec)

    def __init__(self,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if isinstance(data_preprocessor, dict):
            # mmpose's registry, whatever the caller's default scope.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        # Plain attributes: neither is an nn.Module, so neither is a child.
        self._frozen_networks: Dict[str, FrozenModule] = {}
        self._training_progress: Optional[TrainingProgress] = None

    # ---------------------------------------------------------- frozen nets
    def hold_frozen(self,
                    name: str,
                    module: nn.Module,
                    in_tree: bool = False,
                    follow_train: bool = False) -> FrozenModule:
        """Freeze ``module`` and register its holder under ``name`` (see
        :class:`FrozenModule` for ``in_tree`` and ``follow_train``). An
        ``in_tree`` module must already be a descendant of this model."""
        if name in self._frozen_networks:
            raise KeyError(f'{type(self).__name__}: a frozen network '
                           f'{name!r} is already held')
        if in_tree and not any(m is module for m in self.modules()):
            raise ValueError(f'{type(self).__name__}: the in-tree frozen '
                             f'network {name!r} is not a submodule')
        holder = FrozenModule(
            module, in_tree=in_tree, follow_train=follow_train)
        self._frozen_networks[name] = holder
        return holder

    def frozen_network(self, name: str) -> nn.Module:
        """The frozen network held under ``name``."""
        return self._frozen_networks[name].module

    def holds_frozen(self, name: str) -> bool:
        """Whether a frozen network is held under ``name``."""
        return name in self._frozen_networks

    def release_frozen(self, name: str) -> Optional[nn.Module]:
        """Stop holding the network under ``name`` (to hold a new one there,
        e.g. SSPCM's next snapshot); returns it, or ``None`` when none was
        held. It stays frozen; an in-tree one stays in the tree."""
        holder = self._frozen_networks.pop(name, None)
        return None if holder is None else holder.module

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        for holder in getattr(self, '_frozen_networks', {}).values():
            holder.apply_(fn)  # networks outside the tree
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        # None while BaseModel.__init__ runs
        for holder in getattr(self, '_frozen_networks', {}).values():
            holder.set_train_mode(mode)
        return self

    def init_weights(self):
        super().init_weights()
        # init_weights re-initialises children: put frozen ones back.
        for holder in self._frozen_networks.values():
            holder.restore()

    # ------------------------------------------------------------- progress
    def set_training_progress(self,
                              step: int,
                              max_steps: int,
                              iteration: Optional[int] = None) -> None:
        """Record the training progress ``t`` (1-based) of ``t_max`` and the
        runner's global iteration (0-based; named in errors)."""
        if not 1 <= step <= max_steps:
            raise ValueError(f'progress {step}/{max_steps} out of range')
        self._training_progress = TrainingProgress(
            int(step), int(max_steps),
            None if iteration is None else int(iteration))

    @property
    def training_progress(self) -> Optional[TrainingProgress]:
        """The last :class:`TrainingProgress` set, or ``None``."""
        return self._training_progress

    def require_training_progress(self,
                                  what: str,
                                  how_to_avoid: str = '') -> TrainingProgress:
        """:attr:`training_progress`, or a ``RuntimeError`` saying that
        ``what`` needs it and naming the hook that feeds it."""
        if self._training_progress is None:
            raise RuntimeError(
                f'{type(self).__name__}: {what} needs the training progress; '
                f"add dict(type='{PROGRESS_HOOK}') (also registered as "
                "'DistillScheduleHook') to custom_hooks" +
                (f' ({how_to_avoid})' if how_to_avoid else '') + '.')
        return self._training_progress

    # --------------------------------------------------------------- losses
    def parse_losses(self, losses: Dict[str, Tensor]):
        """Stop on a NaN/Inf loss before the optimizer step can write it into
        the weights; the error names the iteration and the loss term. The
        last checkpoint on disk is then the last good one."""
        self.check_finite_losses(losses)
        return super().parse_losses(losses)

    def check_finite_losses(self, losses: Dict[str, Tensor]) -> None:
        """The check of :meth:`parse_losses` alone, for a subclass that
        steps an optimizer on a loss it does not parse (SSPCM's 'separate'
        scheme)."""
        progress = self._training_progress
        check_finite_losses(losses,
                            type(self).__name__,
                            None if progress is None else progress.iteration)

    # ----------------------------------------------------------- deployment
    @property
    def deploy_network(self) -> nn.Module:
        """The network that ships (its weights are under
        :attr:`deploy_prefix`)."""
        raise NotImplementedError(
            f'{type(self).__name__} must define the deploy_network property')

    @classmethod
    def deploy_network_cfg(cls, model_cfg: ConfigDict) -> ConfigDict:
        """The deploy network's model config, from this wrapper's
        ``model`` config (what :mod:`mmpose_kd.deploy` rebuilds)."""
        raise NotImplementedError(
            f'{cls.__name__} must define deploy_network_cfg')

    @classmethod
    def describe_deploy_network(cls, model_cfg: ConfigDict) -> str:
        """One line naming the deploy network, for export logs."""
        return f'{cls.__name__}: {cls.deploy_prefix!r}'

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode in ('predict', 'tensor'):
            return self.deploy_forward(inputs, data_samples, mode)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode.')

    def deploy_forward(self, inputs: Tensor, data_samples, mode: str):
        """``'predict'`` or ``'tensor'`` forward of the deploy network."""
        return self.deploy_network.forward(inputs, data_samples, mode=mode)

    def predict(self, inputs: Tensor, data_samples):
        return self.deploy_forward(inputs, data_samples, 'predict')

    def loss(self, inputs: Tensor, data_samples) -> dict:
        raise NotImplementedError(f'{type(self).__name__} must define loss')
