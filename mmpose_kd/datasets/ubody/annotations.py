"""Reading and checking one UBody scene's ``keypoint_annotation.json``.

UBody's annotation files are COCO-WholeBody files, so the checks are the
shared ones of :mod:`mmpose_kd.datasets.annotation_checks` (the ones
``CheckedCocoWholeBodyDataset`` runs). What this module adds is the UBody
error type: every annotation problem is raised as
:class:`UBodyAnnotationError`, a subclass of ``AnnotationFormatError`` with
the shared check's message (file, annotation id, image id, key, lengths).
"""
import json
from contextlib import contextmanager

from ..annotation_checks import (WHOLEBODY_KEYPOINT_FIELDS,
                                 AnnotationFormatError, check_bbox,
                                 check_image_size, check_keypoint_fields,
                                 check_keys, check_top_level)

# The name the single-module ubody.py gave its own copy of this part list;
# kept so that code importing it from mmpose_kd.datasets.ubody still works.
WHOLEBODY_FIELDS = WHOLEBODY_KEYPOINT_FIELDS
# The keys CocoWholeBodyDataset.parse_data_info indexes besides the keypoint
# fields; UBody files need not carry 'category_id' (see with_optional_fields).
REQUIRED_ANN_KEYS = ('id', 'image_id', 'bbox')


class UBodyAnnotationError(AnnotationFormatError):
    """An annotation or split file does not look like UBody's.

    A subclass of ``AnnotationFormatError`` (itself a ``ValueError``), so one
    ``except AnnotationFormatError`` catches every annotation file problem
    mmpose_kd reports, COCO-style or UBody."""


@contextmanager
def as_ubody_error():
    """Re-raise the shared checks' ``AnnotationFormatError`` as
    :class:`UBodyAnnotationError` with the same message, so callers of the
    UBody code see one error type whichever check failed."""
    try:
        yield
    except UBodyAnnotationError:
        raise
    except AnnotationFormatError as err:
        # One message argument, like the base class: the error must survive
        # being re-raised from a dataloader worker process.
        raise UBodyAnnotationError(str(err)) from err


def load_scene_annotation(path: str) -> dict:
    """Read one scene's ``keypoint_annotation.json`` and check its top level
    (a JSON object whose ``images`` and ``annotations`` are lists).

    Raises:
        UBodyAnnotationError: naming the file and the bad key.
    """
    # Read here rather than with annotation_checks.load_json: the scene file
    # is local (find_scenes checked it exists) and the 'not valid JSON'
    # wording is the one UBody has always reported.
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise UBodyAnnotationError(f'{path}: not valid JSON ({err})') from err
    with as_ubody_error():
        check_top_level(data, path)
    return data


def check_image(image: dict, path: str) -> None:
    """A selected image entry has ``id`` (its annotations are found by it),
    ``width`` and ``height`` (boxes are clipped to them).

    Raises:
        UBodyAnnotationError: naming the file, the image and the key.
    """
    if 'id' not in image:
        raise UBodyAnnotationError(
            f'{path}: image {image["file_name"]!r} has no key \'id\'')
    with as_ubody_error():
        check_image_size(image, path)


def check_instance(ann: dict, path: str) -> None:
    """An instance has every field ``CocoWholeBodyDataset`` reads, each
    keypoint part at its length: a part one keypoint short would still
    reshape and shift every later part (see ``annotation_checks``).

    Raises:
        UBodyAnnotationError: naming the file, annotation id, image id and
            key (with the expected and actual lengths).
    """
    with as_ubody_error():
        check_keys(ann, REQUIRED_ANN_KEYS, path)
        check_bbox(ann, path)
        check_keypoint_fields(ann, WHOLEBODY_KEYPOINT_FIELDS, path)


def with_optional_fields(ann: dict) -> dict:
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
