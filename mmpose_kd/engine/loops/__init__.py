from .semi_supervised_epoch_based_train_loop import \
    SemiSupervisedEpochBasedTrainLoop
from .sspcm_val_loop import SSPCMTestLoop, SSPCMValLoop

__all__ = [
    'SemiSupervisedEpochBasedTrainLoop', 'SSPCMTestLoop', 'SSPCMValLoop'
]
