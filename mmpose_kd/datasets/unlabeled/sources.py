"""What an input folder holds, read the way the training loader will read
it: images decoded by :class:`CheckedLoadImage` (so that every image the
unlabeled set lists is one the SSPCM loader can open), and video frames
sampled by frame number or by time.
"""
import math
import os
import os.path as osp
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

import numpy as np

#: Suffixes read as still images (what OpenCV, mmcv's default decoder,
#: reads) and as videos (what OpenCV's FFmpeg backend usually opens).
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv')


class VideoReadError(OSError):
    """A video cannot be opened or decoded; the message names the file."""


@dataclass(frozen=True)
class SourceFile:
    """One file of the input folder.

    Attributes:
        path: its path on disk.
        rel: its path relative to the input folder, with ``/`` separators;
            the key images are listed under (``file_name``).
        kind: ``'image'``, ``'video'`` or ``'other'`` (by suffix).
    """
    path: str
    rel: str
    kind: str


def file_kind(path: str) -> str:
    suffix = osp.splitext(path)[1].lower()
    if suffix in IMAGE_EXTENSIONS:
        return 'image'
    if suffix in VIDEO_EXTENSIONS:
        return 'video'
    return 'other'


def scan_folder(root: str) -> List[SourceFile]:
    """Every file under ``root`` (recursively, sorted by relative path so
    that image ids do not depend on the filesystem's listing order)."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'input folder {root!r} does not exist or '
                                'is not a folder')
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = osp.join(folder, name)
            rel = osp.relpath(path, root).replace(os.sep, '/')
            found.append(SourceFile(path, rel, file_kind(name)))
    return sorted(found, key=lambda f: f.rel)


def frame_file_name(video_rel: str, index: int, ext: str) -> str:
    """``clips/a.mp4`` frame 12 -> ``clips/a.mp4/000012.jpg``.

    The video's own name is the folder: a folder cannot share its name with
    a file, so a frame never collides with an image of the input folder.
    """
    return f'{video_rel}/{index:06d}.{ext}'


@dataclass(frozen=True)
class FrameSampling:
    """Which frames of a video to keep: every ``interval``-th frame (frame
    numbers 0, N, 2N, ...), or ``fps`` frames per second of video time (the
    first frame at or after each tick ``k / fps``, from the video's frame
    rate; all frames when ``fps`` is at least the video's)."""
    interval: Optional[int] = 1
    fps: Optional[float] = None

    def __post_init__(self):
        if (self.interval is None) == (self.fps is None):
            raise ValueError('give exactly one of a frame interval or a '
                             f'sampling rate (got interval={self.interval}, '
                             f'fps={self.fps})')
        if self.interval is not None and self.interval < 1:
            raise ValueError(f'frame interval must be >= 1, got '
                             f'{self.interval}')
        if self.fps is not None and not (self.fps > 0
                                         and math.isfinite(self.fps)):
            raise ValueError(f'sampling rate (fps) must be > 0, got '
                             f'{self.fps}')

    def keeps(self, index: int, video_fps: Optional[float] = None) -> bool:
        if self.interval is not None:
            return index % self.interval == 0
        # tick number of frame i is floor(i * fps / video_fps); keep the
        # first frame of each tick. The epsilon keeps exact multiples
        # (i * fps / video_fps == k) from falling to k - 1 in floating point.
        ratio = self.fps / video_fps
        tick = math.floor(index * ratio + 1e-9)
        return index == 0 or tick > math.floor((index - 1) * ratio + 1e-9)

    def describe(self) -> str:
        if self.interval is not None:
            return f'every {self.interval} frame(s)'
        return f'{self.fps:g} frame(s) per second of video'


def iter_video_frames(path: str, sampling: FrameSampling
                      ) -> Iterator[Tuple[int, np.ndarray]]:
    """Yield ``(frame number, BGR frame)`` for the sampled frames.

    Raises :class:`VideoReadError` naming the file when it cannot be
    opened, when no frame can be decoded, or when sampling by time and the
    video has no frame rate. Frames that are not kept are only grabbed,
    not decoded.
    """
    import cv2
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise VideoReadError(
                f'video {path} cannot be opened (not a video, damaged, or '
                'in a codec this OpenCV build cannot read)')
        video_fps = None
        if sampling.fps is not None:
            video_fps = cap.get(cv2.CAP_PROP_FPS)
            if not (video_fps and math.isfinite(video_fps) and video_fps > 0):
                raise VideoReadError(
                    f'video {path} has no frame rate (OpenCV reports '
                    f'{video_fps!r}); sample it with --frame-interval')
        index = 0
        while cap.grab():
            if sampling.keeps(index, video_fps):
                ok, frame = cap.retrieve()
                if not ok or frame is None:
                    raise VideoReadError(
                        f'video {path}: frame {index} cannot be decoded')
                yield index, frame
            index += 1
        if index == 0:
            raise VideoReadError(f'video {path} has no decodable frame')
    finally:
        cap.release()


class ImageDecoder:
    """Decodes an image exactly as the SSPCM configs' loader does
    (``CheckedLoadImage``: the same truncation checks and mmcv decoder), so
    the file lists no image that would stop training. The unlabeled part
    is loaded in test mode, where a broken image always raises."""

    def __init__(self):
        # Imported here: the transforms pull in mmpose.
        from mmpose_kd.datasets.transforms.loading import CheckedLoadImage
        self._loader = CheckedLoadImage(on_error='raise')

    def __call__(self, path: str) -> np.ndarray:
        """The BGR image; raises ``ImageLoadError`` naming the file."""
        return self._loader.transform(dict(img_path=path))['img']
