"""Scenes: 1-3 people on a textured background, with their annotations.

* :class:`PersonSpec` - pose + appearance + placement of one person.
* :func:`sample_people` ``(rng, width, height, ...) -> [PersonSpec]`` - side
  by side with some overlap, sometimes partly out of frame (or, with
  ``upper_body=True``, framed from the head to about the waist); the list
  order is the painting order (later people occlude earlier ones).
* :func:`compose_scene` ``(background, people) -> (image, annotations)`` -
  paints the people and derives, from what was actually painted, each
  keypoint's visibility: 2 visible, 1 covered by another person painted on
  top or by another part of the same person, 0 (with zero coordinates) out of
  frame. People with no labeled keypoint get no annotation.
* :func:`render_scene` ``(rng, width, height, ...) -> (image, annotations)``
  - both of the above on a random background.

Annotations are :func:`~.coco_format.person_annotation` dicts without ``id``
and ``image_id``; the caller numbers them. For video-like data keep the
background and the :class:`PersonSpec` list, move the poses with
:func:`~.pose.evolve_pose` (and the placements) and call
:func:`compose_scene` once per frame.
"""
import dataclasses
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import layout as L
from .appearance import PersonAppearance, sample_appearance
from .coco_format import person_annotation
from .geometry import SIDES, build_person
from .pose import PersonPose, Placement, evolve_pose, sample_pose
from .render import decode_label, render_background, render_person
from .shapes import PersonDrawing

# How much of the image height a person's standing height takes, by the
# number of people in the image.
HEIGHT_FRACTION = {1: (0.62, 0.95), 2: (0.55, 0.88), 3: (0.5, 0.8)}
MIN_BODY_IN_FRAME = 9  # of 17 body keypoints, for people placed at a border
# Head top to pelvis of a standing person, in standing heights (the
# synthetic person's torso + neck + head).
_HEAD_TOP_TO_PELVIS = 0.535


@dataclass(frozen=True)
class PersonSpec:
    """Everything needed to draw one person in one frame."""
    pose: PersonPose
    appearance: PersonAppearance
    placement: Placement
    arm_order: Tuple[str, str] = SIDES

    def drawing(self) -> PersonDrawing:
        """The person's keypoints and shapes in image pixels."""
        return build_person(self.pose, self.appearance,
                            self.arm_order).placed(self.placement)


