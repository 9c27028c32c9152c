"""A folder of images and videos -> the unlabeled set the SSPCM configs
read: an image-info file (COCO ``images`` with ``categories``), a
person-box file in the COCO detection-results format, and the images
themselves under one folder. See ``docs/unlabeled_data.md``.
"""
import json
import os
import os.path as osp
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional, Sequence

from mmpose_kd.utils.validation import check_choice
from .detections import (IMAGE_SKIPPED, MALFORMED, NOT_IN_INPUT,
                         PERSON_CATEGORY_ID, DetectionFile, PersonBoxFilter)
from .sources import (FrameSampling, ImageDecoder, SourceFile, VideoReadError,
                      frame_file_name, iter_video_frames, scan_folder)

#: Where things go under the output folder. ``images/`` is the
#: ``data_prefix.img`` of the dataset; the two json files are its
#: ``ann_file`` and ``bbox_file``.
IMAGE_DIR = 'images'
IMAGE_INFO_FILE = 'annotations/image_info.json'
DETECTION_FILE = 'annotations/person_detections.json'
SUMMARY_FILE = 'summary.json'
IMAGE_MODES = ('symlink', 'hardlink', 'copy')

# COCO's person category with its 17 keypoints, as in COCO's own
# image_info files; mmpose reads the categories into its metainfo.
PERSON_CATEGORY = dict(
    id=PERSON_CATEGORY_ID,
    name='person',
    supercategory='person',
    keypoints=[
        'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
        'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
        'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
        'right_knee', 'left_ankle', 'right_ankle'
    ])


class UnlabeledSetError(RuntimeError):
    """The run cannot go on (``strict`` and a bad input, or an output that
    would be overwritten); the message names the file and the reason."""


@dataclass
class Summary:
    """What a run read, kept and skipped (also written as summary.json)."""
    files: int = 0
    images: int = 0
    videos: int = 0
    frames: int = 0
    entries_with_boxes: int = 0
    boxes_kept: int = 0
    boxes_dropped: Dict[str, int] = field(default_factory=dict)
    skipped: List[Dict[str, str]] = field(default_factory=list)
    malformed_detections: List[Dict[str, object]] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    outputs: Dict[str, str] = field(default_factory=dict)
    settings: Dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def format(self, max_listed: int = 20) -> str:
        """The lines printed at the end of a run."""
        dropped = sum(self.boxes_dropped.values())
        lines = [
            'Unlabeled set summary',
            f'  files found:       {self.files}',
            f'  images:            {self.images} listed',
            f'  videos:            {self.videos} read, {self.frames} '
            'frames sampled and listed',
            f'  listed in all:     {self.images + self.frames} '
            f'({self.entries_with_boxes} with at least one person box)',
            f'  person boxes:      {self.boxes_kept} kept, {dropped} '
            'dropped',
        ]
        for reason, count in sorted(self.boxes_dropped.items()):
            lines.append(f'    {count:6d} {reason}')
        lines.append(f'  skipped files:     {len(self.skipped)}')
        for item in self.skipped[:max_listed]:
            lines.append(f"    {item['file']}: {item['reason']}")
        if len(self.skipped) > max_listed:
            lines.append(f'    ... {len(self.skipped) - max_listed} more in '
                         f'{SUMMARY_FILE}')
        if self.malformed_detections:
            lines.append('  malformed detection entries: '
                         f'{len(self.malformed_detections)}')
            for item in self.malformed_detections[:max_listed]:
                lines.append(f"    entry {item['index']}: {item['reason']}")
        for warning in self.warnings:
            lines.append(f'  warning: {warning}')
        for name, path in self.outputs.items():
            lines.append(f'  {name}: {path}')
        return '\n'.join(lines)


def _place_image(src: str, dst: str, mode: str) -> None:
    os.makedirs(osp.dirname(dst), exist_ok=True)
    if osp.lexists(dst):
        os.remove(dst)
    if mode == 'symlink':
        os.symlink(osp.abspath(src), dst)
    elif mode == 'hardlink':
        os.link(src, dst)
    else:
        shutil.copy2(src, dst)


def _write_json(obj, path: str) -> None:
    from mmpose_kd.utils.atomic_io import atomic_write_text

    # one atomic write: a crash never leaves a half-written file that the
    # dataset would then fail to parse
    atomic_write_text(json.dumps(obj, separators=(',', ':')), path)


