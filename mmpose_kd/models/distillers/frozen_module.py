"""Kept importable: :class:`FrozenModule` lives in
:mod:`mmpose_kd.models.frozen_module` (the one frozen-network holder of
the DWPose teacher, the stage-2 trunk and SSPCM's snapshots)."""
from ..frozen_module import FrozenModule  # noqa: F401

__all__ = ['FrozenModule']
