from .dwpose_distiller import DWPoseTwoStageDistiller  # noqa: F401
from .frozen import FrozenModule  # noqa: F401
