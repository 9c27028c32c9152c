from .loading import CheckedLoadImage, ImageLoadError  # noqa: F401
from .ssco import SemiCutOcclude  # noqa: F401
