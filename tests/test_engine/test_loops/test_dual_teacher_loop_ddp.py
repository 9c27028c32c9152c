"""Two CPU processes (gloo): the loop and both update schemes under DDP.
Each rank gets its own share of the unlabeled set, and the networks stay
identical across ranks."""
import importlib.util
import os
import os.path as osp
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

_HERE = osp.dirname(osp.abspath(__file__))
WORLD_SIZE = 2


def _load_testing():
    spec = importlib.util.spec_from_file_location(
        'sspcm_testing', osp.join(_HERE, '..', '..', 'sspcm_testing.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank, port, data_root, work_dir, scheme, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(WORLD_SIZE))
    torch.set_num_threads(1)
    # mmengine's pytorch launcher calls torch.cuda.set_device; on a CPU
    # machine start the process group ourselves (the Runner then skips it).
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    from mmengine.config import Config
    from mmengine.hooks import Hook

    import mmpose_kd  # noqa: F401
    testing = _load_testing()
    cfg = Config.fromfile(
        osp.join(testing.CONFIG_DIR,
                 f'sspcm_synthetic_tiny-resnet_{scheme}.py'))
    testing.point_config_at(cfg, data_root, work_dir, max_epochs=2,
                            labeled_bs=2, unlabeled_bs=2, drop_last=False)
    testing.shrink_input(cfg)
    cfg.launcher = 'pytorch'
    wrapper = ('MMSeparateDistributedDataParallel'
               if scheme == 'separate' else 'MMDistributedDataParallel')
    cfg.model_wrapper_cfg = dict(type=wrapper, device_ids=None)

    class SeenIds(Hook):

        def __init__(self):
            self.ids = []

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            self.ids += [s.id for s in data_batch['unlabeled']['data_samples']]

    seen = SeenIds()
    runner = testing.build_runner(cfg)
    runner.register_hook(seen)
    runner.train()
    model = runner.model.module if hasattr(runner.model, 'module') \
        else runner.model
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(dict(state=state, seen=seen.ids, iters=runner.iter,
                    snapshot=model.snapshots is not None),
               osp.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return _load_testing().make_synthetic_data(
        tmp_path_factory.mktemp('synthetic'))


@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_two_process_training(scheme, data_root, tmp_path):
    mp.spawn(_worker, args=(_free_port(), data_root, str(tmp_path / 'work'),
                            scheme, str(tmp_path)),
             nprocs=WORLD_SIZE, join=True)
    results = [torch.load(str(tmp_path / f'rank{r}.pt'), weights_only=False)
               for r in range(WORLD_SIZE)]
    # 9 unlabeled people, 2 ranks x batch 2: ceil(ceil(9 / 2) / 2) = 3 iters
    assert [r['iters'] for r in results] == [6, 6]
    assert all(r['snapshot'] for r in results)
    # the ranks share the unlabeled epoch instead of repeating it
    first_epoch = [set(r['seen'][:len(r['seen']) // 2]) for r in results]
    assert len(first_epoch[0] | first_epoch[1]) == 9
    # gradients were synchronised: identical weights everywhere (BN
    # statistics too, through SyncBuffersHook at the epoch end)
    state0, state1 = results[0]['state'], results[1]['state']
    assert state0.keys() == state1.keys()
    for key in state0:
        assert torch.allclose(state0[key].float(), state1[key].float(),
                              atol=1e-6), key
