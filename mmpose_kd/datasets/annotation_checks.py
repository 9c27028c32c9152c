"""Checks of pose annotation files: every error names the file, and for a
bad instance its annotation id, image id and key.

Why: stock mmpose reads COCO-style files with ``xtcocotools`` and reshapes
keypoint arrays with ``reshape(-1, 3)``. A file that is not JSON raises a
``JSONDecodeError`` that names no file; a file without ``images`` or
``annotations`` gives an empty dataset; and a COCO-WholeBody instance whose
``foot_kpts`` holds 5 keypoints instead of 6 still reshapes, shifting every
later keypoint into the wrong part (face points become feet, ...) without an
error. These functions are what :mod:`mmpose_kd.datasets.checked_coco`
calls while it parses, and what :mod:`mmpose_kd.datasets.ubody` checks
UBody's per-scene COCO-WholeBody files with (re-raised there as its
``UBodyAnnotationError`` subclass); they are plain functions so tools can
use them too.
"""
import json
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import get_local_path

# COCO-WholeBody's parts, in the order CocoWholeBodyDataset concatenates
# them into the 133-keypoint vector, with their keypoint counts.
WHOLEBODY_KEYPOINT_FIELDS = (('keypoints', 17), ('foot_kpts', 6),
                             ('face_kpts', 68), ('lefthand_kpts',
                                                 21), ('righthand_kpts', 21))


class AnnotationFormatError(ValueError):
    """An annotation file is not what the dataset class reads; the message
    names the file (and the annotation, image and key where there is one).

    A ``ValueError`` with a single message argument, so that it survives
    being re-raised from a dataloader worker process."""


def _kind(value) -> str:
    return type(value).__name__


def describe_instance(path: str, ann: dict) -> str:
    """``'<file>: annotation id 7 (image id 3)'``, for error messages."""
    return (f"{path}: annotation id {ann.get('id', '?')} "
            f"(image id {ann.get('image_id', '?')})")


def check_top_level(data,
                    path: str,
                    keys: Sequence[str] = ('images', 'annotations')) -> None:
    """A COCO-style file is a JSON object whose ``keys`` hold lists.

    Raises:
        AnnotationFormatError: naming the file and the missing or bad key.
    """
    if not isinstance(data, dict):
        raise AnnotationFormatError(
            f'{path}: expected a COCO-style JSON object with '
            f'{" and ".join(repr(k) for k in keys)}, got a JSON '
            f'{_kind(data)}')
    for key in keys:
        if key not in data:
            raise AnnotationFormatError(
                f'{path}: missing top-level key {key!r} (a COCO-style '
                f'annotation file has {", ".join(repr(k) for k in keys)})')
        if not isinstance(data[key], list):
            raise AnnotationFormatError(
                f'{path}: top-level key {key!r} must hold a list, got a '
                f'{_kind(data[key])}')


def check_entries(data: dict, path: str) -> None:
    """Each image has ``id`` and ``file_name``, each annotation ``id`` and
    ``image_id`` (what the COCO index is built from).

    Raises:
        AnnotationFormatError: naming the file, the entry and the key.
    """
    for position, image in enumerate(data.get('images', ())):
        for key in ('id', 'file_name'):
            if not isinstance(image, dict) or key not in image:
                raise AnnotationFormatError(
                    f'{path}: images[{position}] has no key {key!r}')
    for position, ann in enumerate(data.get('annotations', ())):
        for key in ('id', 'image_id'):
            if not isinstance(ann, dict) or key not in ann:
                raise AnnotationFormatError(
                    f'{path}: annotations[{position}] has no key {key!r}')


def load_json(path: str):
    """Read a JSON file (local or through mmengine's file backends).

    Raises:
        FileNotFoundError: naming the file.
        AnnotationFormatError: the file is not valid UTF-8 JSON, naming it
            and where the parser stopped.
    """
    try:
        with get_local_path(path) as local_path, open(local_path, 'rb') as f:
            return json.load(f)
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f'annotation file {path} does not exist') from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise not_json_error(path, err) from err


def not_json_error(path: str, err: Exception) -> AnnotationFormatError:
    return AnnotationFormatError(f'{path}: not a valid JSON file ({err})')


