"""A synthetic dataset laid out exactly like UBody as distributed: real video
files, per-scene COCO-WholeBody annotations and split lists.

:func:`generate_ubody_dataset` writes::

    <out_dir>/
      annotations/<Scene>/keypoint_annotation.json
      videos/<Scene>/<video>.mp4            # OpenCV, mp4v, 30 fps
      splits/intra_scene_test_list.npy      # last video of every scene
      splits/inter_scene_test_list.npy      # every video of the last scenes

with the quirks of the real files, so the UBody reader is tested on them:

* ``file_name`` is ``<video>/<frame:06d>.png``, frames numbered from 1; the
  videos with an odd index write it with a leading ``/``;
* videos with an odd index are named ``<Scene>_<i>_Trim<i>``, and the split
  lists name them without the ``_Trim...`` suffix;
* image and annotation ids start afresh in every scene file.

Frames are upper-body shots, as in UBody: people are large (head near the
top, pelvis near or below the bottom edge, so legs and feet are mostly out of
frame with visibility 0) and move smoothly from frame to frame
(:func:`~.scene.move_people`). Every video has its own random generator
(:func:`video_rng`), so :func:`render_ubody_video` re-renders the exact
frames a video was encoded from (what tests compare decoded frames with).
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from .coco_format import build_coco_json, image_record
from .render import render_background
from .scene import compose_scene, move_people, sample_upper_body_people

DEFAULT_SCENES = ('Fitness', 'Interview', 'TalkShow')
VIDEO_FPS = 30
VIDEO_FOURCC = 'mp4v'


def video_name(scene: str, index: int) -> str:
    """``<Scene>_<index>``; odd indices carry a ``_Trim<index>`` suffix as
    some real UBody videos do."""
    name = f'{scene}_{index}'
    return f'{name}_Trim{index}' if index % 2 else name


def frame_file_name(video: str, frame_number: int, video_index: int) -> str:
    """``<video>/<frame:06d>.png``, with a leading ``/`` for odd videos."""
    name = f'{video}/{frame_number:06d}.png'
    return '/' + name if video_index % 2 else name


def video_rng(seed: int, scene_index: int,
              video_index: int) -> np.random.Generator:
    return np.random.default_rng([seed, 7, scene_index, video_index])


def render_ubody_video(seed: int,
                       scene_index: int,
                       video_index: int,
                       num_frames: int,
                       width: int,
                       height: int,
                       max_people: int = 2
                       ) -> Tuple[List[np.ndarray], List[List[Dict]]]:
    """The frames (BGR uint8) of one video and each frame's annotation
    dicts (no ids), rendered from the video's own generator."""
    rng = video_rng(seed, scene_index, video_index)
    background = render_background(rng, width, height)
    people = sample_upper_body_people(rng, width, height,
                                      int(rng.integers(1, max_people + 1)))
    frames, annotations = [], []
    for _ in range(num_frames):
        image, anns = compose_scene(background, people)
        frames.append(image)
        annotations.append(anns)
        people = move_people(rng, people, step=1.0)
    return frames, annotations


def write_video(path: str,
                frames: Sequence[np.ndarray],
                fps: int = VIDEO_FPS) -> None:
    """Encode ``frames`` with OpenCV (mp4v)."""
    height, width = frames[0].shape[:2]
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*VIDEO_FOURCC), fps,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot write {VIDEO_FOURCC} video {path}')
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()


