"""Distributed start-up without CUDA (mmpose_kd.utils.runtime): SLURM/MPI
variables -> torch.distributed's env://, their errors, and the gloo group
that the Runner then finds (one process; the two-process runs are in
tests/test_tools/test_dist_train.py)."""
import os
import socket
import stat

import pytest
import torch.distributed as dist
from mmengine.config import Config

from mmpose_kd.utils import runtime
from mmpose_kd.utils.runtime import (init_dist_without_accelerator,
                                     mpi_dist_env, slurm_dist_env)

SLURM = dict(
    SLURM_PROCID='3',
    SLURM_NTASKS='8',
    SLURM_LOCALID='1',
    SLURM_NODELIST='node[07-08]')
DIST_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')


@pytest.fixture
def no_scontrol(monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))  # an empty PATH dir


@pytest.fixture
def fake_scontrol(monkeypatch, tmp_path):
    """An `scontrol` on PATH that expands node[07-08] like SLURM's."""
    script = tmp_path / 'scontrol'
    script.write_text('#!/bin/sh\n'
                      '[ "$1 $2 $3" = "show hostname node[07-08]" ] '
                      '|| { echo "bad args: $*" >&2; exit 1; }\n'
                      'echo node07; echo node08\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')


def test_slurm_variables_translated(fake_scontrol):
    env = slurm_dist_env(SLURM)
    assert env == dict(
        RANK='3',
        WORLD_SIZE='8',
        LOCAL_RANK='1',
        MASTER_ADDR='node07',
        MASTER_PORT='29500')


def test_slurm_keeps_master_addr_and_port(no_scontrol):
    env = slurm_dist_env(
        dict(SLURM, MASTER_ADDR='10.0.0.5', MASTER_PORT='12345'))
    assert env['MASTER_ADDR'] == '10.0.0.5' and env['MASTER_PORT'] == '12345'


def test_slurm_single_host_without_scontrol(no_scontrol):
    env = slurm_dist_env(dict(SLURM, SLURM_NODELIST='gpu-node7.cluster'))
    assert env['MASTER_ADDR'] == 'gpu-node7.cluster'


def test_slurm_node_list_without_scontrol_is_clear_error(no_scontrol):
    with pytest.raises(RuntimeError, match=r'MASTER_ADDR.*scontrol.*node\['):
        slurm_dist_env(SLURM)


@pytest.mark.parametrize('missing',
                         ['SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID'])
def test_slurm_missing_variable_named(missing):
    environ = {k: v for k, v in SLURM.items() if k != missing}
    with pytest.raises(KeyError, match=missing):
        slurm_dist_env(dict(environ, MASTER_ADDR='127.0.0.1'))


def test_slurm_missing_node_list_and_master_addr_named():
    environ = {k: v for k, v in SLURM.items() if k != 'SLURM_NODELIST'}
    with pytest.raises(KeyError, match='SLURM_NODELIST.*MASTER_ADDR'):
        slurm_dist_env(environ)
    # with MASTER_ADDR the node list is not needed
    assert slurm_dist_env(dict(environ, MASTER_ADDR='h'))['MASTER_ADDR'] == 'h'


def test_slurm_failing_scontrol_is_clear_error(fake_scontrol):
    with pytest.raises(RuntimeError, match='scontrol show hostname other'):
        slurm_dist_env(dict(SLURM, SLURM_NODELIST='other'))


def test_mpi_variables_translated():
    ompi = dict(
        OMPI_COMM_WORLD_RANK='2',
        OMPI_COMM_WORLD_SIZE='4',
        OMPI_COMM_WORLD_LOCAL_RANK='0')
    assert mpi_dist_env(dict(ompi, MASTER_ADDR='h')) == dict(
        RANK='2',
        WORLD_SIZE='4',
        LOCAL_RANK='0',
        MASTER_ADDR='h',
        MASTER_PORT='29500')
    with pytest.raises(KeyError, match='MASTER_ADDR'):
        mpi_dist_env(ompi)


@pytest.fixture
def clean_dist_env(monkeypatch):
    """Restore the dist variables afterwards (the function under test sets
    them in os.environ) and start without any."""
    for name in DIST_VARS + tuple(SLURM):
        monkeypatch.setenv(name, 'x')  # recorded for restoring...
        monkeypatch.delenv(name)  # ...then absent
    yield monkeypatch
    if dist.is_initialized():
        dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def test_slurm_launcher_starts_gloo_group(clean_dist_env, no_scontrol):
    assert not dist.is_initialized()
    for name, value in dict(
            SLURM_PROCID='0',
            SLURM_NTASKS='1',
            SLURM_LOCALID='0',
            SLURM_NODELIST='localhost',
            MASTER_PORT=_free_port()).items():
        clean_dist_env.setenv(name, value)
    cfg = Config(
        dict(
            launcher='slurm',
            env_cfg=dict(dist_cfg=dict(backend='gloo', timeout=60))))
    assert init_dist_without_accelerator(cfg)
    assert dist.is_initialized() and dist.get_backend() == 'gloo'
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    assert os.environ['MASTER_ADDR'] == 'localhost'
    assert os.environ['LOCAL_RANK'] == '0'
    # the default DDP wrapper of a CPU model: no device_ids
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=False,
        device_ids=None)
    # a second call (group exists) changes nothing
    assert not init_dist_without_accelerator(cfg)


def test_pytorch_launcher_without_torchrun_variables(clean_dist_env):
    cfg = Config(dict(launcher='pytorch'))
    with pytest.raises(KeyError, match='RANK.*torchrun'):
        init_dist_without_accelerator(cfg)
    assert not dist.is_initialized()


def test_untouched_without_launcher_or_with_cuda(clean_dist_env):
    cfg = Config(dict(launcher='none'))
    assert not init_dist_without_accelerator(cfg)
    assert 'model_wrapper_cfg' not in cfg
    clean_dist_env.setattr(runtime, 'get_device', lambda: 'cuda')
    cfg = Config(dict(launcher='slurm'))  # no SLURM variables: not read
    assert not init_dist_without_accelerator(cfg)
    assert 'model_wrapper_cfg' not in cfg and not dist.is_initialized()


def test_model_wrapper_device_ids():
    separate = dict(type='MMSeparateDistributedDataParallel')
    explicit = dict(type='MMDistributedDataParallel', device_ids=[0])
    with pytest.MonkeyPatch.context() as mp:
        # as if the group were started: only the wrapper is looked at
        mp.setattr(runtime.torch_dist, 'is_initialized', lambda: True)
        cfg = Config(dict(launcher='pytorch', model_wrapper_cfg=separate))
        init_dist_without_accelerator(cfg)
        # a DDP subclass too: mmengine would pass device_ids=[LOCAL_RANK]
        # on to the DDP of each network
        assert cfg.model_wrapper_cfg == dict(separate, device_ids=None)
        cfg = Config(dict(launcher='pytorch', model_wrapper_cfg=explicit))
        init_dist_without_accelerator(cfg)
        assert cfg.model_wrapper_cfg == explicit  # the config's choice
        cfg = Config(dict(launcher='pytorch', find_unused_parameters=True))
        init_dist_without_accelerator(cfg)
        assert cfg.model_wrapper_cfg.find_unused_parameters is True
        assert cfg.model_wrapper_cfg.device_ids is None
