from . import synthetic, transforms  # noqa: F401