def generate_ubody_dataset(out_dir: str,
                           scenes: Sequence[str] = DEFAULT_SCENES,
                           videos_per_scene: int = 3,
                           frames_per_video: int = 12,
                           img_size: Tuple[int, int] = (160, 128),
                           seed: int = 0,
                           inter_test_scenes: int = 1,
                           max_people: int = 2,
                           progress: bool = False) -> Dict:
    """Write a synthetic UBody (videos, annotations, split lists).

    Args:
        out_dir: dataset root (created; files are overwritten).
        scenes: scene names (UBody's are e.g. ``Fitness``, ``TalkShow``).
        videos_per_scene: videos per scene (>= 2: the last one of every scene
            is in the intra-scene test list).
        frames_per_video: frames per video, all annotated.
        img_size: ``(width, height)``, even numbers (mp4v needs them).
        seed: equal arguments give equal annotations and frames.
        inter_test_scenes: the last this many scenes are held out by the
            inter-scene protocol (listed by their video names).
        max_people: people per video are 1..max_people.
        progress: show a tqdm bar over videos.

    Returns:
        dict with ``data_root``, ``scenes`` (scene -> video names),
        ``intra_test`` and ``inter_test`` (the names in the split lists),
        ``num_frames``.
    """
    width, height = (int(v) for v in img_size)
    if width % 2 or height % 2 or min(width, height) < 64:
        raise ValueError(f'img_size must be even and at least 64, got '
                         f'{img_size!r}')
    if videos_per_scene < 2 or frames_per_video < 1:
        raise ValueError('need videos_per_scene >= 2 and frames_per_video >= '
                         f'1, got {videos_per_scene}, {frames_per_video}')
    if not 0 <= inter_test_scenes < len(scenes):
        raise ValueError(f'inter_test_scenes must be in [0, {len(scenes)}), '
                         f'got {inter_test_scenes}')
    out_dir = osp.abspath(out_dir)
    jobs = [(s, v) for s in range(len(scenes))
            for v in range(videos_per_scene)]
    if progress:
        from tqdm import tqdm
        jobs = tqdm(jobs, desc='synthetic UBody', unit='video')
    scene_videos: Dict[str, List[str]] = {scene: [] for scene in scenes}
    records: Dict[str, Tuple[list,
                             list]] = {scene: ([], [])
                                       for scene in scenes}
    for scene_index, video_index in jobs:
        scene = scenes[scene_index]
        video = video_name(scene, video_index)
        scene_videos[scene].append(video)
        frames, frame_anns = render_ubody_video(seed, scene_index, video_index,
                                                frames_per_video, width,
                                                height, max_people)
        write_video(osp.join(out_dir, 'videos', scene, video + '.mp4'), frames)
        images, annotations = records[scene]
        for frame_number, anns in enumerate(frame_anns, start=1):
            image_id = len(images) + 1  # ids restart in every scene file
            images.append(
                image_record(image_id,
                             frame_file_name(video, frame_number, video_index),
                             width, height))
            for ann in anns:
                annotations.append(
                    dict(ann, id=len(annotations) + 1, image_id=image_id))
    for scene, (images, annotations) in records.items():
        path = osp.join(out_dir, 'annotations', scene,
                        'keypoint_annotation.json')
        os.makedirs(osp.dirname(path), exist_ok=True)
        coco = build_coco_json(
            images,
            annotations,
            description=f'mmpose_kd synthetic UBody, scene {scene}')
        with open(path, 'w') as f:
            json.dump(coco, f, separators=(',', ':'))

    def list_name(video):
        return video.split('_Trim')[0]

    intra_test = sorted(
        list_name(videos[-1]) for videos in scene_videos.values())
    held_out_scenes = list(scenes)[len(scenes) - inter_test_scenes:]
    inter_test = sorted(
        list_name(v) for s in held_out_scenes for v in scene_videos[s])
    os.makedirs(osp.join(out_dir, 'splits'), exist_ok=True)
    np.save(
        osp.join(out_dir, 'splits', 'intra_scene_test_list.npy'),
        np.array(intra_test))
    np.save(
        osp.join(out_dir, 'splits', 'inter_scene_test_list.npy'),
        np.array(inter_test))
    return dict(
        data_root=out_dir,
        scenes=scene_videos,
        intra_test=intra_test,
        inter_test=inter_test,
        num_frames=len(scenes) * videos_per_scene * frames_per_video)


__all__ = [
    'generate_ubody_dataset', 'render_ubody_video', 'video_name',
    'frame_file_name', 'video_rng', 'sample_upper_body_people', 'write_video'
]
