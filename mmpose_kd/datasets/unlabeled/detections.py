"""Person boxes for the unlabeled set: from an mmdet detector named by its
config and checkpoint, or from an existing detection file in the COCO
detection-results format; and the rules that keep or drop each box.
"""
import json
import math
import os.path as osp
import warnings
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: The category id the written boxes carry: mmpose's
#: ``BaseCocoStyleDataset._load_detection_results`` keeps only
#: ``category_id == 1`` (COCO's person) from a ``bbox_file``.
PERSON_CATEGORY_ID = 1

# Why a box is not in the output (the summary counts each).
BELOW_THRESHOLD = 'below the score threshold'
OTHER_CATEGORY = 'not the person category'
EMPTY_BOX = 'empty once clipped to the image (a side under 1 px)'
MALFORMED = 'malformed entry in the detection file'
NOT_IN_INPUT = 'its image is not in the input (or a frame not sampled)'
IMAGE_SKIPPED = 'its image or video was skipped as unreadable'


class DetectionFileError(ValueError):
    """The detection file (or its image list) cannot be used at all; the
    message names the file."""


class DetectorError(RuntimeError):
    """The detector cannot be built or loaded; the message names the
    option and the file."""


# ------------------------------------------------------------------ boxes
class PersonBoxFilter:
    """Keeps a detection when it is of the person category and its score
    is at least ``score_thr`` (the rule of mmpose's ``bbox_score_thr``:
    drop when ``score < thr``); clips it to the image and drops it when a
    side is then under 1 px (an empty crop for the pose network)."""

    def __init__(self, score_thr: float, category: int):
        self.score_thr = float(score_thr)
        self.category = category

    def __call__(self, category, score: float, xyxy: Sequence[float],
                 width: int,
                 height: int) -> Tuple[Optional[List[float]], Optional[str]]:
        """``(COCO xywh box, None)`` when kept, else ``(None, reason)``."""
        if category != self.category:
            return None, OTHER_CATEGORY
        if score < self.score_thr:
            return None, BELOW_THRESHOLD
        x1, y1, x2, y2 = (float(v) for v in xyxy)
        x1, x2 = min(max(x1, 0.), width), min(max(x2, 0.), width)
        y1, y2 = min(max(y1, 0.), height), min(max(y2, 0.), height)
        if x2 - x1 < 1 or y2 - y1 < 1:
            return None, EMPTY_BOX
        return [
            round(x1, 2),
            round(y1, 2),
            round(x2 - x1, 2),
            round(y2 - y1, 2)
        ], None


# ------------------------------------------------------------ detection file
def _finite_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def check_detection_entry(entry) -> Optional[str]:
    """What is wrong with one entry of a detection-results list, or None.

    An entry names its image by ``file_name`` (the path relative to the
    input folder) or by ``image_id`` (resolved through the image list);
    it needs ``category_id``, a ``bbox`` of four finite numbers ``[x, y,
    w, h]`` and a finite ``score``."""
    if not isinstance(entry, dict):
        return f'not an object but {type(entry).__name__}'
    if 'file_name' not in entry and 'image_id' not in entry:
        return "no 'image_id' or 'file_name'"
    for key in ('category_id', 'bbox', 'score'):
        if key not in entry:
            return f'no {key!r}'
    bbox = entry['bbox']
    if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
            or not all(_finite_number(v) for v in bbox)):
        return f"'bbox' is not four finite numbers [x, y, w, h]: {bbox!r}"
    if not _finite_number(entry['score']):
        return f"'score' is not a finite number: {entry['score']!r}"
    return None


def _load_json(path: str, option: str):
    if not osp.isfile(path):
        raise DetectionFileError(f'{option} {path!r} does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DetectionFileError(
            f'{option} {path!r} is not readable JSON: {err}') from err


