# The synthetic data generator (datasets/synthetic/) registers nothing and is
# imported only where it is used, so `import mmpose_kd` stays light.
from . import transforms  # noqa: F401
from . import ubody  # noqa: F401
from .annotation_checks import AnnotationFormatError  # noqa: F401
from .checked_coco import CheckedCocoWholeBodyDataset  # noqa: F401
from .checked_coco import CheckedMpiiDataset  # noqa: F401
from .checked_coco import CheckedUBody2dDataset  # noqa: F401
from .checked_coco import CheckedAicDataset, CheckedCocoDataset  # noqa: F401
