"""Config-file helpers."""
import os.path as osp

from mmengine.config import Config


def _base_entry_path(path: str) -> str:
    """The file mmengine reads for the ``_base_`` entry ``path``
    (``'pkg::dir/file.py'``).

    mmengine (0.10) has no public call for this: ``Config.fromfile`` takes
    ``pkg::`` paths only inside ``_base_``, and ``mmengine.hub.get_config``
    parses the whole config and pip-installs a missing package. So this
    borrows the private ``Config._get_cfg_path`` that ``_base_`` resolution
    itself uses (metafile lookup included), in this one place; a mmengine
    without it is a ``RuntimeError`` naming ``path``.
    """
    get_cfg_path = getattr(Config, '_get_cfg_path', None)
    if get_cfg_path is None:
        raise RuntimeError(
            f'Config {path!r}: this mmengine has no Config._get_cfg_path, '
            'which mmpose_kd uses to resolve pkg:: config paths; give the '
            'path of the file instead.')
    return get_cfg_path(path, '')[0]


def resolve_config_path(path: str) -> str:
    """``'mmpose::a/b.py'`` -> the file of the installed package that
    ``_base_ = ['mmpose::a/b.py']`` names (its ``.mim/configs/a/b.py``):
    mmengine's own resolution of ``pkg::`` config paths, which
    ``Config.fromfile`` applies to ``_base_`` entries but not to the file it
    is given. Other paths are returned unchanged. A missing file or package
    is a clear ``FileNotFoundError``."""
    if '::' in path:
        package, rel = path.split('::', 1)
        try:
            path = _base_entry_path(path)
        except FileNotFoundError:
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
