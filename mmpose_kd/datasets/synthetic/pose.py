"""Articulated pose of one synthetic person, its sampling and its motion.

A :class:`PersonPose` holds body proportions (fixed for a person) and joint
angles (what changes from frame to frame). Angles are in degrees and follow a
front-facing person: limb angles are measured from "straight down" and grow
*away from the body midline*, so the same number means the same motion for
the left and the right side.

API:

* :func:`sample_pose` ``(rng) -> PersonPose`` - a random pose with joint
  angles in human ranges (:data:`ANGLE_RANGES`).
* :func:`evolve_pose` ``(rng, pose, step=1.0) -> PersonPose`` - the pose one
  frame later: a small random step of every angle, kept inside the ranges.
  Calling it repeatedly gives smooth motion for video-like data.
* :class:`Placement` - where a pose is drawn in an image (pelvis position,
  height in pixels, in-plane rotation).
"""
import dataclasses
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class BodyProportions:
    """Lengths in units of the person's standing height (head top to soles).

    Heads and hands are deliberately larger than a real person's, so that face
    landmarks and fingers stay learnable at small top-down input sizes.
    """
    torso: float = 0.30  # pelvis centre -> neck base
    shoulder_half: float = 0.105
    hip_half: float = 0.065
    neck: float = 0.035
    head_half_width: float = 0.08
    head_half_height: float = 0.10
    upper_arm: float = 0.165
    forearm: float = 0.145
    palm: float = 0.08
    thigh: float = 0.23
    shin: float = 0.22
    foot: float = 0.11
    upper_arm_width: float = 0.05
    forearm_width: float = 0.04
    thigh_width: float = 0.07
    shin_width: float = 0.052
    neck_width: float = 0.05


# (low, high) of every continuous pose field. Pair fields hold (left, right).
ANGLE_RANGES: Dict[str, Tuple[float, float]] = dict(
    torso_lean=(-15.0, 15.0),
    head_tilt=(-25.0, 25.0),
    face_yaw=(-0.3, 0.3),  # fraction of the head half-width
    mouth_open=(0.0, 0.12),  # in head half-heights
    smile=(-0.04, 0.08),
    brow_raise=(-0.04, 0.08),
    shoulder_abduction=(-15.0, 170.0),
    elbow_flexion=(-140.0, 140.0),  # signed: > 0 bends away from the body
    wrist_bend=(-30.0, 30.0),
    upper_arm_scale=(0.8, 1.0),  # in-plane foreshortening
    forearm_scale=(0.8, 1.0),
    hip_abduction=(-8.0, 60.0),
    knee_flexion=(-60.0, 60.0),
    foot_out=(35.0, 85.0),
    thigh_scale=(0.85, 1.0),
    shin_scale=(0.85, 1.0),
    finger_spread=(0.7, 1.8),
    finger_curl=(0.0, 0.7),
    thumb_angle=(-12.0, 15.0),
)

# Standard deviation of one evolve_pose step (step=1.0) per field.
MOTION_STEP_STD: Dict[str, float] = dict(
    torso_lean=1.0,
    head_tilt=1.5,
    face_yaw=0.02,
    mouth_open=0.01,
    smile=0.005,
    brow_raise=0.005,
    shoulder_abduction=4.0,
    elbow_flexion=5.0,
    wrist_bend=3.0,
    upper_arm_scale=0.01,
    forearm_scale=0.01,
    hip_abduction=2.0,
    knee_flexion=3.0,
    foot_out=2.0,
    thigh_scale=0.005,
    shin_scale=0.005,
    finger_spread=0.04,
    finger_curl=0.04,
    thumb_angle=1.5)


@dataclass(frozen=True)
class PersonPose:
    """Proportions and joint angles of one front-facing person.

    Pair fields are numpy arrays of shape (2,) ordered (left, right) in the
    person's own sense (their left side appears on the image right);
    ``finger_curl`` has shape (2, 5), fingers ordered thumb..pinky.
    """
    proportions: BodyProportions = field(default_factory=BodyProportions)
    torso_lean: float = 0.0
    head_tilt: float = 0.0
    face_yaw: float = 0.0
    mouth_open: float = 0.0
    smile: float = 0.0
    brow_raise: float = 0.0
    shoulder_abduction: np.ndarray = field(
        default_factory=lambda: np.array([20.0, 20.0]))
    elbow_flexion: np.ndarray = field(
        default_factory=lambda: np.array([-20.0, -20.0]))
    wrist_bend: np.ndarray = field(default_factory=lambda: np.zeros(2))
    upper_arm_scale: np.ndarray = field(default_factory=lambda: np.ones(2))
    forearm_scale: np.ndarray = field(default_factory=lambda: np.ones(2))
    hip_abduction: np.ndarray = field(
        default_factory=lambda: np.array([8.0, 8.0]))
    knee_flexion: np.ndarray = field(default_factory=lambda: np.zeros(2))
    foot_out: np.ndarray = field(
        default_factory=lambda: np.array([60.0, 60.0]))
    thigh_scale: np.ndarray = field(default_factory=lambda: np.ones(2))
    shin_scale: np.ndarray = field(default_factory=lambda: np.ones(2))
    palm_facing: np.ndarray = field(
        default_factory=lambda: np.array([True, True]))
    finger_spread: np.ndarray = field(default_factory=lambda: np.ones(2))
    finger_curl: np.ndarray = field(default_factory=lambda: np.zeros((2, 5)))
    thumb_angle: np.ndarray = field(default_factory=lambda: np.zeros(2))


