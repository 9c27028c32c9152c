from .dual_teacher_loop import SemiSupervisedEpochBasedTrainLoop  # noqa: F401
from .sspcm_val_loop import SSPCMTestLoop, SSPCMValLoop  # noqa: F401
