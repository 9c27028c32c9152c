"""Stop training on a NaN/Inf loss before it reaches the weights."""
from typing import Mapping, Optional

import torch
from mmengine.logging import MessageHub
from torch import Tensor


def check_finite_losses(losses: Mapping[str, Tensor],
                        owner: str,
                        iteration: Optional[int] = None) -> None:
    """Raise ``FloatingPointError`` if a loss term is NaN or Inf.

    Called before the optimizer step, so the weights never take a
    non-finite update and the last checkpoint on disk stays the last good
    one. The error names ``owner`` (the model class), the loss term and the
    iteration (1-based; the runner's, from the message hub, when
    ``iteration`` is not given). Only keys containing ``'loss'`` are losses,
    as in mmengine's ``parse_losses``.
    """
    terms = [
        (name, item) for name, value in losses.items() if 'loss' in name
        for item in (value if isinstance(value, (list, tuple)) else [value])
    ]
    if not terms:
        return
    # One reduction and one host sync per step; names only on failure.
    if torch.stack([item.detach().float().sum()
                    for _, item in terms]).isfinite().all():
        return
    bad = next(((name, item)
                for name, item in terms if not torch.isfinite(item).all()),
               None)
    if bad is None:  # the sum overflowed, every term is finite
        return
    name, item = bad
    if iteration is None:
        iteration = MessageHub.get_current_instance().get_info('iter')
    where = (f'iteration {iteration + 1}'
             if iteration is not None else 'this iteration')
    raise FloatingPointError(
        f'{owner}: loss term `{name}` is '
        f'{item.detach().float().mean().item()} at {where}; '
        'stopping before the optimizer step (the last saved '
        'checkpoint is the last good one).')
