"""Colours of one synthetic person (BGR, as OpenCV draws).

Clothing and skin vary per person; the *markers* that tell keypoints apart
(joint pads, finger colours, toe caps and heels) use fixed colours per
keypoint kind so a tiny model can learn them: left-side joints are warm,
right-side joints cool, and every finger has its own hue.

API: :func:`sample_appearance` ``(rng) -> PersonAppearance``.
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

Color = Tuple[int, int, int]

SKIN_TONES = ((189, 224, 255), (160, 200, 241), (130, 175, 224),
              (99, 144, 198), (70, 110, 160), (50, 80, 120), (180, 205, 235))
HAIR_COLORS = ((20, 20, 25), (30, 45, 70), (40, 80, 130), (120, 170, 210),
               (150, 150, 150), (60, 60, 60), (20, 30, 120))

# Fixed marker colours (BGR). Index 0 = left side, 1 = right side.
JOINT_COLORS = dict(
    shoulder=((0, 140, 255), (255, 160, 0)),
    elbow=((0, 60, 255), (255, 60, 60)),
    wrist=((0, 220, 255), (255, 255, 0)),
    hip=((60, 180, 255), (200, 120, 60)),
    knee=((40, 40, 220), (160, 40, 40)),
    ankle=((80, 220, 220), (220, 220, 80)),
)
# thumb, index, middle, ring, pinky
FINGER_COLORS = ((40, 40, 230), (0, 150, 255), (0, 230, 230), (40, 200, 40),
                 (230, 100, 30))
BIG_TOE_COLOR = ((0, 0, 200), (200, 0, 0))
SMALL_TOE_COLOR = ((0, 200, 255), (255, 200, 0))
HEEL_COLOR = ((200, 0, 200), (0, 160, 0))


@dataclass(frozen=True)
class PersonAppearance:
    """Colours and clothing of one person."""
    skin: Color
    hair: Color
    shirt: Color
    pants: Color
    shoes: Color
    lips: Color
    iris: Color
    long_sleeves: bool
    long_pants: bool
    bald: bool
    hairline: float  # hairline height in head half-heights (0.55 .. 0.68)


def shade(color: Color, factor: float) -> Color:
    """Darker (factor < 1) or lighter (> 1) version of ``color``."""
    c = np.clip(np.asarray(color, dtype=np.float64) * factor, 0, 255)
    return tuple(int(v) for v in np.round(c))


def _random_color(rng: np.random.Generator,
                  low: int = 30,
                  high: int = 230) -> Color:
    return tuple(int(v) for v in rng.integers(low, high, size=3))


def sample_appearance(rng: np.random.Generator) -> PersonAppearance:
    """Random skin tone, hair and clothing colours."""
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))]
    return PersonAppearance(
        skin=skin,
        hair=HAIR_COLORS[rng.integers(len(HAIR_COLORS))],
        shirt=_random_color(rng),
        pants=_random_color(rng, 20, 180),
        shoes=_random_color(rng, 10, 90),
        lips=shade((90, 90, 200), float(rng.uniform(0.7, 1.0))),
        iris=_random_color(rng, 10, 120),
        long_sleeves=bool(rng.random() < 0.5),
        long_pants=bool(rng.random() < 0.7),
        bald=bool(rng.random() < 0.08),
        hairline=float(rng.uniform(0.55, 0.68)),
    )
