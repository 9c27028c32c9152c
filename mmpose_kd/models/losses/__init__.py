from .consistency import MaskedHeatmapMSELoss  # noqa: F401
from .feature_distill import FeatureDistillLoss  # noqa: F401
from .logit_distill import HeatmapLogitDistillLoss  # noqa: F401
from .logit_distill import SimCCLogitDistillLoss  # noqa: F401
