"""Which frames of which UBody videos a split, protocol and frame interval
select: pure functions over the annotation and split-list files.

``UBodyWholeBodyVideoDataset`` and ``tools/ubody_extract_frames.py`` both
select through :func:`select_scene_frames`, so the tool extracts exactly the
frames the dataset reads.

Every image's ``file_name`` is ``<video>/<frame:06d>.png`` (sometimes with a
leading ``/``): frame numbers count from 1, as ``ffmpeg -r 30 %06d.png``
writes them. The split lists name videos without the ``_Trim...`` suffix
some video names carry (the inter-scene list may also name whole scenes;
both are understood).
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .annotations import UBodyAnnotationError, load_scene_annotation

UBODY_SCENES = ('ConductMusic', 'Entertainment', 'Fitness', 'Interview',
                'LiveVlog', 'Magic_show', 'Movie', 'Olympic', 'Online_class',
                'SignLanguage', 'Singing', 'Speech', 'TVShow', 'TalkShow',
                'VideoConference')
ANNOTATION_FILE_NAME = 'keypoint_annotation.json'
SPLIT_LIST_FILES = {
    'intra': 'intra_scene_test_list.npy',
    'inter': 'inter_scene_test_list.npy',
}
# The annotations number frames as ffmpeg writes them at 30 fps.
ANNOTATION_FPS = 30.0
TRIM_MARK = '_Trim'
SPLITS = ('train', 'test')
# 'all': every annotated frame of every video, train and test videos alike,
# as the released DWPose configs read UBody (no split list needed).
DATASET_SPLITS = SPLITS + ('all', )
FRAME_SOURCES = ('extracted', 'video')


@dataclass(frozen=True)
class UBodyFrame:
    """One annotated frame: scene, video name (``_Trim`` suffix kept, as in
    the file names and the video files) and 1-based frame number."""
    scene: str
    video: str
    frame_number: int

    def frame_path(self, frames_root: str) -> str:
        """Where the extracted frame lives (``<Scene>/<video>/%06d.png``)."""
        return osp.join(frames_root, self.scene, self.video,
                        f'{self.frame_number:06d}.png')

    def video_path(self, videos_root: str, suffix: str = '.mp4') -> str:
        return osp.join(videos_root, self.scene, self.video + suffix)


def split_list_name(video: str) -> str:
    """The name a split list uses for a video: the ``_Trim...`` suffix is
    dropped (``Talk_1_Trim3`` -> ``Talk_1``), as the UBody tools do."""
    return video.split(TRIM_MARK)[0]


def parse_frame_file_name(file_name: str,
                          source: str = '<annotation>') -> Tuple[str, int]:
    """``'<video>/<frame:06d>.png'`` (leading ``/`` allowed) -> ``(video,
    frame_number)``.

    Raises:
        UBodyAnnotationError: naming ``source`` and the file name when it is
            not of that form.
    """
    if not isinstance(file_name, str):
        raise UBodyAnnotationError(
            f'{source}: image file_name must be a string like '
            f"'<video>/000001.png', got {file_name!r}")
    parts = file_name.lstrip('/').split('/')
    stem = osp.splitext(parts[-1])[0]
    if len(parts) < 2 or not parts[-2] or not stem.isdigit() or \
            int(stem) < 1:
        raise UBodyAnnotationError(
            f'{source}: image file_name {file_name!r} is not of the form '
            "'<video>/<frame number from 1>.png'")
    return parts[-2], int(stem)


def load_test_list(splits_root: str, protocol: str) -> frozenset:
    """Names in the protocol's test list: video names without ``_Trim``
    (and without a file extension), or scene names.

    Raises:
        ValueError: for an unknown protocol.
        FileNotFoundError: naming the missing list file.
    """
    if protocol not in SPLIT_LIST_FILES:
        raise ValueError(f'UBody protocol must be one of '
                         f'{sorted(SPLIT_LIST_FILES)}, got {protocol!r}')
    path = osp.join(splits_root, SPLIT_LIST_FILES[protocol])
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'UBody split list {path} (protocol={protocol!r}) not found')
    try:
        entries = np.load(path, allow_pickle=True)
    except Exception as err:  # a corrupt .npy raises many kinds of errors
        raise UBodyAnnotationError(
            f'{path}: cannot read the UBody split list ({err})') from err
    names = set()
    for entry in np.ravel(entries):
        name = osp.basename(str(entry).strip().rstrip('/'))
        name = osp.splitext(name)[0] if name.endswith('.mp4') else name
        if name:
            names.add(split_list_name(name))
    return frozenset(names)


def is_test_video(scene: str, video: str, test_list: frozenset) -> bool:
    """A video is held out when its list name or its whole scene is listed
    (the inter-scene protocol holds out whole scenes)."""
    return split_list_name(video) in test_list or scene in test_list


def find_scenes(annotations_root: str,
                scenes: Optional[Sequence[str]] = None) -> List[str]:
    """Scenes with a ``keypoint_annotation.json``; ``scenes=None`` = all
    found, sorted.

    Raises:
        FileNotFoundError: naming the folder or the missing annotation file.
    """
    if not osp.isdir(annotations_root):
        raise FileNotFoundError(
            f'UBody annotation folder {annotations_root} not found')
    if scenes is None:
        found = sorted(
            name for name in os.listdir(annotations_root) if osp.isfile(
                osp.join(annotations_root, name, ANNOTATION_FILE_NAME)))
        if not found:
            raise FileNotFoundError(
                f'no <Scene>/{ANNOTATION_FILE_NAME} under {annotations_root}')
        return found
    if isinstance(scenes, str):
        scenes = [scenes]
    for scene in scenes:
        path = osp.join(annotations_root, scene, ANNOTATION_FILE_NAME)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'UBody scene {scene!r}: annotation file {path} not found')
    return list(scenes)


def check_split(split: str, allowed=SPLITS) -> None:
    """Raise naming the bad split (shared by the dataset, which also allows
    ``'all'``, and the selection functions)."""
    if split not in allowed:
        raise ValueError(f'UBody split must be one of {list(allowed)}, got '
                         f'{split!r}')


def check_frame_interval(frame_interval) -> None:
    """An integer >= 1; ``True`` is refused although it is an ``int``."""
    if isinstance(frame_interval, bool) or \
            not isinstance(frame_interval, (int, np.integer)) or \
            frame_interval < 1:
        raise ValueError('UBody frame_interval must be an integer >= 1, got '
                         f'{frame_interval!r}')


def select_scene_frames(images: Iterable[dict],
                        scene: str,
                        split: str,
                        test_list: frozenset,
                        frame_interval: int = 1,
                        source: str = '<annotation>'
                        ) -> Iterator[Tuple[dict, UBodyFrame]]:
    """Yield ``(image, frame)`` for the images of one scene that ``split``
    keeps and whose frame number is on the sampling grid.

    Sampling is by frame number within each video: frames 1, 1+N, 1+2N...
    (``(frame_number - 1) % frame_interval == 0``), so the same frames are
    kept whatever the image ids are (mmpose's ``sample_interval`` uses image
    ids, which interleave videos).

    Args:
        split: ``'train'``, ``'test'`` or ``'all'`` (the extraction tool).
        source: the annotation file, named in errors.
    """
    check_split(split, SPLITS + ('all', ))
    check_frame_interval(frame_interval)
    for position, image in enumerate(images):
        if not isinstance(image, dict) or 'file_name' not in image:
            raise UBodyAnnotationError(
                f'{source}: images[{position}] has no key \'file_name\'')
        video, frame_number = parse_frame_file_name(image['file_name'], source)
        if split != 'all' and \
                is_test_video(scene, video, test_list) != (split == 'test'):
            continue
        if (frame_number - 1) % frame_interval:
            continue
        yield image, UBodyFrame(scene, video, frame_number)


def plan_frames(annotations_root: str,
                splits_root: str,
                scenes: Optional[Sequence[str]] = None,
                split: str = 'train',
                protocol: str = 'intra',
                frame_interval: int = 1) -> Dict[Tuple[str, str], List[int]]:
    """``(scene, video) -> sorted frame numbers`` a split selects; what the
    extraction tool extracts (the dataset selects with the same
    :func:`select_scene_frames`)."""
    check_split(split, SPLITS + ('all', ))
    test_list = frozenset() if split == 'all' else \
        load_test_list(splits_root, protocol)
    plan: Dict[Tuple[str, str], set] = {}
    for scene in find_scenes(annotations_root, scenes):
        path = osp.join(annotations_root, scene, ANNOTATION_FILE_NAME)
        data = load_scene_annotation(path)
        for _, frame in select_scene_frames(data['images'], scene, split,
                                            test_list, frame_interval, path):
            plan.setdefault((scene, frame.video),
                            set()).add(frame.frame_number)
    return {key: sorted(numbers) for key, numbers in sorted(plan.items())}
