"""The precision the frozen DWPose teacher runs in
(``DWPoseTwoStageDistiller(teacher_autocast=...)``)."""
import functools
from typing import Optional

import torch

#: ``teacher_autocast='auto'``: bf16 where the device computes it natively.
AUTO_AUTOCAST = 'auto'


@functools.lru_cache(maxsize=None)
def native_bf16(device_type: str) -> bool:
    """Whether the device computes bfloat16 natively (CUDA: Ampere or newer;
    CPU: AVX512-BF16 or AMX). Elsewhere bf16 is emulated and no faster.
    Cached: it is asked every training step."""
    if device_type == 'cuda':
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device_type == 'cpu':
        # torch exposes the CPU probes only as private helpers.
        probes = (getattr(torch.cpu, '_is_avx512_bf16_supported', None),
                  getattr(torch.cpu, '_is_amx_tile_supported', None))
        return any(probe is not None and probe() for probe in probes)
    return False


def check_autocast_setting(setting: Optional[str]) -> None:
    """Raise ValueError, at build time, for a ``teacher_autocast`` that is
    neither ``None``, ``'auto'`` nor a floating torch dtype name."""
    if setting not in (None, AUTO_AUTOCAST):
        _dtype(setting)


def resolve_autocast_dtype(setting: Optional[str],
                           device_type: str) -> Optional[torch.dtype]:
    """The dtype the teacher runs in under autocast, ``None`` for fp32."""
    if setting is None:
        return None
    if setting == AUTO_AUTOCAST:
        return torch.bfloat16 if native_bf16(device_type) else None
    return _dtype(setting)


def _dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, str(name), None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(
            f"DWPoseTwoStageDistiller: teacher_autocast must be None, 'auto' "
            f"or a floating torch dtype name such as 'bfloat16', got "
            f'{name!r}')
    return dtype
