from .dwpose_distiller import DWPoseTwoStageDistiller  # noqa: F401
from .frozen_module import FrozenModule  # noqa: F401
from .keypoint_map import KEYPOINT_MAP_PRESETS  # noqa: F401
from .keypoint_map import build_keypoint_map  # noqa: F401
from .keypoint_map import hand21_correspondence, keypoint_names  # noqa: F401
