"""Painting: textured backgrounds and people, with OpenCV.

* :func:`render_background` ``(rng, width, height) -> HxWx3 uint8`` - smooth
  noise, stripes, checkers or a floor/wall split, with clutter shapes.
* :func:`render_person` ``(canvas, label_map, drawing, person_index)`` -
  paints a placed :class:`~.shapes.PersonDrawing` (anti-aliased, sub-pixel
  accurate) into ``canvas`` and the same shapes, without anti-aliasing, into
  ``label_map``, whose value at a pixel says which person and which body part
  was painted there last (see :func:`encode_label`).
"""
from typing import Tuple

import cv2
import numpy as np

from .layout import GROUP_STRIDE
from .shapes import PersonDrawing

# cv2 drawing with sub-pixel precision: coordinates are fixed point with
# SHIFT fractional bits.
SHIFT = 4
_ONE = 1 << SHIFT


def encode_label(person_index: int, group: int) -> int:
    """Label map value of part ``group`` of the ``person_index``-th person
    painted (0-based). 0 is background."""
    return (person_index + 1) * GROUP_STRIDE + group


def decode_label(label: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(person_index, group) of label map values; person_index is -1 on the
    background."""
    label = np.asarray(label, dtype=np.int64)
    return label // GROUP_STRIDE - 1, label % GROUP_STRIDE


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points) * _ONE).astype(np.int32)


def render_person(canvas: np.ndarray, label_map: np.ndarray,
                  drawing: PersonDrawing, person_index: int) -> None:
    """Paint a person (already placed in pixels) onto ``canvas`` (HxWx3
    uint8) and ``label_map`` (HxW uint16), in place."""
    for shape in drawing.shapes:
        pts = [_fixed(shape.points)]
        label = encode_label(person_index, shape.group)
        if shape.kind == 'fill':
            cv2.fillPoly(canvas, pts, shape.color, cv2.LINE_AA, SHIFT)
            cv2.fillPoly(label_map, pts, label, cv2.LINE_8, SHIFT)
            if shape.outline is not None and shape.width > 0:
                width = max(1, int(round(shape.width)))
                cv2.polylines(canvas, pts, True, shape.outline, width,
                              cv2.LINE_AA, SHIFT)
                cv2.polylines(label_map, pts, True, label, width, cv2.LINE_8,
                              SHIFT)
        elif shape.kind == 'line':
            width = max(1, int(round(shape.width)))
            cv2.polylines(canvas, pts, shape.closed, shape.color, width,
                          cv2.LINE_AA, SHIFT)
            cv2.polylines(label_map, pts, shape.closed, label, width,
                          cv2.LINE_8, SHIFT)
        else:
            raise ValueError(f'unknown shape kind {shape.kind!r}')


# ---------------------------------------------------------------------------
# backgrounds
# ---------------------------------------------------------------------------


def _smooth_noise(rng, width, height, cells, channels=3, amplitude=255.0):
    grid = rng.uniform(0, amplitude, size=(cells, cells, channels))
    return cv2.resize(
        grid.astype(np.float32), (width, height),
        interpolation=cv2.INTER_CUBIC)


def _stripes(rng, width, height):
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    period = rng.uniform(8, 40)
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period
    t = (0.5 + 0.5 * np.sin(2 * np.pi * phase))[..., None]
    return (c1 * t + c2 * (1 - t)).astype(np.float32)


def _checker(rng, width, height):
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    size = rng.uniform(10, 48)
    yy, xx = np.mgrid[0:height, 0:width]
    mask = ((xx // size + yy // size) % 2).astype(np.float32)[..., None]
    return (c1 * mask + c2 * (1 - mask)).astype(np.float32)


def _room(rng, width, height):
    horizon = int(height * rng.uniform(0.45, 0.8))
    wall = np.empty((height, width, 3), np.float32)
    wall[:] = rng.uniform(60, 230, 3)
    floor_color = rng.uniform(30, 200, 3)
    ramp = np.linspace(0.8, 1.2, height - horizon, dtype=np.float32)
    wall[horizon:] = floor_color * ramp[:, None, None]
    # planks / tiles on the floor
    for x in np.arange(0, width, rng.uniform(15, 40)):
        cv2.line(wall, (int(x), horizon),
                 (int(x + (x - width / 2) * 0.6), height), floor_color * 0.7,
                 1, cv2.LINE_AA)
    return wall


def render_background(rng: np.random.Generator, width: int,
                      height: int) -> np.ndarray:
    """A random textured background (HxWx3 uint8, BGR)."""
    kind = rng.integers(4)
    if kind == 0:
        img = _smooth_noise(rng, width, height, int(rng.integers(2, 7)))
    elif kind == 1:
        img = _stripes(rng, width, height)
    elif kind == 2:
        img = _checker(rng, width, height)
    else:
        img = _room(rng, width, height)
    # fine texture on top of every kind
    img += _smooth_noise(rng, width, height, int(rng.integers(16, 48)), 3,
                         rng.uniform(10, 50)) - 15.0
    img = np.clip(img, 0, 255).astype(np.uint8)
    # clutter: shapes that are not people
    for _ in range(int(rng.integers(0, 7))):
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(0.03, 0.2) * min(width, height)
        shape = rng.integers(3)
        if shape == 0:
            cv2.ellipse(img, (int(cx), int(cy)),
                        (int(size), int(size * rng.uniform(0.3, 1.0))),
                        float(rng.uniform(0, 180)), 0, 360, color, -1,
                        cv2.LINE_AA)
        elif shape == 1:
            pts = np.stack([
                cx + rng.uniform(-size, size, 4),
                cy + rng.uniform(-size, size, 4)
            ], 1)
            cv2.fillPoly(img, [_fixed(pts)], color, cv2.LINE_AA, SHIFT)
        else:
            p2 = (cx + rng.uniform(-2, 2) * size,
                  cy + rng.uniform(-2, 2) * size)
            cv2.line(img, (int(cx), int(cy)), (int(p2[0]), int(p2[1])), color,
                     int(rng.integers(1, 5)), cv2.LINE_AA)
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    return img