def load_image_names(path: str) -> Dict[object, str]:
    """``image id -> file_name`` from a COCO file's ``images`` list (an
    image-info file such as ``image_info_unlabeled2017.json``, or the one
    this tool writes)."""
    data = _load_json(path, '--det-image-info')
    images = data.get('images') if isinstance(data, dict) else None
    if not isinstance(images, list):
        raise DetectionFileError(
            f"--det-image-info {path!r} has no 'images' list")
    names = {}
    for i, img in enumerate(images):
        if not isinstance(img, dict) or 'id' not in img or \
                not isinstance(img.get('file_name'), str):
            raise DetectionFileError(
                f"--det-image-info {path!r}: images[{i}] lacks 'id' or a "
                f"'file_name' string: {str(img)[:200]}")
        names[img['id']] = img['file_name'].replace('\\', '/')
    return names


class DetectionFile:
    """The entries of a COCO detection-results file, grouped by the image
    they name (its path relative to the input folder).

    Malformed entries, and entries whose ``image_id`` the image list does
    not hold, are kept in :attr:`malformed` as ``(index, reason)``.
    """

    def __init__(self, path: str, image_info: Optional[str] = None):
        self.path = path
        entries = _load_json(path, '--det-file')
        if not isinstance(entries, list):
            raise DetectionFileError(
                f'--det-file {path!r} must be a JSON list of detections '
                '{image_id, category_id, bbox, score} (COCO detection '
                f'results), got a {type(entries).__name__}')
        names = load_image_names(image_info) if image_info else None
        self.by_image: Dict[str, List[Tuple[int, dict]]] = defaultdict(list)
        self.malformed: List[Tuple[int, str]] = []
        self.num_entries = len(entries)
        needs_names = False
        for index, entry in enumerate(entries):
            problem = check_detection_entry(entry)
            if problem is None:
                name = entry.get('file_name')
                if name is None:
                    if names is None:
                        needs_names = True
                        continue
                    name = names.get(entry['image_id'])
                    if name is None:
                        problem = (f"image_id {entry['image_id']!r} is not "
                                   f'in --det-image-info {image_info!r}')
            if problem is not None:
                self.malformed.append((index, problem))
            else:
                self.by_image[str(name).replace('\\', '/')].append(
                    (index, entry))
        if needs_names:
            raise DetectionFileError(
                f'--det-file {path!r} names images by image_id: give the '
                'COCO file that lists those images (id, file_name) as '
                '--det-image-info, or put a file_name in each entry')

    def pop(self, file_name: str) -> List[Tuple[int, dict]]:
        """The entries for one image (removed: what is left at the end
        named no image of the input)."""
        return self.by_image.pop(file_name, [])


