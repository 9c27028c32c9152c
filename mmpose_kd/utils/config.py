"""Config-file helpers."""
import os.path as osp

from mmengine.utils import get_installed_path


def resolve_config_path(path: str) -> str:
    """``'mmpose::a/b.py'`` -> the file inside the installed package's
    ``.mim/configs`` (what ``_base_ = ['mmpose::...']`` resolves to);
    other paths are returned unchanged. A missing file is a clear error."""
    if '::' in path:
        package, rel = path.split('::', 1)
        try:
            root = get_installed_path(package)
        except Exception:
            raise FileNotFoundError(
                f'Config {path!r}: package {package!r} is not installed.'
            ) from None
        path = osp.join(root, '.mim', 'configs', rel)
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file {path!r} does not exist.')
    return path
