"""Drop-in replacements for mmpose's COCO-style datasets that check the
annotation file while they parse it (see ``annotation_checks.py`` for why).

=============================  ==========================================
``CheckedCocoDataset``         ``CocoDataset`` (17 keypoints)
``CheckedCocoWholeBodyDataset`` ``CocoWholeBodyDataset`` (17 body + 6 foot +
                               68 face + 2 x 21 hand keypoints)
``CheckedUBody2dDataset``      ``UBody2dDataset`` (UBody converted to one
                               COCO-WholeBody style file)
``CheckedAicDataset``          ``AicDataset`` (AI Challenger, 14 keypoints)
``CheckedMpiiDataset``         ``MpiiDataset`` (MPII's json, 16 keypoints)
=============================  ==========================================

Each takes exactly the arguments of the stock class and returns the same
data list for a good file (the checks only read). A bad file raises, before
training starts:

* ``FileNotFoundError`` naming a missing annotation (or bbox) file;
* :class:`AnnotationFormatError` naming the file, for a file that is not
  JSON, lacks ``images`` / ``annotations`` (or they are not lists), or has
  an image or annotation without an id;
* :class:`AnnotationFormatError` naming the file, annotation id, image id,
  key, and the expected and actual lengths, for an instance whose keypoint
  array has the wrong length or is missing, or that lacks another key the
  stock parser reads (``bbox``, ``category_id``, ...).

``UBodyWholeBodyVideoDataset`` (``ubody/``) reads UBody's per-scene files
with its own checks and is not one of these.
"""
from typing import List, Optional, Sequence, Tuple

from mmengine.fileio import exists
from mmpose.datasets.datasets.body import AicDataset, CocoDataset, MpiiDataset
from mmpose.datasets.datasets.wholebody import (CocoWholeBodyDataset,
                                                UBody2dDataset)
from mmpose.registry import DATASETS

from .annotation_checks import (WHOLEBODY_KEYPOINT_FIELDS,
                                AnnotationFormatError, check_bbox,
                                check_image_size, check_keypoint_fields,
                                check_keys, check_mpii_entries,
                                check_top_level, diagnose_coco_file, load_json)


def _require_file(path: Optional[str], what: str) -> None:
    # The stock classes assert; an AssertionError is stripped by
    # ``python -O`` and reads like a bug rather than a missing file.
    if not path or not exists(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')


class CheckedCocoStyleMixin:
    """Adds the checks to a ``BaseCocoStyleDataset`` subclass; put it first
    in the bases. Not registered: the registered classes below are."""

    # (key, keypoint count) per instance, in the order the stock class
    # concatenates them; None: ``'keypoints'`` with the metainfo's count.
    KEYPOINT_FIELDS: Optional[Tuple[Tuple[str, int], ...]] = None
    # The other annotation keys the stock ``parse_data_info`` indexes.
    REQUIRED_ANN_KEYS: Tuple[str,
                             ...] = ('id', 'image_id', 'bbox', 'category_id')

    def keypoint_fields(self) -> Sequence[Tuple[str, int]]:
        if self.KEYPOINT_FIELDS is not None:
            return self.KEYPOINT_FIELDS
        return (('keypoints', int(self._metainfo['num_keypoints'])), )

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        _require_file(self.ann_file, 'annotation file')
        try:
            loaded = super()._load_annotations()
        except AnnotationFormatError:
            raise
        except Exception as err:
            # JSONDecodeError, xtcocotools' assert on a non-object file,
            # KeyError/TypeError while indexing: re-read the file (only on
            # this failure path) to say what is wrong, naming the file.
            raise diagnose_coco_file(self.ann_file, err) from err
        # xtcocotools accepts a file without 'images' or 'annotations' and
        # mmpose then builds an empty or annotation-less dataset.
        check_top_level(self.coco.dataset, self.ann_file)
        return loaded

    def _load_detection_results(self) -> List[dict]:
        _require_file(self.ann_file, 'annotation file')
        _require_file(self.bbox_file, 'bbox file')
        try:
            return super()._load_detection_results()
        except AnnotationFormatError:
            raise
        except Exception as err:
            # Either file may be the bad one: check the boxes, then the
            # image list (an image-info file needs no 'annotations').
            load_json(self.bbox_file)
            raise diagnose_coco_file(
                self.ann_file, err, keys=('images', )) from err

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        path = self.ann_file
        check_keys(ann, self.REQUIRED_ANN_KEYS, path)
        check_bbox(ann, path)
        check_keypoint_fields(ann, self.keypoint_fields(), path)
        check_image_size(raw_data_info['raw_img_info'], path)
        return super().parse_data_info(raw_data_info)


@DATASETS.register_module()
class CheckedCocoDataset(CheckedCocoStyleMixin, CocoDataset):
    """mmpose's ``CocoDataset`` that raises, naming the file, annotation,
    image and key, on a malformed annotation file or a ``keypoints`` array
    that is not 3 x ``num_keypoints`` long (17 for COCO), instead of a
    ``JSONDecodeError`` without a file name, an empty dataset, or a silent
    drop of instances without keypoints. Same arguments as ``CocoDataset``.
    """


@DATASETS.register_module()
class CheckedAicDataset(CheckedCocoStyleMixin, AicDataset):
    """mmpose's ``AicDataset`` (AI Challenger in COCO format, 14
    keypoints) with the checks of :class:`CheckedCocoDataset`."""


_WHOLEBODY_ANN_KEYS = ('id', 'image_id', 'bbox', 'category_id', 'iscrowd',
                       'segmentation', 'num_keypoints')


@DATASETS.register_module()
class CheckedCocoWholeBodyDataset(CheckedCocoStyleMixin, CocoWholeBodyDataset):
    """mmpose's ``CocoWholeBodyDataset`` that checks every part's array.

    The stock class concatenates ``keypoints + foot_kpts + face_kpts +
    lefthand_kpts + righthand_kpts`` and reshapes to (-1, 3): one part of
    the wrong length shifts every later keypoint into another part without
    an error. Here each must hold 3 x (17, 6, 68, 21, 21) numbers, or the
    error names the file, annotation id, image id, key, and the expected
    and actual lengths. Malformed files are named as in
    :class:`CheckedCocoDataset`. Same arguments as the stock class.
    """
    KEYPOINT_FIELDS = WHOLEBODY_KEYPOINT_FIELDS
    REQUIRED_ANN_KEYS = _WHOLEBODY_ANN_KEYS


@DATASETS.register_module()
class CheckedUBody2dDataset(CheckedCocoStyleMixin, UBody2dDataset):
    """mmpose's ``UBody2dDataset`` (UBody converted to COCO-WholeBody style
    files) with the checks of :class:`CheckedCocoWholeBodyDataset`."""
    KEYPOINT_FIELDS = WHOLEBODY_KEYPOINT_FIELDS
    REQUIRED_ANN_KEYS = _WHOLEBODY_ANN_KEYS


@DATASETS.register_module()
class CheckedMpiiDataset(MpiiDataset):
    """mmpose's ``MpiiDataset`` that checks its json first: a list of
    people, each with ``image``, ``center``, ``scale``, ``joints``
    (``num_keypoints`` (x, y) pairs, 16 for MPII) and ``joints_vis``.
    Errors name the file, the entry (index and image) and the key, with
    the expected and actual lengths. The file is read twice (the check,
    then the stock parser); MPII's files are a few MB.
    """

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        _require_file(self.ann_file, 'annotation file')
        check_mpii_entries(
            load_json(self.ann_file), self.ann_file,
            int(self._metainfo['num_keypoints']))
        return super()._load_annotations()
