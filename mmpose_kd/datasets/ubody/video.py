"""Decoding UBody frames by number straight from the videos.

:class:`VideoFrameReader` keeps a per-process cache of open
``cv2.VideoCapture`` objects and reads frame ``k`` (1-based, the numbering
of the annotations). A frame served from its video has no file of its own:
:func:`video_frame_id` names it as ``'<video path>#frame=<k>'``, the
``img_path`` the dataset reports with ``frame_source='video'``.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .selection import ANNOTATION_FPS


class UBodyFrameReadError(RuntimeError):
    """A frame the annotations name cannot be decoded from its video."""


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