def in_frame(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bool mask of points inside the image (pixel centres 0..W-1, 0..H-1)."""
    return (points[:, 0] >= 0) & (points[:, 0] <= width - 1) & \
        (points[:, 1] >= 0) & (points[:, 1] <= height - 1)


def _sample_placement(rng, width, height, slot, num_people, partial):
    low, high = HEIGHT_FRACTION[min(num_people, 3)]
    person_h = rng.uniform(low, high) * height
    cx = (slot + 0.5 + rng.uniform(-0.3, 0.3)) / num_people * width
    # the pelvis sits about half-way down a standing person
    cy = height * 0.5 + rng.uniform(-0.08, 0.08) * height
    if partial:
        where = rng.integers(4)
        if where == 0:
            cx = rng.uniform(-0.05, 0.12) * width
        elif where == 1:
            cx = rng.uniform(0.88, 1.05) * width
        elif where == 2:
            cy = height * 0.5 + rng.uniform(0.15, 0.35) * person_h
        else:
            cy = height * 0.5 - rng.uniform(0.1, 0.25) * person_h
    rotation = float(np.clip(rng.normal(0.0, 10.0), -40.0, 40.0))
    return Placement(
        center=(float(cx), float(cy)),
        height=float(person_h),
        rotation=rotation)


def sample_people(rng: np.random.Generator,
                  width: int,
                  height: int,
                  num_people: Optional[int] = None,
                  max_people: int = 3,
                  partial_prob: float = 0.3,
                  max_tries: int = 20,
                  upper_body: bool = False) -> List[PersonSpec]:
    """Sample people for one image.

    Args:
        rng: numpy random generator.
        width, height: image size in pixels.
        num_people: how many; uniform in ``1..max_people`` when ``None``.
        max_people: upper bound when ``num_people`` is ``None``.
        partial_prob: probability that a person is pushed against a border
            (partly out of frame). Such a person keeps at least
            ``MIN_BODY_IN_FRAME`` body keypoints inside the image.
        max_tries: placements tried before falling back to a centred one.
        upper_body: frame them as UBody does instead
            (:func:`sample_upper_body_people`: head to about the waist, at
            most 2 people when ``num_people`` is ``None``), so faces and
            hands are large; ``partial_prob`` and ``max_tries`` are unused.

    Returns:
        PersonSpec list in painting order (back to front).
    """
    if upper_body:
        if num_people is None:
            num_people = int(rng.integers(1, min(max_people, 2) + 1))
        return sample_upper_body_people(rng, width, height, num_people)
    if num_people is None:
        num_people = int(rng.integers(1, max_people + 1))
    if num_people < 1:
        raise ValueError(f'num_people must be >= 1, got {num_people}')
    slots = rng.permutation(num_people)  # painting order != left-to-right
    people = []
    for slot in slots:
        pose = sample_pose(rng)
        appearance = sample_appearance(rng)
        arm_order = SIDES if rng.random() < 0.5 else SIDES[::-1]
        spec = None
        for _ in range(max_tries):
            placement = _sample_placement(rng, width, height, int(slot),
                                          num_people,
                                          rng.random() < partial_prob)
            candidate = PersonSpec(pose, appearance, placement, arm_order)
            body = candidate.drawing().keypoints[L.BODY_SLICE]
            if in_frame(body, width, height).sum() >= MIN_BODY_IN_FRAME:
                spec = candidate
                break
        if spec is None:
            fallback = Placement(
                center=(width / 2, height / 2), height=0.6 * height)
            spec = PersonSpec(pose, appearance, fallback, arm_order)
        people.append(spec)
    return people


def sample_upper_body_people(rng: np.random.Generator, width: int, height: int,
                             num_people: int) -> List[PersonSpec]:
    """People framed from the head to about the waist, side by side."""
    people = []
    for slot in rng.permutation(num_people):
        head_top = rng.uniform(0.04, 0.18) * height
        person_height = rng.uniform(1.5, 1.9) * height / max(
            1.0, 0.6 * num_people)
        center_x = (slot + 0.5 + rng.uniform(-0.15, 0.15)) / num_people * \
            width
        center_y = head_top + _HEAD_TOP_TO_PELVIS * person_height
        placement = Placement(
            center=(float(center_x), float(center_y)),
            height=float(person_height),
            rotation=float(np.clip(rng.normal(0, 5), -15, 15)))
        arm_order = SIDES if rng.random() < 0.5 else SIDES[::-1]
        people.append(
            PersonSpec(
                sample_pose(rng), sample_appearance(rng), placement,
                arm_order))
    return people


def keypoint_visibility(keypoints: np.ndarray, label_map: np.ndarray,
                        person_index: int) -> np.ndarray:
    """COCO visibility flags of the ``person_index``-th painted person.

    0: outside the image. 1: the top-most paint at the keypoint's pixel is a
    person painted later or another body part of the same person. 2:
    otherwise (its own part, the background, or a person behind it).
    """
    height, width = label_map.shape
    vis = np.zeros(len(keypoints), dtype=np.int64)
    inside = in_frame(keypoints, width, height)
    idx = np.nonzero(inside)[0]
    px = np.round(keypoints[idx]).astype(np.int64)
    owner, group = decode_label(label_map[px[:, 1], px[:, 0]])
    for k, o, g in zip(idx, owner, group):
        if o > person_index:
            vis[k] = 1
        elif o == person_index and g not in L.KEYPOINT_OWN_GROUPS[k]:
            vis[k] = 1
        else:
            vis[k] = 2
    return vis


def compose_scene(background: np.ndarray, people: Sequence[PersonSpec]
                  ) -> Tuple[np.ndarray, List[Dict]]:
    """Paint ``people`` (back to front) onto a copy of ``background``.

    Returns:
        (image, annotations): the HxWx3 uint8 image and one COCO-WholeBody
        annotation dict per person with at least one labeled keypoint, in
        painting order.
    """
    if background.ndim != 3 or background.shape[2] != 3:
        raise ValueError(f'background must be HxWx3, got shape '
                         f'{background.shape}')
    image = background.copy()
    height, width = image.shape[:2]
    label_map = np.zeros((height, width), dtype=np.uint16)
    drawings, masks = [], []
    for i, person in enumerate(people):
        drawing = person.drawing()
        render_person(image, label_map, drawing, i)
        # nothing is painted over person i yet: this is its full silhouette
        masks.append(decode_label(label_map)[0] == i)
        drawings.append(drawing)
    annotations = []
    for i, (drawing, mask) in enumerate(zip(drawings, masks)):
        vis = keypoint_visibility(drawing.keypoints, label_map, i)
        ann = person_annotation(drawing.keypoints, vis, mask)
        if ann is not None:
            annotations.append(ann)
    return image, annotations


def render_scene(rng: np.random.Generator, width: int, height: int,
                 **people) -> Tuple[np.ndarray, List[Dict]]:
    """A random background with random people on it, and their annotations
    (see :func:`compose_scene`).

    ``people``: the options of :func:`sample_people` (``num_people``,
    ``max_people``, ``partial_prob``, ``upper_body``, ...), with its
    defaults: 1..3 whole people as in COCO, or with ``upper_body=True`` 1..2
    framed as UBody frames them (head to about the waist), so faces and
    hands are large.
    """
    background = render_background(rng, width, height)
    return compose_scene(background, sample_people(rng, width, height,
                                                   **people))


def move_people(rng: np.random.Generator,
                people: Sequence[PersonSpec],
                step: float = 1.0) -> List[PersonSpec]:
    """The same people one frame later: poses take an
    :func:`~.pose.evolve_pose` step and placements drift a little."""
    moved = []
    for person in people:
        p = person.placement
        drift = rng.normal(0.0, 0.004 * p.height * step, size=2)
        placement = dataclasses.replace(
            p,
            center=(p.center[0] + float(drift[0]),
                    p.center[1] + float(drift[1])),
            rotation=p.rotation + float(rng.normal(0.0, 0.5 * step)))
        moved.append(
            dataclasses.replace(
                person,
                pose=evolve_pose(rng, person.pose, step),
                placement=placement))
    return moved
