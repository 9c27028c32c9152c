"""Image loading that either fails naming the file or skips it, counted.

Why: mmpose's ``LoadImage`` raises whatever the reader raised (for an
undecodable file an ``AssertionError``), and mmcv's ``ignore_empty=True``
returns ``None`` silently, so MMEngine's ``BaseDataset.__getitem__`` draws
another sample at random (``_rand_another``, up to ``max_refetch`` times)
and nobody learns how many images a run never saw. ``CheckedLoadImage``
makes both policies explicit:

* ``on_error='raise'`` (default): :class:`ImageLoadError` naming the path
  and what is wrong (missing, unreadable, empty, truncated, not decodable).
* ``on_error='skip'``: a warning with the path and the running count in the
  training log, then ``None``, so that the dataset refetches another sample
  (training mode only). The count is held in shared memory created when the
  transform is built, before the dataloader starts its workers, so skips in
  every worker add up; ``SkippedImageCountHook`` logs the total (summed over
  DDP ranks) at each epoch end and in the iteration log lines.

In test mode MMEngine turns a ``None`` into an error that names no file, and
an evaluation that silently leaves images out is wrong, so at validation and
test time (``results['dataset'].test_mode``) the transform raises with the
path whatever ``on_error`` says. A dataset that does not put itself into
``results['dataset']`` (all mmpose datasets do) cannot be told apart; then
``on_error`` applies as set.
"""
import logging
import multiprocessing
from typing import Optional

import mmcv
import numpy as np
from mmengine import fileio
from mmengine.logging import print_log
from mmpose.datasets.transforms import LoadImage
from mmpose.registry import TRANSFORMS

ON_ERROR = ('raise', 'skip')
JPEG_SOI = b'\xff\xd8'
JPEG_EOI = b'\xff\xd9'
JPEG_SOS = 0xDA
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


class ImageLoadError(OSError):
    """An image file is missing, unreadable, truncated or not decodable;
    the message names the file.

    Built from one message string (no ``errno``), so that PyTorch can
    re-raise it unchanged from a dataloader worker process."""


class SkipCounter:
    """A count shared by the process that creates it and the processes it
    starts later (dataloader workers, forked or spawned).

    A ``multiprocessing.Value`` in shared memory: workers increment the
    same integer the main process reads. A copy (``copy.deepcopy`` of a
    pipeline) shares the count rather than starting another one.
    """

    def __init__(self):
        self._value = multiprocessing.Value('q', 0)

    def increment(self) -> int:
        """Add one; return the new total (atomic across processes)."""
        with self._value.get_lock():
            self._value.value += 1
            return self._value.value

    @property
    def value(self) -> int:
        return int(self._value.value)

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return f'{type(self).__name__}(value={self.value})'


