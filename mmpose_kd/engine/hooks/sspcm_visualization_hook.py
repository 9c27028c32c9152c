"""Pictures of SSPCM's easy and hard views and the PCM's pseudo keypoints."""
import math
import os.path as osp
from contextlib import ExitStack
from typing import Optional

import cv2
import mmengine
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from mmpose_kd.models.semi.hard_view import views_to_draw
from mmpose_kd.utils.recorder import record_method_output

KEPT_COLOR = (0, 200, 0)  # RGB green: the PCM kept the pseudo keypoint
REJECTED_COLOR = (230, 0, 0)  # RGB red: masked out of C's loss
PATCH_COLOR = (255, 200, 0)  # RGB amber: SSCO pasted patch

#: The model method whose output (C's pseudo labels: the easy view, C's hard
#: view and the PCM's choice) the hook records in a due iteration.
VIEWS_METHOD = 'pcm_pseudo_labels'


@HOOKS.register_module()
class SSPCMVisualizationHook(Hook):
    """Every ``interval`` training iterations, draw what student C learned
    from (SSPCM, Huang et al., CVPR 2023, Sec. 3.2 PCM and Sec. 3.3 SSCO).

    For up to ``max_samples`` unlabeled samples, one row of three panels:
    the easy view with the PCM's pseudo keypoints (green kept, red rejected),
    the easy view after SSCO with the pasted patches outlined, and the hard
    view (SSCO + affine) with the keypoints and patches moved along. The
    grid is saved to ``<work_dir>/<out_dir>/iter_<n>.png`` and passed to
    ``runner.visualizer.add_image('sspcm_views', ...)``; in distributed
    training, by rank 0 alone, from its own samples.

    The views come from the recorder
    (:func:`mmpose_kd.utils.recorder.record_method_output`): around a due
    iteration the hook records what ``model.pcm_pseudo_labels`` returns
    (:data:`VIEWS_METHOD`), and draws CPU copies of it
    (:func:`mmpose_kd.models.semi.hard_view.views_to_draw`), kept in
    :attr:`last_views`. Other iterations record nothing and cost nothing.

    Args:
        interval: draw every this many training iterations.
        max_samples: samples (rows) per picture.
        out_dir: folder under the work dir.
        scale: enlarge the panels by this integer factor (tiny inputs).
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 max_samples: int = 4,
                 out_dir: str = 'sspcm_vis',
                 scale: int = 1):
        if interval < 1 or max_samples < 1 or scale < 1:
            raise ValueError('SSPCMVisualizationHook: interval, max_samples '
                             f'and scale must be >= 1, got {interval}, '
                             f'{max_samples}, {scale}')
        self.interval = int(interval)
        self.max_samples = int(max_samples)
        self.out_dir = out_dir
        self.scale = int(scale)
        #: The views drawn last (CPU tensors), or None.
        self.last_views: Optional[dict] = None
        self._recording: Optional[ExitStack] = None
        self._recorder = None

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        self._stop_recording()
        if self._due(runner):
            self._recording = ExitStack()
            self._recorder = self._recording.enter_context(
                record_method_output(_model(runner), VIEWS_METHOD))

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        recorder = self._stop_recording()
        if recorder is None or not recorder.outputs:
            return
        labels = recorder.output
        visuals = views_to_draw(labels.easy, labels.view, labels.pcm)
        self.last_views = visuals
        model = _model(runner)
        canvas = self.draw(visuals, model.data_preprocessor.denormalize)
        step = runner.iter + 1
        out_dir = osp.join(runner.work_dir, self.out_dir)
        mmengine.mkdir_or_exist(out_dir)
        cv2.imwrite(
            osp.join(out_dir, f'iter_{step}.png'),
            cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
        runner.visualizer.add_image('sspcm_views', canvas, step=step)

    def _stop_recording(self):
        """End the recording, if any; return its recorder."""
        recorder, self._recorder = self._recorder, None
        if self._recording is not None:
            self._recording.close()
            self._recording = None
        return recorder

    def _due(self, runner) -> bool:
        # Rank 0 alone draws and writes (other ranks would write the same
        # file names, concurrently, from their own samples).
        return runner.rank == 0 and (runner.iter + 1) % self.interval == 0

    def draw(self, visuals: dict, denormalize) -> np.ndarray:
        """Compose the grid (RGB uint8) from the model's recorded views."""
        count = min(self.max_samples, visuals['easy_images'].shape[0])
        panels = [
            denormalize(visuals[name][:count])
            for name in ('easy_images', 'occluded_images', 'hard_images')
        ]
        kept = visuals['kept'][:count].numpy()
        rows = []
        for i in range(count):
            easy = self._enlarge(panels[0][i])
            occluded = self._enlarge(panels[1][i])
            hard = self._enlarge(panels[2][i])
            # Patches first: the keypoints stay visible on top.
            for box in visuals['patch_boxes'][i].numpy():
                x1, y1, x2, y2 = box
                if x2 > x1 and y2 > y1:
                    # end-exclusive box: outline its outermost pixels
                    corners = np.array([[x1, y1], [x2 - 1, y1],
                                        [x2 - 1, y2 - 1], [x1, y2 - 1]],
                                       dtype=np.float64)
                    self._polygon(occluded, corners)
            for box, corners in zip(visuals['patch_boxes'][i].numpy(),
                                    visuals['patch_corners_hard'][i].numpy()):
                if box[2] > box[0] and box[3] > box[1]:
                    self._polygon(hard, corners)
            self._keypoints(easy, visuals['keypoints_easy'][i].numpy(),
                            kept[i])
            self._keypoints(occluded, visuals['keypoints_easy'][i].numpy(),
                            kept[i])
            self._keypoints(hard, visuals['keypoints_hard'][i].numpy(),
                            kept[i])
            gap = np.full((easy.shape[0], 4, 3), 255, np.uint8)
            rows.append(np.concatenate([easy, gap, occluded, gap, hard], 1))
        spacer = np.full((4, rows[0].shape[1], 3), 255, np.uint8)
        grid = []
        for row in rows:
            grid += [row, spacer]
        return np.ascontiguousarray(np.concatenate(grid[:-1], axis=0))

    def _enlarge(self, image: np.ndarray) -> np.ndarray:
        if self.scale == 1:
            return image.copy()
        return cv2.resize(
            image,
            None,
            fx=self.scale,
            fy=self.scale,
            interpolation=cv2.INTER_NEAREST)

    def _point(self, xy) -> tuple:
        # Pixel centres sit at integers; scale about the pixel centre and
        # round half up (Python's round() would go to even).
        return tuple(
            int(math.floor((v + 0.5) * self.scale - 0.5 + 0.5)) for v in xy)

    def _keypoints(self, image, keypoints, kept) -> None:
        radius = max(1, self.scale + 1)
        for xy, keep in zip(keypoints, kept):
            color = KEPT_COLOR if keep else REJECTED_COLOR
            cv2.circle(image, self._point(xy), radius, color, -1)

    def _polygon(self, image, corners) -> None:
        points = np.array([self._point(c) for c in corners], np.int32)
        cv2.polylines(image, [points.reshape(-1, 1, 2)], True, PATCH_COLOR, 1)


def _model(runner):
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    if not hasattr(model, VIEWS_METHOD):
        raise TypeError('SSPCMVisualizationHook works with '
                        f'SSPCMPoseEstimator, got {type(model).__name__}')
    return model
