"""UBody read exactly as it is distributed: per-scene COCO-WholeBody
annotation files next to the original videos.

UBody (Lin et al., CVPR 2023, "One-Stage 3D Whole-Body Mesh Recovery with
Component Aware Transformer") is the extra whole-body data DWPose adds to
COCO-WholeBody (Yang et al., ICCV-W 2023, Sec. 4 "Experiments", datasets).
It ships as::

    UBody/
      annotations/<Scene>/keypoint_annotation.json   # COCO-WholeBody style
      videos/<Scene>/<video>.mp4                      # 30 fps
      splits/intra_scene_test_list.npy                # held-out videos
      splits/inter_scene_test_list.npy

One module per concern:

* :mod:`.annotations`: reading a scene's annotation file and checking its
  instances with the shared COCO-WholeBody checks
  (:mod:`mmpose_kd.datasets.annotation_checks`); :class:`UBodyAnnotationError`.
* :mod:`.selection` (pure functions): which frames of which videos a split,
  protocol and frame interval select. ``tools/ubody_extract_frames.py`` uses
  the same functions, so it extracts exactly the frames the dataset reads.
* :mod:`.video`: :class:`VideoFrameReader`, a per-process cache of open
  ``cv2.VideoCapture`` objects that reads a frame by its number.
* :mod:`.dataset`: :class:`UBodyWholeBodyVideoDataset`, registered in
  mmpose's ``DATASETS`` (importing this package registers it).

Frame layout on disk (``frame_source='extracted'``, also what
``tools/ubody_extract_frames.py`` writes and what OSX's ``video2image.py``
writes with ffmpeg)::

    <frames_root>/<Scene>/<video>/<frame:06d>.png

Every public name is re-exported here, so ``from mmpose_kd.datasets.ubody
import X`` works as it did when this package was a single module.
"""
from .annotations import (WHOLEBODY_FIELDS, UBodyAnnotationError,
                          load_scene_annotation)
from .dataset import UBodyWholeBodyVideoDataset
from .selection import (ANNOTATION_FILE_NAME, ANNOTATION_FPS, DATASET_SPLITS,
                        FRAME_SOURCES, SPLIT_LIST_FILES, SPLITS, TRIM_MARK,
                        UBODY_SCENES, UBodyFrame, find_scenes, is_test_video,
                        load_test_list, parse_frame_file_name, plan_frames,
                        select_scene_frames, split_list_name)
from .video import (UBodyFrameReadError, VideoFrameReader,
                    parse_video_frame_id, video_frame_id)

# Every public name the single-module ubody.py had (listing them here also
# marks the imports above as re-exports for flake8).
__all__ = [
    'UBodyAnnotationError', 'load_scene_annotation', 'WHOLEBODY_FIELDS',
    'UBodyWholeBodyVideoDataset', 'ANNOTATION_FILE_NAME', 'ANNOTATION_FPS',
    'DATASET_SPLITS', 'FRAME_SOURCES', 'SPLIT_LIST_FILES', 'SPLITS',
    'TRIM_MARK', 'UBODY_SCENES', 'UBodyFrame', 'find_scenes', 'is_test_video',
    'load_test_list', 'parse_frame_file_name', 'plan_frames',
    'select_scene_frames', 'split_list_name', 'UBodyFrameReadError',
    'VideoFrameReader', 'parse_video_frame_id', 'video_frame_id'
]