@dataclass(frozen=True)
class Placement:
    """Similarity transform from the canonical person frame to the image.

    ``center`` is the pelvis position in pixels, ``height`` the standing
    height in pixels, ``rotation`` the in-plane rotation in degrees
    (positive = clockwise on screen, image y pointing down).
    """
    center: Tuple[float, float]
    height: float
    rotation: float = 0.0


def sample_proportions(rng: np.random.Generator) -> BodyProportions:
    """Base proportions jittered per person (heads/hands a little more)."""
    base = BodyProportions()
    values = {}
    for f in dataclasses.fields(base):
        jitter = (0.95,
                  1.15) if f.name in ('head_half_width', 'head_half_height',
                                      'palm') else (0.92, 1.08)
        values[f.name] = getattr(base, f.name) * float(rng.uniform(*jitter))
    return BodyProportions(**values)


def _pair(rng, low, high):
    return rng.uniform(low, high, size=2)


def _shoulder_abduction(rng: np.random.Generator) -> np.ndarray:
    """Arms mostly relaxed, sometimes horizontal or raised, rarely crossed."""
    out = np.empty(2)
    for i in range(2):
        mode = rng.choice(4, p=[0.5, 0.27, 0.15, 0.08])
        low, high = [(5, 60), (60, 120), (120, 170), (-15, 5)][mode]
        out[i] = rng.uniform(low, high)
    return out


def sample_pose(rng: np.random.Generator,
                proportions: Optional[BodyProportions] = None) -> PersonPose:
    """Sample a random front-facing pose with joint angles in human ranges.

    Args:
        rng: numpy random generator (the only source of randomness).
        proportions: body proportions; sampled with
            :func:`sample_proportions` when omitted.
    """
    if proportions is None:
        proportions = sample_proportions(rng)
    # elbows bend more often inwards (hands in front of the body)
    elbow_sign = np.where(rng.random(2) < 0.6, -1.0, 1.0)
    knee_sign = np.where(rng.random(2) < 0.6, -1.0, 1.0)
    hip = _pair(rng, -6.0, 30.0)
    if rng.random() < 0.1:  # one leg lifted sideways
        hip[rng.integers(2)] = rng.uniform(30.0, 60.0)
    base_curl = rng.uniform(0.0, 0.4, size=(2, 1))
    pose = PersonPose(
        proportions=proportions,
        torso_lean=float(rng.normal(0.0, 6.0)),
        head_tilt=float(rng.normal(0.0, 10.0)),
        face_yaw=float(rng.uniform(-0.3, 0.3)),
        mouth_open=float(rng.uniform(0.0, 0.1) if rng.random() < 0.5 else 0),
        smile=float(rng.uniform(-0.04, 0.08)),
        brow_raise=float(rng.uniform(-0.04, 0.08)),
        shoulder_abduction=_shoulder_abduction(rng),
        elbow_flexion=elbow_sign * rng.uniform(0.0, 140.0, size=2),
        wrist_bend=_pair(rng, -30.0, 30.0),
        upper_arm_scale=_pair(rng, 0.8, 1.0),
        forearm_scale=_pair(rng, 0.8, 1.0),
        hip_abduction=hip,
        knee_flexion=knee_sign * rng.uniform(0.0, 50.0, size=2),
        foot_out=_pair(rng, 40.0, 80.0),
        thigh_scale=_pair(rng, 0.85, 1.0),
        shin_scale=_pair(rng, 0.85, 1.0),
        palm_facing=rng.random(2) < 0.6,
        finger_spread=_pair(rng, 0.8, 1.8),
        finger_curl=base_curl + rng.uniform(0.0, 0.2, size=(2, 5)),
        thumb_angle=_pair(rng, -12.0, 15.0),
    )
    return clip_pose(pose)


def clip_pose(pose: PersonPose) -> PersonPose:
    """Return ``pose`` with every field inside :data:`ANGLE_RANGES`."""
    changes = {}
    for name, (low, high) in ANGLE_RANGES.items():
        value = getattr(pose, name)
        clipped = np.clip(value, low, high)
        changes[name] = float(clipped) if np.ndim(value) == 0 else clipped
    return dataclasses.replace(pose, **changes)


def evolve_pose(rng: np.random.Generator,
                pose: PersonPose,
                step: float = 1.0) -> PersonPose:
    """The pose one frame later: every angle takes a small random step.

    The step of a field is normal with std ``step * MOTION_STEP_STD[field]``
    and the result is clipped to :data:`ANGLE_RANGES`, so repeated calls give
    a smooth random walk that stays in human ranges. Proportions and the
    palm-facing flags do not change.
    """
    changes = {}
    for name, std in MOTION_STEP_STD.items():
        value = getattr(pose, name)
        delta = rng.normal(0.0, std * step, size=np.shape(value))
        changes[name] = value + (
            float(delta) if np.ndim(value) == 0 else delta)
    return clip_pose(dataclasses.replace(pose, **changes))
