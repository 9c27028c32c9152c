from .pcm import (PCMResult, correct_pseudo_labels,  # noqa: F401
                  correct_pseudo_labels_loop, heatmap_argmax)
from .warp import (sample_hard_affine, warp_heatmaps, warp_images,  # noqa: F401
                   warp_points)
from .semi_data_preprocessor import SemiPoseDataPreprocessor  # noqa: F401
from .sspcm import SSPCMPoseEstimator, export_sspcm_student  # noqa: F401
from .sspcm_optim_constructor import SSPCMOptimWrapperConstructor  # noqa: F401
