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

Every image's ``file_name`` is ``<video>/<frame:06d>.png`` (sometimes with a
leading ``/``): frame numbers count from 1, as ``ffmpeg -r 30 %06d.png``
writes them. The split lists name videos without the ``_Trim...`` suffix
some video names carry (the inter-scene list may also name whole scenes;
both are understood).

This module holds one idea per section:

* **selection** (pure functions): which frames of which videos a split,
  protocol and frame interval select. ``tools/ubody_extract_frames.py`` uses
  the same functions, so it extracts exactly the frames the dataset reads.
* **decoding**: :class:`VideoFrameReader`, a per-process cache of open
  ``cv2.VideoCapture`` objects that reads a frame by its number.
* **the dataset**: :class:`UBodyWholeBodyVideoDataset`, registered in
  mmpose's ``DATASETS``.

Frame layout on disk (``frame_source='extracted'``, also what
``tools/ubody_extract_frames.py`` writes and what OSX's ``video2image.py``
writes with ffmpeg)::

    <frames_root>/<Scene>/<video>/<frame:06d>.png
"""
import json
import os
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmpose.datasets.datasets.wholebody import CocoWholeBodyDataset
from mmpose.registry import DATASETS

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

# Whole-body annotation fields, in the order CocoWholeBodyDataset
# concatenates them into the 133-point vector, with their keypoint counts.
WHOLEBODY_FIELDS = (('keypoints', 17), ('foot_kpts', 6), ('face_kpts', 68),
                    ('lefthand_kpts', 21), ('righthand_kpts', 21))


class UBodyAnnotationError(ValueError):
    """An annotation or split file does not look like UBody's."""


class UBodyFrameReadError(RuntimeError):
    """A frame the annotations name cannot be decoded from its video."""


# ---------------------------------------------------------------------------
# Selection: which frames a split / protocol / interval selects
# ---------------------------------------------------------------------------
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


