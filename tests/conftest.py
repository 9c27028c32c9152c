"""Shared fixtures: a tiny synthetic COCO-WholeBody dataset, generated once
per test session by the project's own generator (nothing is downloaded)."""
import os

# Before anything imports albumentations: no update check over the network.
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

import pytest  # noqa: E402
import torch  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402

import mmpose_kd  # noqa: F401,E402  (registers modules)

register_all_modules(init_default_scope=True)
torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


@pytest.fixture(scope='session')
def tiny_wholebody(tmp_path_factory):
    from mmpose_kd.datasets.synthetic import generate_wholebody_dataset
    root = tmp_path_factory.mktemp('tiny_wholebody')
    generate_wholebody_dataset(
        str(root), num_train=6, num_val=3, img_size=96, seed=0, progress=False)
    return root
