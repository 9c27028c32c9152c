"""Config-file helpers."""
import os.path as osp

from mmengine.config import Config


def resolve_config_path(path: str) -> str:
    """``'mmpose::a/b.py'`` -> the file of the installed package that
    ``_base_ = ['mmpose::a/b.py']`` names (its ``.mim/configs/a/b.py``):
    mmengine's own resolution of ``pkg::`` config paths, which
    ``Config.fromfile`` applies to ``_base_`` entries but not to the file it
    is given. Other paths are returned unchanged. A missing file or package
    is a clear ``FileNotFoundError``."""
    if '::' in path:
        package = path.split('::', 1)[0]
        try:
            path, _ = Config._get_cfg_path(path, '')
        except FileNotFoundError:
            rel = path.split('::', 1)[1]
            raise FileNotFoundError(
                f'Config file {path!r} does not exist (no {rel!r} in the '
                f'configs of the installed {package!r}).') from None
        except (ModuleNotFoundError, AssertionError, ValueError) as err:
            # not installed; not an OpenMMLab package mmengine knows; not
            # of the form ``pkg::dir/file.py``
            raise FileNotFoundError(
                f'Config {path!r}: package {package!r} is not installed or '
                f'mmengine cannot load its configs ({err}).') from None
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file {path!r} does not exist.')
    return path