def load_scene_annotation(path: str) -> dict:
    """Read one scene's ``keypoint_annotation.json`` and check its top level.

    Raises:
        UBodyAnnotationError: naming the file and the bad key.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise UBodyAnnotationError(f'{path}: not valid JSON ({err})') from err
    if not isinstance(data, dict):
        raise UBodyAnnotationError(
            f'{path}: expected a COCO-style JSON object with "images" and '
            f'"annotations", got a {type(data).__name__}')
    for key in ('images', 'annotations'):
        if key not in data:
            raise UBodyAnnotationError(f'{path}: missing top-level key '
                                       f'{key!r}')
        if not isinstance(data[key], list):
            raise UBodyAnnotationError(
                f'{path}: key {key!r} must be a list, got '
                f'{type(data[key]).__name__}')
    return data


def _check_split(split: str, allowed=SPLITS) -> None:
    if split not in allowed:
        raise ValueError(f'UBody split must be one of {list(allowed)}, got '
                         f'{split!r}')


def _check_frame_interval(frame_interval) -> None:
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
    _check_split(split, SPLITS + ('all', ))
    _check_frame_interval(frame_interval)
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
    _check_split(split, SPLITS + ('all', ))
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


# ---------------------------------------------------------------------------
# Decoding: frames by number from videos, decoders kept open per process
# ---------------------------------------------------------------------------
_FRAME_MARK = '#frame='


def video_frame_id(video_path: str, frame_number: int) -> str:
    """``'<video path>#frame=<k>'``: the ``img_path`` of a frame served
    from its video (an identifier, not a file)."""
    return f'{video_path}{_FRAME_MARK}{frame_number}'


def parse_video_frame_id(frame_id: str) -> Tuple[str, int]:
    """Inverse of :func:`video_frame_id`."""
    video_path, mark, frame_number = frame_id.rpartition(_FRAME_MARK)
    if not mark or not frame_number.isdigit():
        raise ValueError(f'{frame_id!r} is not a video frame id '
                         f"('<video path>{_FRAME_MARK}<frame number>')")
    return video_path, int(frame_number)


# Decoders a forked process inherited; never used, never released (see
# VideoFrameReader._open_videos).
_INHERITED_DECODERS: List['OrderedDict[str, _OpenVideo]'] = []


class _OpenVideo:
    """One open decoder and where its next ``read()`` lands."""

    def __init__(self, path: str):
        self.path = path
        self.capture = cv2.VideoCapture(path)
        if not self.capture.isOpened():
            self.capture.release()
            raise UBodyFrameReadError(f'cannot open video {path}')
        self.fps = float(self.capture.get(cv2.CAP_PROP_FPS) or 0.0)
        # Container estimate, only used in error messages.
        self.frame_count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.next_index: Optional[int] = 0  # None = unknown, seek next time

    def release(self):
        self.capture.release()


class VideoFrameReader:
    """Read frame ``k`` (1-based, ffmpeg's 30 fps numbering) of a video.

    * Decoders stay open, least recently used first out, at most
      ``max_open`` per process.
    * A decoder belongs to the process that opened it: after a fork (a
      dataloader worker) the cache starts empty. An inherited decoder shares
      its file offset with the parent's, and releasing it would wait for
      decoder threads that only exist in the parent, so it is kept unused.
    * The next frame, or one a few frames ahead (``max_forward_gap``), is
      reached by decoding forward; anything else by seeking, which costs a
      seek to the previous key frame plus decoding up to the target.
    * Frame ``k`` is index ``k - 1`` in a 30 fps video; a video with
      another rate is read at about the time ffmpeg's ``-r 30`` samples,
      index ``round((k - 1) * fps / 30)`` (ffmpeg's own rounding may differ
      by a frame).
    """

    def __init__(self,
                 max_open: int = 8,
                 max_forward_gap: int = 16,
                 annotation_fps: float = ANNOTATION_FPS):
        if max_open < 1:
            raise ValueError(f'max_open must be >= 1, got {max_open!r}')
        self.max_open = max_open
        self.max_forward_gap = max_forward_gap
        self.annotation_fps = annotation_fps
        self._owner_pid: Optional[int] = None
        self._videos: 'OrderedDict[str, _OpenVideo]' = OrderedDict()

    # Decoders never travel to another process (spawned workers pickle us).
    def __getstate__(self):
        state = self.__dict__.copy()
        state['_owner_pid'] = None
        state['_videos'] = OrderedDict()
        return state

    def _open_videos(self) -> 'OrderedDict[str, _OpenVideo]':
        pid = os.getpid()
        if self._owner_pid != pid:
            if self._videos:
                # Inherited through fork: the parent's decoders share their
                # file offsets with the parent, and releasing one here would
                # join FFmpeg threads that do not exist in this process
                # (a hang). Keep them, untouched, for the process lifetime.
                _INHERITED_DECODERS.append(self._videos)
            self._videos = OrderedDict()
            self._owner_pid = pid
        return self._videos

    def open(self, path: str) -> _OpenVideo:
        """The open decoder of ``path`` (opened now if needed).

        Raises:
            FileNotFoundError: the video does not exist.
            UBodyFrameReadError: it exists but cannot be opened.
        """
        videos = self._open_videos()
        video = videos.get(path)
        if video is not None:
            videos.move_to_end(path)
            return video
        if not osp.isfile(path):
            raise FileNotFoundError(f'UBody video {path} not found')
        video = _OpenVideo(path)
        videos[path] = video
        while len(videos) > self.max_open:
            _, oldest = videos.popitem(last=False)
            oldest.release()
        return video

    def frame_index(self, video: _OpenVideo, frame_number: int) -> int:
        if video.fps <= 0 or abs(video.fps - self.annotation_fps) < 1e-3:
            return frame_number - 1
        return int(round((frame_number - 1) * video.fps / self.annotation_fps))

    def read(self, path: str, frame_number: int) -> np.ndarray:
        """The BGR ``uint8`` frame ``frame_number`` (1-based) of ``path``.

        Raises:
            FileNotFoundError: the video does not exist.
            UBodyFrameReadError: naming the video and the frame, when the
                video cannot be opened or the frame cannot be decoded
                (e.g. the video is shorter than its annotations).
        """
        if frame_number < 1:
            raise UBodyFrameReadError(
                f'frame numbers start at 1, got {frame_number} for {path}')
        video = self.open(path)
        index = self.frame_index(video, frame_number)
        gap = None if video.next_index is None else index - video.next_index
        ok = True
        if gap is None or gap < 0 or gap > self.max_forward_gap:
            ok = video.capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        else:
            for _ in range(gap):
                if not video.capture.grab():
                    ok = False
                    break
        frame = None
        if ok:
            ok, frame = video.capture.read()
        if not ok or frame is None:
            video.next_index = None
            raise UBodyFrameReadError(
                f'cannot read frame {frame_number} (0-based index {index}) '
                f'of video {path}: the video reports {video.frame_count} '
                'frames; is it shorter than its annotations, or damaged?')
        video.next_index = index + 1
        return frame

    def close(self):
        """Release this process's decoders."""
        videos = self._open_videos()
        while videos:
            videos.popitem()[1].release()


# ---------------------------------------------------------------------------
# The dataset
# ---------------------------------------------------------------------------
def _check_wholebody_annotation(ann: dict, source: str) -> None:
    """Raise naming the file, the annotation and the key when an instance
    lacks a field CocoWholeBodyDataset needs or has the wrong length."""
    where = f"{source}: annotation id {ann.get('id', '?')}"
    for key in ('id', 'image_id', 'bbox'):
        if key not in ann:
            raise UBodyAnnotationError(f'{where} has no key {key!r}')
    if len(ann['bbox']) != 4:
        raise UBodyAnnotationError(
            f"{where}: key 'bbox' must hold 4 numbers (x, y, w, h), got "
            f"{ann['bbox']!r}")
    for key, count in WHOLEBODY_FIELDS:
        if key not in ann:
            raise UBodyAnnotationError(f'{where} has no key {key!r}')
        if len(ann[key]) != 3 * count:
            raise UBodyAnnotationError(
                f'{where}: key {key!r} must hold {3 * count} numbers '
                f'({count} keypoints x (x, y, v)), got {len(ann[key])}')


def _with_optional_fields(ann: dict) -> dict:
    """A copy with the COCO fields CocoWholeBodyDataset reads but UBody
    need not carry: ``iscrowd``, ``segmentation``, ``category_id`` and
    ``num_keypoints`` (labeled body keypoints, as COCO-WholeBody counts)."""
    ann = dict(ann)
    ann.setdefault('iscrowd', 0)
    ann.setdefault('segmentation', [])
    ann.setdefault('category_id', 1)
    if 'num_keypoints' not in ann:
        ann['num_keypoints'] = int(sum(v > 0 for v in ann['keypoints'][2::3]))
    return ann


@DATASETS.register_module()
class UBodyWholeBodyVideoDataset(CocoWholeBodyDataset):
    """UBody as distributed (per-scene annotations + videos), with the
    133-keypoint COCO-WholeBody metainfo, so it trains together with
    ``CocoWholeBodyDataset`` in mmpose's ``CombinedDataset``.

    Implements the extra-data part of DWPose (Yang et al., ICCV-W 2023,
    Sec. 4, datasets: COCO-WholeBody + UBody); UBody is Lin et al., CVPR 2023.

    Frames come from one of two sources:

    * ``frame_source='extracted'``: PNGs at
      ``<frames_root>/<Scene>/<video>/<frame:06d>.png`` (what
      ``tools/ubody_extract_frames.py`` or OSX's ffmpeg script writes);
      ``img_path`` points there and the stock ``LoadImage`` reads it.
    * ``frame_source='video'``: decoded on the fly from
      ``<data_root>/videos/<Scene>/<video>.mp4``. :meth:`get_data_info`
      puts the decoded BGR frame in ``results['img']``; mmpose's stock
      ``LoadImage`` keeps an ``img`` that is already there, so the pipeline
      is the same for both sources. ``img_path`` reads
      ``<video path>#frame=<k>`` (an identifier, not a file).

    Args:
        data_root: the UBody folder (holds ``annotations/``, ``videos/``,
            ``splits/``).
        scenes: scene names to read; ``None`` = every scene found.
        split: ``'train'`` or ``'test'`` videos of the protocol, or
            ``'all'``: every video, test videos included, as the released
            DWPose configs read UBody (every image of every scene's
            ``keypoint_annotation.json``; no split list is read).
        protocol: ``'intra'`` (held-out videos of every scene) or ``'inter'``
            (held-out scenes), i.e. which ``splits/*_test_list.npy``
            ``'train'`` and ``'test'`` read.
        frame_interval: keep frames 1, 1+N, 1+2N... of every video.
        frame_source: ``'extracted'`` or ``'video'``.
        frames_root: folder of extracted frames, relative to ``data_root``
            unless absolute. Default ``'images'`` (the ffmpeg layout).
        annotations_dir, videos_dir, splits_dir: sub-folders of
            ``data_root`` (or absolute paths).
        video_suffix: extension of the video files.
        max_open_videos: decoders kept open per worker process.
        max_forward_gap: decode forward instead of seeking when the wanted
            frame is at most this many frames past the last one read.
        **kwargs: passed to ``BaseCocoStyleDataset`` (``pipeline``,
            ``test_mode``, ``data_mode``, ``metainfo``, ``lazy_init``...).

    Instance and image ids are renumbered (1, 2, ...) across scenes: every
    scene file starts its ids afresh. ``raw_ann_info`` (for
    ``CocoWholeBodyMetric`` without an ``ann_file``) is kept for the test
    split only, to keep the training data list small.
    """

    METAINFO: dict = dict(
        from_file='configs/_base_/datasets/coco_wholebody.py')
    # Its own name, so that in test mode it does not overwrite
    # ``coco_wholebody_ann_file``, the key CocoMetric looks up for COCO val.
    DATASET_NAME = 'ubody_wholebody'

    def __init__(self,
                 data_root: str = 'data/UBody',
                 scenes: Optional[Sequence[str]] = None,
                 split: str = 'train',
                 protocol: str = 'intra',
                 frame_interval: int = 1,
                 frame_source: str = 'extracted',
                 frames_root: str = 'images',
                 annotations_dir: str = 'annotations',
                 videos_dir: str = 'videos',
                 splits_dir: str = 'splits',
                 video_suffix: str = '.mp4',
                 max_open_videos: int = 8,
                 max_forward_gap: int = 16,
                 **kwargs):
        _check_split(split, DATASET_SPLITS)
        _check_frame_interval(frame_interval)
        if protocol not in SPLIT_LIST_FILES:
            raise ValueError(f'UBody protocol must be one of '
                             f'{sorted(SPLIT_LIST_FILES)}, got {protocol!r}')
        if frame_source not in FRAME_SOURCES:
            raise ValueError(f'UBody frame_source must be one of '
                             f'{list(FRAME_SOURCES)}, got {frame_source!r}')
        for key in ('ann_file', 'data_prefix', 'bbox_file'):
            value = kwargs.pop(key, None)
            if value and (key != 'data_prefix' or any(value.values())):
                raise ValueError(
                    f'UBodyWholeBodyVideoDataset reads the per-scene '
                    f'annotations itself; {key}={value!r} is not used '
                    '(set data_root, scenes, frames_root instead)')

        def under_root(path):
            return path if osp.isabs(path) else osp.join(data_root, path)

        self.scenes = None if scenes is None else list(scenes)
        self.split = split
        self.protocol = protocol
        self.frame_interval = int(frame_interval)
        self.frame_source = frame_source
        self.frames_root = under_root(frames_root)
        self.annotations_root = under_root(annotations_dir)
        self.videos_root = under_root(videos_dir)
        self.splits_root = under_root(splits_dir)
        self.video_suffix = video_suffix
        self.frame_reader = VideoFrameReader(
            max_open=max_open_videos, max_forward_gap=max_forward_gap)
        # ann_file=None: nothing to register for CocoMetric; it builds the
        # ground truth from raw_ann_info (kept for the test split).
        super().__init__(ann_file=None, data_root=data_root, **kwargs)

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        metainfo = super()._load_metainfo(metainfo)
        metainfo['dataset_name'] = cls.DATASET_NAME
        return metainfo

    # -- loading ---------------------------------------------------------
    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        """Read every scene file, keep the selected frames, renumber ids."""
        test_list = frozenset() if self.split == 'all' else \
            load_test_list(self.splits_root, self.protocol)
        scenes = find_scenes(self.annotations_root, self.scenes)
        keep_raw = self.split == 'test'
        instance_list, image_list = [], []
        for scene in scenes:
            path = osp.join(self.annotations_root, scene, ANNOTATION_FILE_NAME)
            data = load_scene_annotation(path)
            self._metainfo.setdefault('CLASSES', data.get('categories'))
            anns_by_image: Dict[int, List[dict]] = {}
            for position, ann in enumerate(data['annotations']):
                if not isinstance(ann, dict) or 'image_id' not in ann:
                    raise UBodyAnnotationError(
                        f'{path}: annotations[{position}] has no key '
                        "'image_id'")
                anns_by_image.setdefault(ann['image_id'], []).append(ann)
            for image, frame in select_scene_frames(data['images'], scene,
                                                    self.split, test_list,
                                                    self.frame_interval, path):
                for key in ('id', 'width', 'height'):
                    if key not in image:
                        raise UBodyAnnotationError(
                            f'{path}: image {image["file_name"]!r} has no key '
                            f'{key!r}')
                img_id = len(image_list) + 1
                img_info = self._image_info(image, frame, img_id)
                image_list.append(img_info)
                for ann in anns_by_image.get(image['id'], ()):
                    _check_wholebody_annotation(ann, path)
                    ann = _with_optional_fields(ann)
                    ann.update(id=len(instance_list) + 1, image_id=img_id)
                    instance = self.parse_data_info(
                        dict(raw_ann_info=ann, raw_img_info=img_info))
                    if not instance:
                        continue
                    instance.update(
                        img_path=img_info['img_path'],
                        ubody_scene=scene,
                        ubody_video=frame.video,
                        frame_number=frame.frame_number)
                    if self.frame_source == 'video':
                        instance['video_path'] = img_info['video_path']
                    if not keep_raw:
                        instance.pop('raw_ann_info', None)
                    instance_list.append(instance)
        if not image_list:
            raise ValueError(
                f'UBody selected no frames: split={self.split!r}, '
                f'protocol={self.protocol!r}, scenes={scenes}, '
                f'frame_interval={self.frame_interval} '
                f'(annotations in {self.annotations_root})')
        if self.frame_source == 'video':
            self._check_videos_exist(image_list)
        return instance_list, image_list

    def _image_info(self, image: dict, frame: UBodyFrame, img_id: int) -> dict:
        info = dict(
            image,
            id=img_id,
            img_id=img_id,
            file_name=image['file_name'].lstrip('/'))
        if self.frame_source == 'video':
            video_path = frame.video_path(self.videos_root, self.video_suffix)
            info.update(
                video_path=video_path,
                frame_number=frame.frame_number,
                img_path=video_frame_id(video_path, frame.frame_number))
        else:
            info['img_path'] = frame.frame_path(self.frames_root)
        return info

    def _check_videos_exist(self, image_list: List[dict]) -> None:
        videos = sorted({info['video_path'] for info in image_list})
        missing = [path for path in videos if not osp.isfile(path)]
        if missing:
            shown = ', '.join(missing[:5])
            more = f' and {len(missing) - 5} more' if len(missing) > 5 else ''
            raise FileNotFoundError(
                f'{len(missing)} of {len(videos)} UBody videos the '
                f'annotations name are missing: {shown}{more}')

    # -- serving ---------------------------------------------------------
    def get_data_info(self, idx: int) -> dict:
        """Data info of sample ``idx``; with ``frame_source='video'`` it
        also carries the decoded frame in ``'img'`` (what ``LoadImage``
        keeps), so mixed-image transforms that call ``get_data_info`` get
        the image too."""
        data_info = super().get_data_info(idx)
        if self.frame_source == 'video':
            # img_path is there in every data mode (bottom-up gathers the
            # per-instance fields into lists, and keeps images without
            # instances in test mode with img_path only)
            video_path, frame_number = parse_video_frame_id(
                data_info['img_path'])
            data_info['img'] = self.frame_reader.read(video_path, frame_number)
        return data_info
