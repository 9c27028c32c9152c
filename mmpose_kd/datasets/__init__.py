from . import synthetic, transforms  # noqa: F401
from . import ubody  # noqa: F401
from .annotation_checks import AnnotationFormatError  # noqa: F401
from .checked_coco import (CheckedAicDataset, CheckedCocoDataset,  # noqa: F401
                           CheckedCocoWholeBodyDataset, CheckedMpiiDataset,
                           CheckedUBody2dDataset)
