from .dual_teacher_loop import SemiSupervisedEpochBasedTrainLoop  # noqa: F401
