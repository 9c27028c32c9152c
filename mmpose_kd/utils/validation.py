"""Argument checks shared by the package's constructors."""
from typing import Any, Sequence


def check_choice(value: Any, choices: Sequence, what: str) -> None:
    """Raise ValueError ``"<what> must be 'a' or 'b', got <value>"`` unless
    ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{what} must be {' or '.join(map(repr, choices))}, "
                         f'got {value!r}')
