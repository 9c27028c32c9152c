from .wholebody_parts_metric import CocoWholeBodyPerPartMetric  # noqa: F401
