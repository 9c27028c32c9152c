"""The previous-epoch snapshots A', B' that SSPCM's PCM compares A and B
against (Huang et al., CVPR 2023, Sec. 3.2)."""
import copy
from typing import Dict, Optional, Tuple

from torch import nn

from mmpose_kd.models.frozen_module import FrozenModule

#: The snapshots' names: in ``state_dict`` and in error messages.
SNAPSHOT_KEYS = ('A', 'B')


class PCMSnapshots:
    """Holds A', B', each a :class:`FrozenModule`: in eval mode, without
    gradients, outside the owner's module tree (in no optimizer, state dict
    or DDP bucket, untouched by the owner's ``train()``) and shared, not
    copied, by ``copy.deepcopy`` of the owner (mmengine's EMA).

    Empty until the first :meth:`take` or :meth:`set`. The owner forwards
    device/dtype moves with :meth:`apply_`.
    """

    def __init__(self):
        self._frozen: Optional[Tuple[FrozenModule, FrozenModule]] = None

    @property
    def networks(self) -> Optional[Tuple[nn.Module, nn.Module]]:
        """(A', B') or None."""
        if self._frozen is None:
            return None
        return tuple(frozen.module for frozen in self._frozen)

    def set(self, network_a_prev: Optional[nn.Module],
            network_b_prev: Optional[nn.Module]) -> None:
        """Hold these two networks (frozen in place), or none."""
        if (network_a_prev is None) != (network_b_prev is None):
            raise ValueError('set_snapshots needs both A\' and B\' or neither')
        if network_a_prev is None:
            self._frozen = None
            return
        for snapshot in (network_a_prev, network_b_prev):
            if not isinstance(snapshot, nn.Module):
                raise TypeError('set_snapshots expects nn.Module snapshots, '
                                f'got {type(snapshot).__name__}')
        self._frozen = (FrozenModule(network_a_prev),
                        FrozenModule(network_b_prev))

    def take(self, network_a: nn.Module, network_b: nn.Module) -> None:
        """Deep-copy the live A and B (unwrapped) as the new A', B'."""
        self.set(copy.deepcopy(network_a), copy.deepcopy(network_b))

    def state_dict(self) -> Optional[Dict[str, dict]]:
        """``{'A': state dict of A', 'B': ...}`` as CPU copies, or None."""
        if self._frozen is None:
            return None
        return {
            key: {
                name: value.detach().cpu().clone()
                for name, value in frozen.module.state_dict().items()
            }
            for key, frozen in zip(SNAPSHOT_KEYS, self._frozen)
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

    def apply_(self, fn) -> None:
        """Move A', B' as the owner moves (``nn.Module._apply``)."""
        for frozen in self._frozen or ():
            frozen.apply_(fn)


def check_snapshot_state(state: dict) -> None:
    """Raise KeyError unless ``state`` is keyed like
    :meth:`PCMSnapshots.state_dict`'s output."""
    if set(state) != set(SNAPSHOT_KEYS):
        raise KeyError('PCM snapshot state must have keys A and B, got '
                       f'{sorted(state)}')
