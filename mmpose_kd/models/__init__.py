from . import distillers, losses, semi  # noqa: F401
from .base import TrainableWrapper, TrainingProgress  # noqa: F401
from .frozen_module import FrozenModule  # noqa: F401
