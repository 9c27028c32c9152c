"""The registered dataset: :class:`UBodyWholeBodyVideoDataset`, UBody read
as distributed (per-scene annotation files next to the videos) with
COCO-WholeBody's 133-keypoint metainfo.

It only strings together the other modules of this package: frames are
picked by :mod:`.selection`, files are read and checked by
:mod:`.annotations` (the shared COCO-WholeBody checks) and, with
``frame_source='video'``, frames are decoded by :mod:`.video`.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmpose.datasets.datasets.wholebody import CocoWholeBodyDataset
from mmpose.registry import DATASETS

from .annotations import (UBodyAnnotationError, check_image, check_instance,
                          load_scene_annotation, with_optional_fields)
from .selection import (ANNOTATION_FILE_NAME, DATASET_SPLITS, FRAME_SOURCES,
                        SPLIT_LIST_FILES, UBodyFrame, check_frame_interval,
                        check_split, find_scenes, load_test_list,
                        select_scene_frames)
from .video import VideoFrameReader, parse_video_frame_id, video_frame_id


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
        check_split(split, DATASET_SPLITS)
        check_frame_interval(frame_interval)
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
                check_image(image, path)
                img_id = len(image_list) + 1
                img_info = self._image_info(image, frame, img_id)
                image_list.append(img_info)
                for ann in anns_by_image.get(image['id'], ()):
                    check_instance(ann, path)
                    ann = with_optional_fields(ann)
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