# ------------------------------------------------------------------ detector
class MMDetDetector:
    """An mmdet detector built with mmdet's own API (``init_detector``)
    from a config file and a checkpoint; :meth:`__call__` returns its
    boxes for one BGR image as ``(labels, scores, xyxy boxes)``.

    The checkpoint is loaded here rather than by ``init_detector``, whose
    non-strict load only logs a warning for a checkpoint of another
    architecture and then detects with random weights: missing weights or
    shape mismatches raise, naming the file and keys; keys the model does
    not have are listed in :attr:`unexpected_keys` (converted checkpoints
    often carry a few).
    """

    def __init__(self,
                 config: str,
                 checkpoint: str,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None):
        from mmpose_kd.utils.config import resolve_config_path
        try:  # 'mmdet::rtmdet/...' names a config of the installed mmdet
            config = resolve_config_path(config or '')
        except FileNotFoundError as err:
            raise DetectorError(f'--det-config: {err}') from None
        if not checkpoint or not osp.isfile(checkpoint):
            raise DetectorError(
                f'--det-checkpoint {checkpoint!r} does not exist')
        # mmdet is imported only here: `import mmpose_kd` must stay light.
        from mmdet.apis import init_detector
        from mmdet.utils import get_test_pipeline_cfg
        from mmengine.config import Config
        from mmengine.dataset import Compose
        from mmengine.registry import DefaultScope

        from mmpose_kd.utils.checkpoint import load_checkpoint_file
        try:
            cfg = Config.fromfile(config)
        except Exception as err:
            raise DetectorError(f'--det-config {config!r} cannot be read: '
                                f'{type(err).__name__}: {err}') from err
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        if 'init_cfg' in cfg.model.get('backbone', {}):
            # the checkpoint replaces any pretrained backbone: never
            # download it
            cfg.model.backbone.init_cfg = None
        # init_detector switches mmengine's default scope to mmdet; restore
        # the caller's (an mmpose process builds mmpose modules after us).
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope', 'mmdet')):
            try:
                # it warns that there is no checkpoint (we load it next),
                # after a simplefilter('once') that no filter of ours
                # could precede: record, and pass the other warnings on
                with warnings.catch_warnings(record=True) as caught:
                    model = init_detector(cfg, None, device=device)
                for w in caught:
                    if 'checkpoint is None' not in str(w.message):
                        warnings.warn_explicit(w.message, w.category,
                                               w.filename, w.lineno)
            except Exception as err:
                raise DetectorError(
                    f'--det-config {config!r}: the detector cannot be '
                    f'built: {type(err).__name__}: {err}') from err
            try:
                ckpt = load_checkpoint_file(checkpoint, '--det-checkpoint')
            except (OSError, RuntimeError) as err:  # not a torch file, ...
                raise DetectorError(str(err)) from err
            self.unexpected_keys = self._load(model, ckpt, checkpoint)
            pipeline_cfg = get_test_pipeline_cfg(cfg.copy())
            # images arrive decoded (the same array the loader checked)
            pipeline_cfg[0].type = 'mmdet.LoadImageFromNDArray'
            self.pipeline = Compose(pipeline_cfg)
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        dataset_meta = meta.get('dataset_meta') or {}
        classes = dataset_meta.get('classes') or meta.get('CLASSES')
        if classes is not None:
            model.dataset_meta = dict(
                model.dataset_meta or {}, classes=tuple(classes))
        self.classes = tuple(model.dataset_meta.get('classes') or ())
        self.model = model

    @staticmethod
    def _load(model, ckpt, path: str) -> List[str]:
        from mmpose_kd.utils.checkpoint import (extract_state_dict,
                                                summarize_keys)
        try:
            state = extract_state_dict(ckpt)
        except ValueError as err:
            raise DetectorError(
                f'--det-checkpoint {path!r} holds no weights') from err
        own = model.state_dict()
        missing = [k for k in own if k not in state]
        shapes = [
            f'{k}: checkpoint {tuple(v.shape)} vs model '
            f'{tuple(own[k].shape)}' for k, v in state.items() if k in own
            and hasattr(v, 'shape') and tuple(v.shape) != tuple(own[k].shape)
        ]
        if missing or shapes:
            raise DetectorError(
                f'--det-checkpoint {path!r} does not match the detector '
                f'of --det-config: missing keys: {summarize_keys(missing)}; '
                f'shape mismatches: {summarize_keys(shapes)}')
        unexpected = [k for k in state if k not in own]
        model.load_state_dict({k: v
                               for k, v in state.items() if k in own},
                              strict=True)
        return unexpected

    def class_name(self, label: int) -> Optional[str]:
        if 0 <= label < len(self.classes):
            return str(self.classes[label])
        return None

    def __call__(self,
                 img: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        import torch
        data = self.pipeline(dict(img=img, img_id=0))
        data = dict(
            inputs=[data['inputs']], data_samples=[data['data_samples']])
        with torch.no_grad():
            result = self.model.test_step(data)[0]
        pred = result.pred_instances
        return (pred.labels.cpu().numpy(), pred.scores.cpu().numpy(),
                pred.bboxes.cpu().numpy())
