"""The previous-epoch snapshots A', B' that SSPCM's PCM compares A and B
against (Huang et al., CVPR 2023, Sec. 3.2)."""
import copy
from typing import Callable, Dict, Optional, Tuple

import torch
from torch import Tensor, nn

from .batch_norm import frozen_bn_statistics

#: The snapshots' names: in ``state_dict`` and in error messages.
SNAPSHOT_KEYS = ('A', 'B')

#: Under which names the owner holds A', B' (``hold_frozen``).
HOLDER_NAMES = tuple(f'snapshot.{key}' for key in SNAPSHOT_KEYS)


class PCMSnapshots:
    """A', B' of a :class:`~mmpose_kd.models.base.TrainableWrapper` (the SSPCM
    estimator), held by the owner's one mechanism for frozen networks
    (:meth:`~mmpose_kd.models.base.TrainableWrapper.hold_frozen`, under
    :data:`HOLDER_NAMES`): each a ``FrozenModule`` in eval mode, without
    gradients, outside the owner's module tree (in no optimizer, state dict
    or DDP bucket, kept in eval mode by the owner's ``train()``), moved
    with the owner (its ``_apply``) and shared, not copied, by
    ``copy.deepcopy`` of the owner (mmengine's EMA).

    This class only names them, replaces them, and carries their weights in
    and out of checkpoints. Empty until the first :meth:`take` or
    :meth:`set`.

    Args:
        owner: the model that holds them.
    """

    def __init__(self, owner):
        # A plain attribute of the owner: no module, no state of its own.
        self._owner = owner

    @property
    def networks(self) -> Optional[Tuple[nn.Module, nn.Module]]:
        """(A', B') or None."""
        if not self._owner.holds_frozen(HOLDER_NAMES[0]):
            return None
        return tuple(self._owner.frozen_network(name) for name in HOLDER_NAMES)

    def set(self, network_a_prev: Optional[nn.Module],
            network_b_prev: Optional[nn.Module]) -> None:
        """Hold these two networks (frozen in place), or none."""
        if (network_a_prev is None) != (network_b_prev is None):
            raise ValueError('set_snapshots needs both A\' and B\' or neither')
        if network_a_prev is not None:
            for snapshot in (network_a_prev, network_b_prev):
                if not isinstance(snapshot, nn.Module):
                    raise TypeError(
                        'set_snapshots expects nn.Module '
                        f'snapshots, got {type(snapshot).__name__}')
        for name in HOLDER_NAMES:
            self._owner.release_frozen(name)
        if network_a_prev is None:
            return
        for name, snapshot in zip(HOLDER_NAMES,
                                  (network_a_prev, network_b_prev)):
            self._owner.hold_frozen(name, snapshot)

    def outputs(self, images: Tensor, network_outputs: Callable,
                batch_statistics: bool
                ) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """A', B' outputs on ``images`` without gradients,
        ``network_outputs(network, images, name)`` each; (None, None) while
        empty (A' = A and B' = B until the first epoch ends).

        ``batch_statistics``: BN normalises with the batch statistics, as
        the paper's code runs last_epoch_model in train mode; the running
        statistics stay as snapshotted, so the snapshot saved in
        checkpoints is the one taken at the epoch end.
        """
        networks = self.networks
        if networks is None:
            return None, None
        outputs = []
        with torch.no_grad():
            for snapshot, name in zip(networks, ("A'", "B'")):
                if not batch_statistics:
                    outputs.append(network_outputs(snapshot, images, name))
                    continue
                was_training = snapshot.training
                snapshot.train()
                try:
                    with frozen_bn_statistics(snapshot):
                        outputs.append(network_outputs(snapshot, images, name))
                finally:
                    snapshot.train(was_training)
        return tuple(outputs)

    def take(self, network_a: nn.Module, network_b: nn.Module) -> None:
        """Deep-copy the live A and B (unwrapped) as the new A', B'."""
        self.set(copy.deepcopy(network_a), copy.deepcopy(network_b))

    def state_dict(self) -> Optional[Dict[str, dict]]:
        """``{'A': state dict of A', 'B': ...}`` as CPU copies, or None."""
        networks = self.networks
        if networks is None:
            return None
        return {
            key: {
                name: value.detach().cpu().clone()
                for name, value in network.state_dict().items()
            }
            for key, network in zip(SNAPSHOT_KEYS, networks)
        }

    def load_state_dict(self, state: Dict[str, dict], network_a: nn.Module,
                        network_b: nn.Module) -> None:
        """A', B' from :meth:`state_dict`'s output, built as copies of the
        live A and B (which give the architecture)."""
        check_snapshot_state(state)
        snapshots = []
        for key, network in zip(SNAPSHOT_KEYS, (network_a, network_b)):
            snapshot = copy.deepcopy(network)
            snapshot.load_state_dict(state[key])
            snapshots.append(snapshot)
        self.set(*snapshots)


def check_snapshot_state(state: dict) -> None:
    """Raise KeyError unless ``state`` is keyed like
    :meth:`PCMSnapshots.state_dict`'s output."""
    if set(state) != set(SNAPSHOT_KEYS):
        raise KeyError('PCM snapshot state must have keys A and B, got '
                       f'{sorted(state)}')
