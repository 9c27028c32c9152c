from .consistency import MaskedHeatmapMSELoss  # noqa: F401
