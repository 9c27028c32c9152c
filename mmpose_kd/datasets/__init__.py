from . import synthetic, transforms  # noqa: F401
from . import ubody  # noqa: F401
