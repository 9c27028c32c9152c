"""What tools/train.py and tools/test.py share: runtime defaults that make a
stock mmpose config work with mmpose_kd on any machine, distributed start-up
without an accelerator, and runner building."""
import datetime
import os
import re
import shutil
import subprocess
from typing import Dict, Mapping, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.runner import Runner

from mmpose_kd.engine.hooks.atomic_checkpoint_hook import \
    use_atomic_checkpoint_hook
from mmpose_kd.engine.hooks.random_state_hook import RandomStateHook

#: torch.distributed's default rendezvous port (mmengine uses it too).
DEFAULT_MASTER_PORT = '29500'


def apply_runtime_defaults(cfg: Config) -> Config:
    """Import mmpose_kd in the run and pick a backend the machine has.

    * ``custom_imports`` gains ``mmpose_kd`` so spawned dataloader workers and
      every rank register our modules, whatever the config says.
    * NCCL needs CUDA; without it the process group uses ``gloo``.
    * Resume that loses nothing (docs/reliability.md): mmengine's
      ``CheckpointHook`` becomes ``AtomicCheckpointHook`` (same arguments)
      and ``RandomStateHook`` is added unless the config has it.
    """
    imports = dict(cfg.get('custom_imports', None) or {})
    names = list(imports.get('imports', []))
    if 'mmpose_kd' not in names:
        names.append('mmpose_kd')
    cfg.custom_imports = dict(
        imports,
        imports=names,
        allow_failed_imports=imports.get('allow_failed_imports', False))
    if not torch.cuda.is_available():
        env_cfg = cfg.setdefault('env_cfg', {})
        dist_cfg = env_cfg.setdefault('dist_cfg', {})
        dist_cfg['backend'] = 'gloo'
    use_atomic_checkpoint_hook(cfg)
    hooks = list(cfg.get('custom_hooks', None) or [])
    if not any(
            h.get('type') in ('RandomStateHook', RandomStateHook)
            for h in hooks):
        cfg.custom_hooks = hooks + [dict(type='RandomStateHook')]
    return cfg


def _first_slurm_host(node_list: str) -> str:
    """The first host of a SLURM node list (``node[01-04],gpu7``).

    ``scontrol show hostname`` expands it when it is on PATH; without it only
    a plain single host name can be read.
    """
    if shutil.which('scontrol'):
        result = subprocess.run(['scontrol', 'show', 'hostname', node_list],
                                capture_output=True,
                                text=True)
        hosts = result.stdout.split()
        if result.returncode == 0 and hosts:
            return hosts[0]
        raise RuntimeError(
            f'`scontrol show hostname {node_list}` failed '
            f'({result.stderr.strip() or "no output"}); set MASTER_ADDR.')
    if re.fullmatch(r'[\w.-]+', node_list):
        return node_list
    raise RuntimeError(
        f'MASTER_ADDR is not set and `scontrol` is not on PATH to expand '
        f'SLURM_NODELIST={node_list!r}; set MASTER_ADDR to its first host.')


def slurm_dist_env(environ: Mapping[str, str]) -> Dict[str, str]:
    """torch.distributed's ``env://`` variables from SLURM's, what mmengine's
    ``init_dist('slurm')`` derives, without its CUDA calls.

    ``SLURM_PROCID`` -> ``RANK``, ``SLURM_NTASKS`` -> ``WORLD_SIZE``,
    ``SLURM_LOCALID`` -> ``LOCAL_RANK``; ``MASTER_ADDR`` is kept when set,
    else the first host of ``SLURM_NODELIST``; ``MASTER_PORT`` is kept when
    set, else 29500.

    Raises:
        KeyError: a needed variable is missing (the message names it).
    """

    def need(name: str, why: str = '') -> str:
        if name not in environ:
            raise KeyError(f'--launcher slurm: the environment variable '
                           f'{name} is not set{why}; run under srun (see '
                           f'tools/slurm_train.sh).')
        return environ[name]

    env = dict(
        RANK=str(int(need('SLURM_PROCID'))),
        WORLD_SIZE=str(int(need('SLURM_NTASKS'))),
        LOCAL_RANK=str(int(need('SLURM_LOCALID'))))
    if environ.get('MASTER_ADDR'):
        env['MASTER_ADDR'] = environ['MASTER_ADDR']
    else:
        env['MASTER_ADDR'] = _first_slurm_host(
            need('SLURM_NODELIST', ' (nor MASTER_ADDR)'))
    env['MASTER_PORT'] = environ.get('MASTER_PORT') or DEFAULT_MASTER_PORT
    return env


