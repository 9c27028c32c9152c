"""A frozen network kept outside its owner's module tree."""
import torch.nn as nn


class FrozenModule:
    """Holds a frozen ``nn.Module`` that its owner uses but does not own.

    Because the holder is not an ``nn.Module``, the wrapped network is not a
    child of the owner, so, by construction:

    * ``owner.train()`` (called by the runner every epoch) never reaches it:
      it stays in eval mode and its BN running statistics never change;
    * it is not in ``owner.parameters()`` (not in the optimizer), not in
      ``owner.state_dict()`` (not in checkpoints: it is reloaded from its
      own checkpoint), not seen by DDP (no gradient all-reduce, no buffer
      broadcast) nor by SyncBN conversion;
    * ``copy.deepcopy(owner)`` (mmengine's EMA) shares it instead of
      copying it, so the EMA model neither doubles its memory nor averages it.

    The owner must forward device/dtype moves (``_apply``) to it.
    """

    def __init__(self, module: nn.Module):
        module.eval()
        module.requires_grad_(False)
        self.module = module

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def __deepcopy__(self, memo):
        return self

    def apply_(self, fn):
        self.module._apply(fn)
        self.module.eval()
