from . import distillers, losses, semi  # noqa: F401