class UnlabeledSetBuilder:
    """Builds the unlabeled set; see :func:`build_unlabeled_set`."""

    def __init__(self,
                 input_dir: str,
                 out_dir: str,
                 *,
                 detector: Optional[Callable] = None,
                 detection_file: Optional[DetectionFile] = None,
                 score_thr: float = 0.5,
                 det_cat_id: int = 0,
                 sampling: FrameSampling = FrameSampling(interval=1),
                 image_mode: str = 'symlink',
                 frame_ext: str = 'jpg',
                 jpeg_quality: int = 95,
                 strict: bool = False,
                 overwrite: bool = False,
                 progress: bool = True,
                 warnings: Sequence[str] = ()):
        if (detector is None) == (detection_file is None):
            raise ValueError('give exactly one of a detector or a '
                             'detection file')
        if image_mode not in IMAGE_MODES:
            raise ValueError(f'image_mode must be one of {IMAGE_MODES}, got '
                             f'{image_mode!r}')
        check_choice(frame_ext, ('jpg', 'png'), 'frame_ext')
        self.input_dir = input_dir
        self.out_dir = out_dir
        self.detector = detector
        self.detection_file = detection_file
        self.box_filter = PersonBoxFilter(score_thr, det_cat_id)
        self.sampling = sampling
        self.image_mode = image_mode
        self.frame_ext = frame_ext
        self.jpeg_quality = jpeg_quality
        self.strict = strict
        self.overwrite = overwrite
        self.progress = progress
        self.summary = Summary(
            settings=dict(
                boxes_from=('detector' if detector is not None else
                            f'detection file {detection_file.path}'),
                score_thr=float(score_thr),
                det_cat_id=det_cat_id,
                frame_sampling=sampling.describe(),
                image_mode=image_mode),
            warnings=list(warnings))
        self.dropped = Counter()
        self.images: List[dict] = []
        self.boxes: List[dict] = []
        self._skipped_names = set()

    # ------------------------------------------------------------ helpers
    def _skip(self,
              source: SourceFile,
              reason: str,
              fatal_in_strict: bool = True) -> None:
        if self.strict and fatal_in_strict:
            raise UnlabeledSetError(
                f'{source.path}: {reason} (--strict stops at the first '
                'unreadable input; without it the file is skipped and '
                'counted)')
        self.summary.skipped.append(dict(file=source.rel, reason=reason))
        self._skipped_names.add(source.rel)

    def _add_entry(self, file_name: str, img, extra: dict) -> None:
        height, width = img.shape[:2]
        image_id = len(self.images) + 1
        self.images.append(
            dict(
                id=image_id,
                file_name=file_name,
                width=int(width),
                height=int(height),
                **extra))
        kept = 0
        for category, score, xyxy in self._detections(file_name, img):
            bbox, reason = self.box_filter(category, score, xyxy, width,
                                           height)
            if reason is not None:
                self.dropped[reason] += 1
                continue
            self.boxes.append(
                dict(
                    image_id=image_id,
                    category_id=PERSON_CATEGORY_ID,
                    bbox=bbox,
                    score=float(score)))
            kept += 1
        self.summary.boxes_kept += kept
        self.summary.entries_with_boxes += int(kept > 0)

    def _detections(self, file_name: str, img):
        if self.detector is not None:
            labels, scores, bboxes = self.detector(img)
            for label, score, xyxy in zip(labels, scores, bboxes):
                yield int(label), float(score), xyxy
        else:
            for _, entry in self.detection_file.pop(file_name):
                x, y, w, h = entry['bbox']
                yield entry['category_id'], float(entry['score']), \
                    (x, y, x + w, y + h)

    def _image(self, source: SourceFile, decode: ImageDecoder) -> None:
        from mmpose_kd.datasets.transforms.loading import ImageLoadError
        try:
            img = decode(source.path)
        except ImageLoadError as err:
            self._skip(source, f'broken image: {err}')
            return
        _place_image(source.path, osp.join(self.out_dir, IMAGE_DIR,
                                           source.rel), self.image_mode)
        self._add_entry(source.rel, img, {})
        self.summary.images += 1

    def _video(self, source: SourceFile) -> None:
        import cv2
        params = ([cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]
                  if self.frame_ext == 'jpg' else [])
        frames = 0
        try:
            for index, frame in iter_video_frames(source.path, self.sampling):
                name = frame_file_name(source.rel, index, self.frame_ext)
                dst = osp.join(self.out_dir, IMAGE_DIR, name)
                os.makedirs(osp.dirname(dst), exist_ok=True)
                if not cv2.imwrite(dst, frame, params):
                    # a full disk or a read-only folder: not the input's
                    # fault, and every later frame would fail the same way
                    raise OSError(f'cannot write frame {dst}')
                self._add_entry(name, frame,
                                dict(video=source.rel, frame_id=index))
                frames += 1
        except VideoReadError as err:
            reason = f'unreadable video: {err}'
            if frames:
                # its earlier frames stay listed; say where it broke
                reason += f' (after {frames} sampled frame(s), kept)'
            self._skip(source, reason)
            if not frames:
                return
        self.summary.videos += 1
        self.summary.frames += frames

    # ---------------------------------------------------------------- run
    def run(self) -> Summary:
        from tqdm import tqdm
        info_path = osp.join(self.out_dir, IMAGE_INFO_FILE)
        det_path = osp.join(self.out_dir, DETECTION_FILE)
        if not self.overwrite and (osp.exists(info_path)
                                   or osp.exists(det_path)):
            raise UnlabeledSetError(
                f'{info_path} already exists; pass --overwrite to replace '
                'the unlabeled set in that folder')
        sources = scan_folder(self.input_dir)
        self.summary.files = len(sources)
        if not any(s.kind in ('image', 'video') for s in sources):
            raise UnlabeledSetError(
                f'input folder {self.input_dir!r} holds no image or video '
                f'({len(sources)} file(s) in all)')
        decode = ImageDecoder()
        bar = tqdm(
            sources,
            unit='file',
            disable=not self.progress,
            dynamic_ncols=True)
        for source in bar:
            if source.kind == 'image':
                self._image(source, decode)
            elif source.kind == 'video':
                self._video(source)
            else:
                # not an input at all (a README, a label file): named, but
                # never fatal
                self._skip(
                    source, 'not an image or video (suffix '
                    f'{osp.splitext(source.rel)[1] or "none"!r})',
                    fatal_in_strict=False)
            bar.set_postfix(
                images=self.summary.images,
                frames=self.summary.frames,
                boxes=self.summary.boxes_kept,
                skipped=len(self.summary.skipped))
        bar.close()
        if self.detection_file is not None:
            self._account_detection_file()
        self.summary.boxes_dropped = dict(self.dropped)
        if not self.boxes:
            self.summary.warnings.append(
                'no person box was kept: the SSPCM unlabeled loader would '
                'be empty (lower --score-thr, or check --det-cat-id)')
        self._write(info_path, det_path)
        return self.summary

    def _account_detection_file(self) -> None:
        det = self.detection_file
        for index, reason in det.malformed:
            if self.strict:
                raise UnlabeledSetError(
                    f'--det-file {det.path!r}: entry {index}: {reason}')
            self.dropped[MALFORMED] += 1
            self.summary.malformed_detections.append(
                dict(index=index, reason=reason))
        for name, entries in sorted(det.by_image.items()):
            # a skipped image, or a frame of a skipped video
            if name in self._skipped_names or \
                    name.rsplit('/', 1)[0] in self._skipped_names:
                self.dropped[IMAGE_SKIPPED] += len(entries)
                continue
            if self.strict:
                raise UnlabeledSetError(
                    f'--det-file {det.path!r}: entry {entries[0][0]} names '
                    f'{name!r}, which is not in the input folder (or is a '
                    'frame the sampling does not keep)')
            self.dropped[NOT_IN_INPUT] += len(entries)

    def _write(self, info_path: str, det_path: str) -> None:
        image_info = dict(
            info=dict(
                description='unlabeled set made by '
                'tools/make_unlabeled_set.py',
                date_created=datetime.now(timezone.utc).isoformat(
                    timespec='seconds'),
                source=osp.abspath(self.input_dir),
                **{k: v
                   for k, v in self.summary.settings.items()}),
            licenses=[],
            categories=[PERSON_CATEGORY],
            images=self.images)
        _write_json(image_info, info_path)
        _write_json(self.boxes, det_path)
        self.summary.outputs = dict(
            data_root=osp.abspath(self.out_dir),
            ann_file=osp.abspath(info_path),
            bbox_file=osp.abspath(det_path),
            images=osp.abspath(osp.join(self.out_dir, IMAGE_DIR)),
            summary=osp.abspath(osp.join(self.out_dir, SUMMARY_FILE)))
        _write_json(self.summary.to_dict(), osp.join(self.out_dir,
                                                     SUMMARY_FILE))


def build_unlabeled_set(input_dir: str, out_dir: str, **kwargs) -> Summary:
    """Read every image and video under ``input_dir`` and write the
    unlabeled set under ``out_dir``: ``images/`` (the images, linked or
    copied, and the sampled video frames), ``annotations/image_info.json``
    (the dataset's ``ann_file``), ``annotations/person_detections.json``
    (its ``bbox_file``) and ``summary.json``. Keyword arguments are those
    of :class:`UnlabeledSetBuilder`."""
    return UnlabeledSetBuilder(input_dir, out_dir, **kwargs).run()
