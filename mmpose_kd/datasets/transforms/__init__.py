from .clipped_bbox_transform import ClippedNormalBBoxTransform  # noqa: F401
from .loading import CheckedLoadImage, ImageLoadError  # noqa: F401
