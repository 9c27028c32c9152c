from .feature_distill import FeatureDistillLoss  # noqa: F401
from .logit_distill import HeatmapLogitDistillLoss, SimCCLogitDistillLoss  # noqa: F401,E501
from .consistency import MaskedHeatmapMSELoss  # noqa: F401
