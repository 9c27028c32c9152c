"""Save and restore the random number generators with each checkpoint."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

#: Where the states live in a checkpoint.
CHECKPOINT_KEY = 'random_states'


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Put Python's, NumPy's and torch's global RNG states (CUDA's too when
    present) in every checkpoint and restore them on resume, so a resumed
    run draws the same random numbers as an uninterrupted one.

    Why: mmengine re-seeds a resumed run from ``randomness.seed`` and does
    not save RNG states, so everything drawn in the main process after the
    resume point differs: the data augmentation of ``num_workers=0``
    loaders (flip, scale, rotation), SSPCM's hard-view affine and cut-occlude
    (Huang et al., CVPR 2023, Sec. 3.3–3.4) and any dropout. With this hook,
    DWPose (Yang et al., ICCV 2023 Workshops, Sec. 3) and SSPCM runs
    interrupted after epoch ``k`` and resumed end with the same weights as
    uninterrupted runs in deterministic mode (tests compare them).

    Limits (documented in docs/reliability.md): dataloader worker processes
    are seeded by mmengine's ``worker_init_fn`` when they start, so with
    ``num_workers > 0`` resume is exact only with
    ``persistent_workers=False`` (workers restart, identically seeded, every
    epoch); the checkpoint holds rank 0's states, and every rank restores
    them, which is exact when ranks share a seed (mmengine's default,
    ``randomness.diff_rank_seed=False``).

    The states are stored as tensors and plain Python values, so
    ``torch.load(weights_only=True)`` reads them.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = capture_random_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get(CHECKPOINT_KEY)
        if states is None:
            runner.logger.warning(
                f'RandomStateHook: the checkpoint has no `{CHECKPOINT_KEY}` '
                '(written without this hook); the resumed run draws new '
                'random numbers and will not match an uninterrupted run.')
            return
        restore_random_states(states)


def capture_random_states() -> dict:
    """The global RNG states, as tensors and plain Python values."""
    version, mt_state, gauss_next = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    states = dict(
        python=dict(
            version=version, state=list(mt_state), gauss_next=gauss_next),
        numpy=dict(
            name=name,
            keys=torch.from_numpy(keys.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: dict) -> None:
    """Undo :func:`capture_random_states`."""
    python = states['python']
    random.setstate(
        (python['version'], tuple(python['state']), python['gauss_next']))
    numpy = states['numpy']
    np.random.set_state(
        (numpy['name'], numpy['keys'].numpy().astype(np.uint32), numpy['pos'],
         numpy['has_gauss'], numpy['cached_gaussian']))
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        cuda_states = states['cuda']
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
