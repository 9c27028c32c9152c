from .dwpose_distiller import DWPoseTwoStageDistiller  # noqa: F401
from .frozen import FrozenModule  # noqa: F401
from .keypoint_map import (KEYPOINT_MAP_PRESETS, build_keypoint_map,  # noqa: F401
                           hand21_correspondence, keypoint_names)
