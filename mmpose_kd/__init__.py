"""mmpose_kd: DWPose two-stage distillation and SSPCM semi-supervised training
as an MMPose 1.x plugin.

``import mmpose_kd`` (or ``custom_imports=dict(imports=['mmpose_kd'])`` in a
config) checks the OpenMMLab versions and registers every module of this
package into mmpose's own registries (``mmpose.registry``).
"""
import os

# albumentations (used by the stock RTMPose pipelines through mmpose's
# Albumentation step) asks the network for a newer release when it is
# imported unless this is set; training machines are often offline.
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from .utils.version_check import check_versions  # noqa: E402
from .version import __version__  # noqa: E402

check_versions()

# torch>=2.6 loads with weights_only=True; allow the few types mmengine
# checkpoints hold (numpy arrays, HistoryBuffer) so --resume works, without
# turning weights_only off. See mmpose_kd/utils/checkpoint.py.
from .utils.checkpoint import register_checkpoint_safe_globals  # noqa: E402

register_checkpoint_safe_globals()

# Registration happens on import of the submodules.
from . import datasets, engine, evaluation, models, utils  # noqa: E402,F401

__all__ = ['__version__']
