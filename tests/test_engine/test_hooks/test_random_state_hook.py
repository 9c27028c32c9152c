"""RandomStateHook: the RNG states go into the checkpoint in a form that
``weights_only=True`` loads, and come back exactly."""
import io
import random

import numpy as np
import torch

from mmpose_kd.engine.hooks import RandomStateHook
from mmpose_kd.engine.hooks.random_state_hook import CHECKPOINT_KEY
from mmpose_kd.utils.checkpoint import register_checkpoint_safe_globals


def _draw():
    return (random.random(), float(np.random.rand()), np.random.randn(),
            float(torch.rand(1)))


class _Logger:

    def __init__(self):
        self.warnings = []

    def warning(self, msg):
        self.warnings.append(msg)


class _Runner:
    logger = _Logger()


def test_states_round_trip_through_a_weights_only_checkpoint():
    hook = RandomStateHook()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    np.random.randn()  # leaves a cached Gaussian in NumPy's state
    checkpoint = {}
    hook.before_save_checkpoint(_Runner(), checkpoint)
    expected = _draw()
    register_checkpoint_safe_globals()
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)
    random.seed(2), np.random.seed(2), torch.manual_seed(2)
    hook.after_load_checkpoint(_Runner(), loaded)
    assert _draw() == expected


def test_checkpoint_without_states_warns_and_changes_nothing():
    runner = _Runner()
    runner.logger = _Logger()
    torch.manual_seed(3)
    state = torch.get_rng_state()
    RandomStateHook().after_load_checkpoint(runner, {})
    assert torch.equal(torch.get_rng_state(), state)
    assert CHECKPOINT_KEY in runner.logger.warnings[0]