def diagnose_coco_file(
    path: str, err: Exception, keys: Sequence[str] = ('images', 'annotations')
) -> AnnotationFormatError:
    """The error to raise when reading ``path`` as COCO failed with ``err``.

    Re-reads the file to find what is wrong with it (a missing key, a
    top-level key that is not a list, an entry without an id); only used
    on the failure path, so a good file is read once. Falls back to naming
    the file and the original error."""
    if isinstance(err, (json.JSONDecodeError, UnicodeDecodeError)):
        return not_json_error(path, err)
    try:
        data = load_json(path)
        check_top_level(data, path, keys)
        check_entries(data, path)
    except AnnotationFormatError as found:
        return found
    except Exception:  # the original error is the better report then
        pass
    return AnnotationFormatError(
        f'{path}: cannot be read as a COCO-style annotation file '
        f'({_kind(err)}: {err})')


def check_keys(ann: dict, keys: Iterable[str], path: str) -> None:
    """Raise naming the file, the annotation and the key when ``ann``
    lacks one of ``keys``."""
    for key in keys:
        if key not in ann:
            raise AnnotationFormatError(
                f'{describe_instance(path, ann)} has no key {key!r}')


def check_bbox(ann: dict, path: str) -> None:
    """``bbox`` holds 4 numbers (x, y, w, h)."""
    bbox = ann['bbox']
    if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
        raise AnnotationFormatError(
            f"{describe_instance(path, ann)}: key 'bbox' must hold 4 numbers "
            f'(x, y, w, h), got {bbox!r}')


def check_keypoint_fields(ann: dict, fields: Sequence[Tuple[str, int]],
                          path: str) -> None:
    """Each ``(key, count)`` of ``fields`` is present and holds exactly
    ``3 * count`` numbers (x, y, visibility per keypoint).

    Raises:
        AnnotationFormatError: naming the file, annotation id, image id,
            key, and the expected and actual lengths.
    """
    for key, count in fields:
        if key not in ann:
            raise AnnotationFormatError(
                f'{describe_instance(path, ann)} has no key {key!r} '
                f'(expected {3 * count} numbers: {count} keypoints x '
                '(x, y, visibility))')
        values = ann[key]
        if not isinstance(values, (list, tuple)):
            raise AnnotationFormatError(
                f'{describe_instance(path, ann)}: key {key!r} must be a list '
                f'of {3 * count} numbers, got a {_kind(values)}')
        if len(values) != 3 * count:
            raise AnnotationFormatError(
                f'{describe_instance(path, ann)}: key {key!r} must hold '
                f'{3 * count} numbers ({count} keypoints x (x, y, '
                f'visibility)), got {len(values)}')


def check_image_size(img: dict, path: str) -> None:
    """The image entry has ``width`` and ``height`` (boxes are clipped to
    them)."""
    for key in ('width', 'height'):
        if key not in img:
            raise AnnotationFormatError(
                f"{path}: image id {img.get('id', '?')} "
                f"({img.get('file_name', '?')!r}) has no key {key!r}")


def _count(values) -> Optional[int]:
    """Number of values in a (possibly nested) numeric list; None when it
    is not rectangular numbers."""
    try:
        return int(np.asarray(values, dtype=np.float64).size)
    except (TypeError, ValueError):
        return None


def check_mpii_entries(data, path: str, num_keypoints: int) -> None:
    """MPII's json (a list of people as mmpose's ``MpiiDataset`` reads it):
    each has ``image``, ``center`` (2 numbers), ``scale``, ``joints``
    (``num_keypoints`` (x, y) pairs) and ``joints_vis`` (``num_keypoints``
    flags).

    Raises:
        AnnotationFormatError: naming the file, the entry (index and image)
            and the key, with the expected and actual lengths.
    """
    if not isinstance(data, list):
        raise AnnotationFormatError(
            f'{path}: expected an MPII annotation file (a JSON list of '
            f'people), got a JSON {_kind(data)}')
    expected = (('center', 2, '2 numbers (x, y)'),
                ('joints', 2 * num_keypoints,
                 f'{num_keypoints} (x, y) pairs = {2 * num_keypoints} '
                 'numbers'), ('joints_vis', num_keypoints,
                              f'{num_keypoints} flags'))
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise AnnotationFormatError(
                f'{path}: entry {index} is a {_kind(entry)}, not an object')
        where = f"{path}: entry {index} (image {entry.get('image', '?')!r})"
        for key in ('image', 'scale'):
            if key not in entry:
                raise AnnotationFormatError(f'{where} has no key {key!r}')
        for key, size, what in expected:
            if key not in entry:
                raise AnnotationFormatError(
                    f'{where} has no key {key!r} (expected {what})')
            actual = _count(entry[key])
            if actual != size:
                got = 'values that are not numbers' if actual is None \
                    else f'{actual} numbers'
                raise AnnotationFormatError(
                    f'{where}: key {key!r} must hold {what}, got {got}')