def mpi_dist_env(environ: Mapping[str, str]) -> Dict[str, str]:
    """The same for Open MPI (``mpirun``): ``OMPI_COMM_WORLD_{RANK,SIZE,
    LOCAL_RANK}``; ``MASTER_ADDR`` must be set, ``MASTER_PORT`` defaults to
    29500."""
    names = ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
             'OMPI_COMM_WORLD_LOCAL_RANK', 'MASTER_ADDR')
    missing = [name for name in names if not environ.get(name)]
    if missing:
        raise KeyError(f'--launcher mpi: the environment variable '
                       f'{missing[0]} is not set.')
    return dict(
        RANK=environ['OMPI_COMM_WORLD_RANK'],
        WORLD_SIZE=environ['OMPI_COMM_WORLD_SIZE'],
        LOCAL_RANK=environ['OMPI_COMM_WORLD_LOCAL_RANK'],
        MASTER_ADDR=environ['MASTER_ADDR'],
        MASTER_PORT=environ.get('MASTER_PORT') or DEFAULT_MASTER_PORT)


def init_dist_without_accelerator(cfg: Config) -> bool:
    """Start the process group of a ``--launcher pytorch|slurm|mpi`` run on
    a machine without CUDA (or NPU/MLU/MUSA); return whether it did.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device(local_rank)`` for
    every launcher (and the slurm one falls back to
    ``torch.cuda.device_count()``), which raises without an NVIDIA driver.
    So here, before the Runner is built, the ``env://`` variables are set
    (translated from SLURM's or Open MPI's when needed) and the group is
    initialised with ``env_cfg.dist_cfg`` (``gloo``, see
    :func:`apply_runtime_defaults`); the Runner then finds a process group
    and skips ``init_dist``. The DDP wrapper gets ``device_ids=None`` (a CPU
    module rejects ``device_ids=[LOCAL_RANK]``), also when the caller has
    started the group already.

    With an accelerator, or ``launcher='none'``, nothing changes: mmengine's
    own path runs.
    """
    launcher = cfg.get('launcher', 'none') or 'none'
    if launcher == 'none' or get_device() not in ('cpu', 'mps'):
        return False
    _cpu_model_wrapper(cfg)
    if torch_dist.is_available() and torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        os.environ.update(slurm_dist_env(os.environ))
    elif launcher == 'mpi':
        os.environ.update(mpi_dist_env(os.environ))
    elif launcher != 'pytorch':
        raise ValueError(f'Invalid launcher type: {launcher}')
    for name in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if name not in os.environ:
            raise KeyError(f'--launcher {launcher}: the environment variable '
                           f'{name} is not set; start the processes with '
                           f'torchrun (tools/dist_train.sh).')
    dist_cfg = dict(cfg.get('env_cfg', {}).get('dist_cfg', {}))
    backend = dist_cfg.pop('backend', 'gloo')
    timeout: Optional[float] = dist_cfg.pop('timeout', None)
    if timeout is not None:
        dist_cfg['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(
        backend=backend,
        init_method='env://',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **dist_cfg)
    return True


def _cpu_model_wrapper(cfg: Config) -> None:
    """``device_ids=None`` for a DDP wrapper of a CPU model: mmengine passes
    ``[LOCAL_RANK]`` to every ``DistributedDataParallel`` subclass
    (``MMSeparateDistributedDataParallel`` included, which hands it to the
    DDP of each submodule), and DDP refuses it for a CPU module. A config's
    own ``device_ids`` stays."""
    from mmengine.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel
    wrapper = cfg.get('model_wrapper_cfg', None)
    if wrapper is None:
        # what Runner.wrap_model builds when the config has no wrapper
        wrapper = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper = dict(wrapper)
    wrapper_type = MODEL_WRAPPERS.get(
        wrapper.get('type', 'MMDistributedDataParallel'))
    if isinstance(wrapper_type, type) and issubclass(wrapper_type,
                                                     DistributedDataParallel):
        wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper


def build_runner(cfg: Config) -> Runner:
    """Build the runner the config asks for (``runner_type``) or a Runner,
    after :func:`init_dist_without_accelerator`."""
    from mmpose.registry import RUNNERS

    import mmpose_kd  # noqa: F401  (registers modules before building)
    init_dist_without_accelerator(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def close_process_group() -> None:
    """Tear the process group down before the interpreter exits.

    mmengine leaves it open; gloo's threads then sometimes meet the
    interpreter's shutdown and abort the rank ("terminate called without an
    active exception", SIGABRT) after the work is done, so the launcher
    reports a failure. Measured in CI under load on ``tools/dist_test.sh``.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
