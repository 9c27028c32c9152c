from .feature_distill import FeatureDistillLoss  # noqa: F401
from .logit_distill import HeatmapLogitDistillLoss  # noqa: F401
from .logit_distill import SimCCLogitDistillLoss  # noqa: F401
from .masked_heatmap_mse_loss import MaskedHeatmapMSELoss  # noqa: F401
