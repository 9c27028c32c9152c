"""Running a network's BatchNorm layers on batch statistics without changing
their running statistics."""
import contextlib

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextlib.contextmanager
def frozen_bn_statistics(module: nn.Module):
    """Run BatchNorm layers in training mode (batch statistics) without
    updating their running statistics, then restore them as they were."""
    layers = [
        m for m in module.modules()
        if isinstance(m, _BatchNorm) and m.training and m.track_running_stats
    ]
    saved = [(m.momentum, m.num_batches_tracked.clone()) for m in layers]
    for layer in layers:
        layer.momentum = 0.  # running = (1 - 0) * running + 0 * batch
    try:
        yield
    finally:
        for layer, (momentum, count) in zip(layers, saved):
            layer.momentum = momentum
            layer.num_batches_tracked.copy_(count)
