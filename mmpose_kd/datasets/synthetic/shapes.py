"""The drawing of a person: :class:`Shape` primitives, the
:class:`PersonDrawing` they make up (placed into pixels by
:meth:`PersonDrawing.placed`), the outlines they are made of (ellipse,
circle, tapered capsule, convex hull) and :class:`ShapeBuilder`, which
collects keypoints and shapes while :func:`~.geometry.build_person` lays a
body out.
"""
from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import cv2
import numpy as np

from . import layout as L
from .appearance import shade
from .pose import Placement


@dataclass(frozen=True)
class Shape:
    """One drawing primitive.

    ``kind`` is ``'fill'`` (filled polygon, optional ``outline`` colour) or
    ``'line'`` (polyline of width ``width``; ``closed`` joins the ends).
    ``group`` is the id of the body part it belongs to (see
    :data:`~.layout.GROUPS`).
    """
    kind: str
    points: np.ndarray
    color: Tuple[int, int, int]
    group: int
    width: float = 0.0
    outline: Optional[Tuple[int, int, int]] = None
    closed: bool = False


@dataclass(frozen=True)
class PersonDrawing:
    """Keypoints (133, 2) and shapes of one person in one frame."""
    keypoints: np.ndarray
    shapes: List[Shape]

    def placed(self, placement: Placement) -> 'PersonDrawing':
        """The same drawing mapped to image pixels by ``placement``."""
        theta = np.deg2rad(placement.rotation)
        rot = np.array([[np.cos(theta), -np.sin(theta)],
                        [np.sin(theta), np.cos(theta)]]) * placement.height
        offset = np.asarray(placement.center, dtype=np.float64)

        def warp(p):
            return p @ rot.T + offset

        shapes = [
            replace(
                s, points=warp(s.points), width=s.width * placement.height)
            for s in self.shapes
        ]
        return PersonDrawing(keypoints=warp(self.keypoints), shapes=shapes)


# ---------------------------------------------------------------------------
# primitives
# ---------------------------------------------------------------------------


def rotation(deg: float) -> np.ndarray:
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def ellipse(center,
            ax: float,
            ay: float,
            angle: float = 0.0,
            n: int = 28) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([ax * np.cos(t), ay * np.sin(t)], axis=1)
    return pts @ rotation(angle).T + np.asarray(center)


def circle(center, r: float, n: int = 20) -> np.ndarray:
    return ellipse(center, r, r, 0.0, n)


def capsule(p0, p1, w0: float, w1: float, n: int = 8) -> np.ndarray:
    """Outline of a tapered limb from ``p0`` (width ``w0``) to ``p1``."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    length = np.linalg.norm(d)
    u = d / length if length > 1e-9 else np.array([0.0, 1.0])
    v = np.array([-u[1], u[0]])
    t = np.linspace(-np.pi / 2, np.pi / 2, n)
    end = [p1 + (w1 / 2) * (np.cos(a) * u + np.sin(a) * v) for a in t]
    start = [p0 + (w0 / 2) * (-np.cos(a) * u - np.sin(a) * v) for a in t]
    return np.array(end + start)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of a point cloud (OpenCV, float32 precision)."""
    hull = cv2.convexHull(np.asarray(points, dtype=np.float32))
    return hull.reshape(-1, 2).astype(np.float64)


# ---------------------------------------------------------------------------
# the collector
# ---------------------------------------------------------------------------


class ShapeBuilder:
    """Collects keypoints and shapes while the body is laid out."""

    def __init__(self):
        self.keypoints = np.zeros((L.NUM_WHOLEBODY, 2))
        self.shapes: List[Shape] = []

    def _add(self, kind, points, color, group, **style):
        self.shapes.append(
            Shape(kind, np.asarray(points, float), tuple(color),
                  L.GROUP_ID[group], **style))

    def fill(self, points, color, group, outline=None, width=0.0):
        self._add('fill', points, color, group, width=width, outline=outline)

    def line(self, points, color, group, width, closed=False):
        self._add('line', points, color, group, width=width, closed=closed)

    def fill_outlined(self, points, color, group, darken, width):
        """A filled shape outlined (width ``width``) in a darker shade
        (:func:`~.appearance.shade` by ``darken``) of its own colour."""
        self.fill(
            points, color, group, outline=shade(color, darken), width=width)

    def limb(self, p0, p1, w0, w1, color, group, outline_w):
        self.fill_outlined(
            capsule(p0, p1, w0, w1), color, group, 0.55, outline_w)

    def joint_pad(self, center, radius, color, group):
        self.fill_outlined(
            circle(center, radius), color, group, 0.5, radius * 0.25)
