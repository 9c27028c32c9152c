"""The unlabeled set of ``tools/make_unlabeled_set.py``: a folder of images
and videos -> image-info file + person-box file (COCO detection results) +
images, the format the SSPCM configs' unlabeled dataset reads
(``docs/unlabeled_data.md``).

Not imported by ``mmpose_kd`` itself: it registers nothing, and the
detector part imports mmdet.
"""
from .builder import (DETECTION_FILE, IMAGE_DIR, IMAGE_INFO_FILE, SUMMARY_FILE,
                      Summary, UnlabeledSetBuilder, UnlabeledSetError,
                      build_unlabeled_set)
from .detections import (DetectionFile, DetectionFileError, DetectorError,
                         MMDetDetector, PersonBoxFilter)
from .sources import FrameSampling, VideoReadError, scan_folder

__all__ = [
    'DETECTION_FILE', 'IMAGE_DIR', 'IMAGE_INFO_FILE', 'SUMMARY_FILE',
    'Summary', 'UnlabeledSetBuilder', 'UnlabeledSetError',
    'build_unlabeled_set', 'DetectionFile', 'DetectionFileError',
    'DetectorError', 'MMDetDetector', 'PersonBoxFilter', 'FrameSampling',
    'VideoReadError', 'scan_folder'
]
