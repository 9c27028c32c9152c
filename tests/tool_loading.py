"""Import a script under tools/ as a module (tools/ is not a package)."""
import importlib.util
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(path: str, register: bool = False):
    """Load ``tools/<path>.py``, e.g. ``'split_semi'`` or
    ``'experiments/pcm_variants'``, as a module named after the file.

    ``register=True`` keeps one module object per process in
    ``sys.modules``: a multiprocessing pool pickles the tool's worker
    function by reference to it.
    """
    name = osp.basename(path)
    if register and name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, osp.join(ROOT, 'tools', f'{path}.py'))
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
