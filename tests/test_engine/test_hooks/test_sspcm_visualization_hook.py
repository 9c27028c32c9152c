"""SSPCMVisualizationHook: drawing (colours and places) and a real Runner
writing pictures every N iterations."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.hooks.sspcm_visualization_hook import (
    KEPT_COLOR, PATCH_COLOR, REJECTED_COLOR, SSPCMVisualizationHook)
import sspcm_testing

torch.set_num_threads(1)


def _visuals(num=2, size=(32, 24)):
    h, w = size
    images = torch.zeros(num, 3, h, w)
    return dict(
        easy_images=images,
        occluded_images=images,
        hard_images=images,
        keypoints_easy=torch.tensor([[[4., 5.], [15., 20.]]] * num),
        keypoints_hard=torch.tensor([[[6., 7.], [10., 12.]]] * num),
        kept=torch.tensor([[True, False]] * num),
        patch_boxes=torch.tensor([[[2, 3, 10, 12], [0, 0, 0, 0]]] * num),
        patch_corners_hard=torch.tensor(
            [[[[2., 3.], [9., 3.], [9., 11.], [2., 11.]],
              [[0., 0.], [0., 0.], [0., 0.], [0., 0.]]]] * num),
        inconsistency=torch.zeros(num, 2))


def _black(images):
    return np.zeros((images.shape[0], images.shape[2], images.shape[3], 3),
                    np.uint8)


def test_draw_puts_kept_green_rejected_red_and_patches_where_they_are():
    hook = SSPCMVisualizationHook(max_samples=1)
    canvas = hook.draw(_visuals(), _black)
    h, w = 32, 24
    assert canvas.shape == (h, 3 * w + 2 * 4, 3)  # one row of 3 panels
    easy = canvas[:, :w]
    occluded = canvas[:, w + 4:2 * w + 4]
    hard = canvas[:, 2 * w + 8:]
    assert tuple(easy[5, 4]) == KEPT_COLOR  # (x=4, y=5) kept
    assert tuple(easy[20, 15]) == REJECTED_COLOR  # (x=15, y=20) rejected
    assert tuple(hard[7, 6]) == KEPT_COLOR
    assert tuple(hard[12, 10]) == REJECTED_COLOR
    # the pasted box x 2..9, y 3..11 (end-exclusive 10, 12) is outlined
    outline = np.all(occluded == PATCH_COLOR, axis=-1)
    ys, xs = np.nonzero(outline)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (2, 9, 3, 11)
    # (the kept keypoint at (4, 5) covers part of the top edge)
    assert outline[3, 7:10].all() and outline[3:12, 9].all()
    assert np.all(hard == PATCH_COLOR, axis=-1).any()
    # the empty (skipped) patch draws nothing at the origin
    assert not outline[0, 0]


def test_draw_rows_and_scale():
    hook = SSPCMVisualizationHook(max_samples=3, scale=2)
    canvas = hook.draw(_visuals(num=2), _black)
    # two samples (fewer than max_samples), panels enlarged twice
    assert canvas.shape == (2 * 64 + 4, 3 * 48 + 8, 3)
    assert tuple(canvas[2 * 5 + 0, 2 * 4 + 0]) == KEPT_COLOR


def test_bad_arguments():
    with pytest.raises(ValueError, match='interval'):
        SSPCMVisualizationHook(interval=0)


def test_runner_writes_pictures_every_interval(tmp_path):
    data_root = sspcm_testing.make_synthetic_data(tmp_path / 'data')
    cfg = Config.fromfile(sspcm_testing.SYNTHETIC_CONFIG)
    sspcm_testing.point_config_at(cfg, data_root, tmp_path / 'work')
    sspcm_testing.shrink_input(cfg)
    cfg.custom_hooks = [
        dict(type='SSPCMVisualizationHook', interval=2, max_samples=2)
    ]
    runner = sspcm_testing.build_runner(cfg)
    runner.train()  # 2 iterations (drop_last): a picture after the 2nd

    files = sorted(glob.glob(str(tmp_path / 'work' / 'sspcm_vis' / '*.png')))
    assert [osp.basename(f) for f in files] == ['iter_2.png']
    image = cv2.imread(files[0])
    # 2 rows of 3 panels of 48 x 64 (the input size of shrink_input)
    assert image.shape == (2 * 64 + 4, 3 * 48 + 8, 3)
    bgr = lambda rgb: rgb[::-1]  # noqa: E731
    colours = {tuple(c) for c in image.reshape(-1, 3)}
    assert {bgr(KEPT_COLOR), bgr(REJECTED_COLOR)} & colours
    # also handed to the visualizer (LocalVisBackend saves it)
    assert glob.glob(
        str(tmp_path / 'work' / '*' / 'vis_data' / 'vis_image' /
            'sspcm_views_2.png'))
    # drawn from the model's record of that step
    hook, = [h for h in runner.hooks if isinstance(h, SSPCMVisualizationHook)]
    assert hook.last_views['hard_images'].shape[-2:] == (64, 48)
