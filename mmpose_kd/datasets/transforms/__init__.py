from .ssco import SemiCutOcclude  # noqa: F401
