"""The one way this project holds a frozen network."""
import copy
from typing import Dict, Optional

import torch.nn as nn
from torch import Tensor


class FrozenModule:
    """Holds a frozen ``nn.Module``: no gradients, eval mode (unless it
    follows the owner's mode), one of two placements.

    ``in_tree=False`` (default; the DWPose teacher, Sec. 3.1, and stage-2
    teacher head, Sec. 3.2; SSPCM's previous-epoch snapshots A', B' of the
    PCM, Sec. 3.2): the network is *not* in its owner's module
    tree. Because the holder is not an ``nn.Module``, by construction:

    * ``owner.train()`` (called by the runner every epoch) never reaches it:
      it stays in eval mode and its BN running statistics never change;
    * it is not in ``owner.parameters()`` (not in the optimizer), not in
      ``owner.state_dict()`` (not in checkpoints: it is reloaded from its
      own checkpoint), not seen by DDP (no gradient all-reduce, no buffer
      broadcast) nor by SyncBN conversion;
    * ``copy.deepcopy(owner)`` (mmengine's EMA) shares it instead of
      copying it, so the EMA model neither doubles its memory nor averages
      it.

    The owner forwards device/dtype moves to it (:meth:`apply_`).

    ``in_tree=True`` (the DWPose stage-2 trunk, Sec. 3.2): the network is
    (part of) a child of its owner and stays there, so it keeps its
    state-dict keys, is saved in checkpoints and exported with the rest of
    the shipped network.
    The holder freezes it (``requires_grad_(False)``, eval mode), keeps a copy
    of its weights taken when it was frozen, and :meth:`restore` puts them
    back after ``owner.init_weights()`` re-initialised the children.
    ``copy.deepcopy(owner)`` gives the copy a holder of the copied module
    (the saved weights are shared, not copied).

    Either way, ``follow_train=True`` lets the network follow
    ``owner.train(mode)`` (BN layers then use batch statistics and update
    their running statistics, as in the released DWPose code); the owner
    calls :meth:`set_train_mode` after its own ``train``.
    :class:`mmpose_kd.models.base.TrainableWrapper` does all the owner's
    calls for the holders it registers.

    Args:
        module (nn.Module): the network to freeze.
        in_tree (bool): whether it is in its owner's module tree.
        follow_train (bool): whether it follows the owner's train mode.
    """

    def __init__(self,
                 module: nn.Module,
                 in_tree: bool = False,
                 follow_train: bool = False):
        if not isinstance(module, nn.Module):
            raise TypeError('FrozenModule holds an nn.Module, got '
                            f'{type(module).__name__}')
        module.eval()
        module.requires_grad_(False)
        self.module = module
        self.in_tree = bool(in_tree)
        self.follow_train = bool(follow_train)
        self._saved_state: Optional[Dict[str, Tensor]] = None
        if self.in_tree:
            self._saved_state = {
                k: v.detach().clone()
                for k, v in module.state_dict().items()
            }

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def __deepcopy__(self, memo):
        if not self.in_tree:
            return self  # shared: see the class docstring
        held = copy.copy(self)
        # the owner's deepcopy has already copied the module (memo)
        held.module = copy.deepcopy(self.module, memo)
        return held

    def apply_(self, fn) -> None:
        """Apply a device/dtype move (``nn.Module._apply``) to a network
        outside the tree; a network in the tree moves with its owner."""
        if self.in_tree:
            return
        self.module._apply(fn)
        self.module.eval()

    def set_train_mode(self, mode: bool) -> None:
        """After ``owner.train(mode)``: eval, or ``mode`` if it follows."""
        self.module.train(bool(mode) and self.follow_train)

    def restore(self) -> None:
        """Put back the weights it was frozen with (in-tree networks, after
        ``owner.init_weights()``); nothing to do outside the tree."""
        if self._saved_state is None:
            return
        self.module.load_state_dict(self._saved_state, strict=True)
        self.module.requires_grad_(False)