def _jpeg_truncated(data: bytes) -> bool:
    """True for a JPEG whose scan data has no end-of-image marker after it.

    Walks the marker segments to the first start-of-scan, so an EXIF
    thumbnail's own end marker (inside an APP1 segment) does not count;
    inside scan data 0xFF is always followed by 0x00 or a restart marker,
    so a 0xFFD9 after the first scan is the image's end. Data after the end
    marker (e.g. motion photos) is fine. A layout it does not understand is
    left to the decoder (False)."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length field
            pos += 2
            continue
        if marker == JPEG_SOS:
            return data.find(JPEG_EOI, pos) == -1
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], 'big')
    return True  # the headers end before any scan data


def truncation_problem(data: bytes) -> Optional[str]:
    """Why ``data`` looks like a cut-off JPEG or PNG, or None.

    Some decoders (OpenCV 4's libjpeg, turbojpeg) return a partly grey
    image for a truncated JPEG with only a console warning: a silent wrong
    sample. OpenCV 5 and Pillow fail instead; the check costs one scan of
    the bytes for the marker."""
    if data.startswith(JPEG_SOI) and _jpeg_truncated(data):
        return 'truncated JPEG (no end-of-image marker after the image data)'
    if data.startswith(PNG_SIGNATURE) and data.rfind(b'IEND') == -1:
        return 'truncated PNG (no IEND chunk)'
    return None


def _in_test_mode(results: dict) -> bool:
    return bool(getattr(results.get('dataset'), 'test_mode', False))


@TRANSFORMS.register_module()
class CheckedLoadImage(LoadImage):
    """Drop-in replacement for mmpose's ``LoadImage`` with an explicit
    policy for images that cannot be loaded.

    Args:
        on_error (str): ``'raise'`` (default): raise :class:`ImageLoadError`
            naming the file. ``'skip'``: warn (path and running count) and
            return ``None`` so that the training dataset draws another
            sample; counted in ``skip_counter`` for
            ``SkippedImageCountHook``. At validation/test time it raises
            whatever this says.
        check_truncation (bool): also treat a JPEG without its end marker,
            or a PNG without its IEND chunk, as broken (some decoders
            return a partly grey image for them). Default True.
        **kwargs: ``LoadImage``'s (``to_float32``, ``color_type``,
            ``imdecode_backend``, ``backend_args``...). ``ignore_empty`` is
            refused: it is mmcv's uncounted skip.

    An ``img`` already in the results (UBody frames decoded from video,
    inference on arrays) is kept, as ``LoadImage`` does.
    """

    def __init__(self,
                 on_error: str = 'raise',
                 check_truncation: bool = True,
                 **kwargs):
        if on_error not in ON_ERROR:
            raise ValueError(f'CheckedLoadImage: on_error must be one of '
                             f'{list(ON_ERROR)}, got {on_error!r}')
        if kwargs.get('ignore_empty'):
            raise ValueError(
                'CheckedLoadImage: ignore_empty skips without counting; use '
                "on_error='skip'")
        super().__init__(**kwargs)
        self.on_error = on_error
        self.check_truncation = check_truncation
        # Created here, in the process that builds the dataset, i.e. before
        # the dataloader starts its workers: they inherit this very counter.
        self.skip_counter = SkipCounter()

    def _read_bytes(self, path: str) -> bytes:
        try:
            if self.file_client_args is not None:
                client = fileio.FileClient.infer_client(
                    self.file_client_args, path)
                return client.get(path)
            return fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as err:
            raise ImageLoadError(f'image file {path} does not exist') from err
        except Exception as err:  # remote backends raise their own types
            raise ImageLoadError(f'image file {path} cannot be read '
                                 f'({type(err).__name__}: {err})') from err

    def _decode(self, data: bytes, path: str) -> np.ndarray:
        if not data:
            raise ImageLoadError(f'image file {path} is empty (0 bytes)')
        problem = self.check_truncation and truncation_problem(data)
        if problem:
            raise ImageLoadError(f'image file {path} is damaged: {problem}')
        try:
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
        except Exception as err:  # cv2.error, PIL's errors, ...
            raise ImageLoadError(f'image file {path} cannot be decoded '
                                 f'({type(err).__name__}: {err})') from err
        if img is None:
            raise ImageLoadError(
                f'image file {path} cannot be decoded: not an image or '
                f'damaged ({len(data)} bytes)')
        return img

    def transform(self, results: dict) -> Optional[dict]:
        if 'img' in results:
            return super().transform(results)
        path = results['img_path']
        try:
            img = self._decode(self._read_bytes(path), path)
        except ImageLoadError as err:
            if self.on_error == 'raise':
                raise
            if _in_test_mode(results):
                raise ImageLoadError(
                    f"{err} (on_error='skip' does not apply at validation "
                    'or test time: every image must be evaluated)') from err
            count = self.skip_counter.increment()
            print_log(
                f'CheckedLoadImage: skipped a sample, {err}; another sample '
                f'is drawn instead. {count} image load(s) skipped so far by '
                'this pipeline.',
                logger='current',
                level=logging.WARNING)
            return None
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(on_error={self.on_error!r}, '
                f'check_truncation={self.check_truncation}, '
                f'to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, '
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'backend_args={self.backend_args})')
