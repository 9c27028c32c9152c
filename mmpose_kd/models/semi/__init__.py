from .pcm import correct_pseudo_labels_loop  # noqa: F401
from .pcm import heatmap_argmax  # noqa: F401
from .pcm import PCMResult, correct_pseudo_labels  # noqa: F401
from .semi_cut_occlude import SemiCutOcclude  # noqa: F401
from .semi_data_preprocessor import SemiPoseDataPreprocessor  # noqa: F401
from .sspcm import SSPCMPoseEstimator  # noqa: F401
from .sspcm_export import export_sspcm_student  # noqa: F401
from .sspcm_optim_constructor import SSPCMOptimWrapperConstructor  # noqa: F401
from .warp import warp_images  # noqa: F401
from .warp import warp_points  # noqa: F401
from .warp import sample_hard_affine, warp_heatmaps  # noqa: F401
