"""Draw annotations on an image, to look at what the generator wrote.

:func:`draw_annotations` ``(image, annotations, scale=2) -> image`` marks the
body skeleton and every keypoint: filled green = visible (v=2), red ring =
occluded (v=1); v=0 keypoints are not drawn. White boxes are person boxes,
thin grey ones the face/hand boxes.
"""
from typing import Dict, Sequence

import cv2
import numpy as np

from .layout import COCO_SKELETON, PART_FIELDS

VISIBLE = (60, 220, 60)
OCCLUDED = (40, 40, 240)


def _triplets(ann: Dict) -> np.ndarray:
    return np.concatenate([
        np.asarray(ann[name], dtype=np.float64).reshape(-1, 3)
        for name, _ in PART_FIELDS
    ])


def draw_annotations(image: np.ndarray,
                     annotations: Sequence[Dict],
                     scale: float = 2.0) -> np.ndarray:
    """A ``scale``-times enlarged copy of ``image`` with the annotations."""
    out = cv2.resize(
        image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)

    def pt(xy):
        return (int(round(xy[0] * scale)), int(round(xy[1] * scale)))

    for ann in annotations:
        kpts = _triplets(ann)
        x, y, w, h = ann['bbox']
        cv2.rectangle(out, pt((x, y)), pt((x + w, y + h)), (255, 255, 255), 1,
                      cv2.LINE_AA)
        for box in ('face_box', 'lefthand_box', 'righthand_box'):
            bx, by, bw, bh = ann[box]
            if bw > 0:
                cv2.rectangle(out, pt((bx, by)), pt((bx + bw, by + bh)),
                              (170, 170, 170), 1, cv2.LINE_AA)
        for a, b in COCO_SKELETON:
            if kpts[a - 1, 2] > 0 and kpts[b - 1, 2] > 0:
                cv2.line(out, pt(kpts[a - 1]), pt(kpts[b - 1]),
                         (255, 255, 255), 1, cv2.LINE_AA)
        for i, (kx, ky, v) in enumerate(kpts):
            if v == 0:
                continue
            radius = 3 if i < 23 else 1
            if v == 2:
                cv2.circle(out, pt((kx, ky)), radius, VISIBLE, -1, cv2.LINE_AA)
            else:
                cv2.circle(out, pt((kx, ky)), radius + 1, OCCLUDED, 1,
                           cv2.LINE_AA)
    return out


def preview_grid(seed: int = 0,
                 img_size=256,
                 num_images: int = 2,
                 scale: float = 1.5,
                 split: str = 'train',
                 max_people: int = 3,
                 upper_body_fraction: float = 0.0) -> np.ndarray:
    """The first ``num_images`` images of ``split`` exactly as
    :func:`~.wholebody.generate_wholebody_dataset` writes them with the same
    ``seed``/``img_size``/``max_people``/``upper_body_fraction``: one row
    each, plain | annotated."""
    from .wholebody import parse_img_size, render_image
    width, height = parse_img_size(img_size)
    rows = []
    for index in range(num_images):
        image, anns = render_image(seed, split, index, width, height,
                                   max_people, upper_body_fraction)
        plain = cv2.resize(
            image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        rows.append(
            np.concatenate([plain, draw_annotations(image, anns, scale)],
                           axis=1))
    return np.concatenate(rows, axis=0)


def save_preview(path: str, image: np.ndarray) -> None:
    """Write a preview; ``.png`` files get a 256-colour palette (no
    dithering) so that a docs figure stays small."""
    if path.lower().endswith('.png'):
        from PIL import Image
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        Image.fromarray(rgb).quantize(
            colors=256, dither=Image.Dither.NONE).save(
                path, optimize=True)
    elif not cv2.imwrite(path, image):
        raise OSError(f'could not write preview image {path}')
