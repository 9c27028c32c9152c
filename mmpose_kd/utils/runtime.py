"""What tools/train.py and tools/test.py share: runtime defaults that make a
stock mmpose config work with mmpose_kd on any machine, and runner building."""
import torch
from mmengine.config import Config
from mmengine.runner import Runner


def apply_runtime_defaults(cfg: Config) -> Config:
    """Import mmpose_kd in the run and pick a backend the machine has.

    * ``custom_imports`` gains ``mmpose_kd`` so spawned dataloader workers and
      every rank register our modules, whatever the config says.
    * NCCL needs CUDA; without it the process group uses ``gloo``.
    """
    imports = dict(cfg.get('custom_imports', None) or {})
    names = list(imports.get('imports', []))
    if 'mmpose_kd' not in names:
        names.append('mmpose_kd')
    cfg.custom_imports = dict(imports, imports=names,
                              allow_failed_imports=imports.get(
                                  'allow_failed_imports', False))
    if not torch.cuda.is_available():
        env_cfg = cfg.setdefault('env_cfg', {})
        dist_cfg = env_cfg.setdefault('dist_cfg', {})
        dist_cfg['backend'] = 'gloo'
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build the runner the config asks for (``runner_type``) or a Runner."""
    import mmpose_kd  # noqa: F401  (registers modules before building)
    from mmpose.registry import RUNNERS
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
