"""From a pose to 133 keypoints and the shapes that draw them.

:func:`build_person` turns a :class:`~.pose.PersonPose` and a
:class:`~.appearance.PersonAppearance` into a :class:`~.shapes.PersonDrawing`:
the 133 COCO-WholeBody keypoints and an ordered list of
:class:`~.shapes.Shape` (filled polygons and thick polylines, back to front),
all in the *canonical frame* (pelvis at the origin, unit standing height,
image axes: x right, y down). :meth:`~.shapes.PersonDrawing.placed` maps both
to pixels with a :class:`~.pose.Placement`. Keypoints and shapes come from
the same points, so every keypoint sits on the feature drawn for it.
"""
from typing import Tuple

import numpy as np

from . import layout as L
from .appearance import (BIG_TOE_COLOR, FINGER_COLORS, HEEL_COLOR,
                         JOINT_COLORS, SMALL_TOE_COLOR, PersonAppearance,
                         shade)
from .pose import PersonPose
from .shapes import (PersonDrawing, ShapeBuilder, circle, convex_hull, ellipse,
                     rotation)

SIDES = ('left', 'right')
# The person's left side appears on the image right (front-facing person).
SIDE_SIGN = {'left': 1.0, 'right': -1.0}
DOWN = np.array([0.0, 1.0])


def limb_direction(angle: float, side: str, frame: float = 0.0) -> np.ndarray:
    """Unit vector ``angle`` degrees away from "down", towards ``side``'s
    outside, in a frame rotated by ``frame`` degrees."""
    a = np.deg2rad(angle)
    d = np.array([SIDE_SIGN[side] * np.sin(a), np.cos(a)])
    return rotation(frame) @ d


def outward_normal(angle: float, side: str, frame: float = 0.0) -> np.ndarray:
    """Unit normal of :func:`limb_direction` pointing to the outside."""
    a = np.deg2rad(angle)
    n = np.array([SIDE_SIGN[side] * np.cos(a), -np.sin(a)])
    return rotation(frame) @ n


def _layout_head(pose: PersonPose, neck: np.ndarray, up: np.ndarray):
    """Head centre, axes, tilt and the 68 face landmarks + ear centres."""
    P = pose.proportions
    a, b = P.head_half_width, P.head_half_height
    tilt = pose.torso_lean + pose.head_tilt
    head_up = rotation(tilt) @ np.array([0.0, -1.0])
    center = neck + up * P.neck + head_up * (0.85 * b)

    face = L.FACE_TEMPLATE.copy()
    # expression: open mouth moves the lower lip down, smile lifts corners
    for i in L.FACE_LOWER_LIP_OUTER + L.FACE_LOWER_LIP_INNER:
        face[i, 1] += pose.mouth_open
    for i in L.FACE_MOUTH_CORNERS:
        face[i, 1] -= pose.smile
    face[17:27, 1] -= pose.brow_raise
    # a little yaw: inner features slide sideways, the chin follows less
    face[17:, 0] += pose.face_yaw * 0.3
    face[L.FACE_JAW, 0] += pose.face_yaw * 0.15 * (1 - np.abs(face[:17, 0]))
    ears = L.EAR_CENTERS.copy()

    def to_canonical(p):
        return (p * [a, b]) @ rotation(tilt).T + center

    return center, a, b, tilt, to_canonical(face), to_canonical(ears), \
        to_canonical


def _draw_head(bld: ShapeBuilder, pose: PersonPose, app: PersonAppearance,
               center, a, b, tilt, face, ears, to_canonical):
    skin_dark = shade(app.skin, 0.7)
    line_w = 0.035 * a
    for ear in ears:
        bld.fill(
            ellipse(ear, 0.16 * a, 0.26 * b, tilt),
            shade(app.skin, 0.85),
            'head',
            outline=skin_dark,
            width=line_w)
    bld.fill(
        ellipse(center, a, b, tilt, n=40),
        app.skin,
        'head',
        outline=skin_dark,
        width=line_w)
    if not app.bald:
        t = np.linspace(np.pi + 0.12, 2 * np.pi - 0.12, 20)
        arc = np.stack([1.05 * np.cos(t), 1.05 * np.sin(t)], axis=1)
        x = np.linspace(0.97, -0.97, 15)
        h = app.hairline
        hairline = np.stack([x, -h + (h - 0.2) * np.abs(x)**6], axis=1)
        bld.fill_outlined(
            to_canonical(np.concatenate([arc, hairline])), app.hair, 'head',
            0.6, line_w)
    # jaw contour, drawn where the 17 jaw landmarks are
    bld.line(face[L.FACE_JAW], skin_dark, 'head', 0.06 * a)
    brow = shade(app.hair, 0.8) if not app.bald else shade(app.skin, 0.45)
    for sl in L.FACE_BROWS:
        bld.line(face[sl], brow, 'head', 0.13 * a)
    bld.line(face[L.FACE_NOSE_BRIDGE], skin_dark, 'head', 0.07 * a)
    bld.line(face[L.FACE_NOSE_BASE], shade(app.skin, 0.55), 'head', 0.08 * a)
    for sl in L.FACE_EYES:
        eye = face[sl]
        bld.fill(
            eye, (245, 245, 245), 'head', outline=(40, 30, 30), width=0.06 * a)
        bld.fill(circle(eye.mean(axis=0), 0.075 * a), app.iris, 'head')
    bld.fill_outlined(face[L.FACE_OUTER_LIP], app.lips, 'head', 0.6, 0.05 * a)
    if pose.mouth_open > 0.02:
        bld.fill(face[L.FACE_INNER_LIP], (40, 20, 60), 'head')
    else:
        bld.line(face[L.FACE_INNER_LIP][:5], shade(app.lips, 0.5), 'head',
                 0.05 * a)


def _layout_hand(pose: PersonPose, side: str, wrist, angle, frame):
    """21 hand keypoints and the palm outline (canonical frame)."""
    i = SIDES.index(side)
    palm = pose.proportions.palm
    u = limb_direction(angle, side, frame)
    outward = outward_normal(angle, side, frame)
    # palm towards the camera shows the thumb on the outside of the arm
    w = outward if pose.palm_facing[i] else -outward

    def to_canonical(uw):
        uw = np.atleast_2d(uw)
        return wrist + palm * (uw[:, :1] * u + uw[:, 1:] * w)

    kpts = np.zeros((L.NUM_HAND, 2))
    kpts[0] = wrist
    spread = pose.finger_spread[i]
    for f, chain in enumerate(L.FINGER_CHAINS):
        curl = pose.finger_curl[i, f]
        if f == 0:
            ang = L.FINGER_BASE_ANGLES[0] + pose.thumb_angle[i]
        else:
            ang = L.FINGER_BASE_ANGLES[f] * spread
        pos = L.FINGER_BASES_UW[f].copy()
        pts = [pos.copy()]
        # curling folds a finger towards the palm: seen from the front it
        # gets shorter and turns towards the middle finger (thumb: the palm)
        turn = -12.0 * curl if f == 0 else -np.sign(ang) * 15.0 * curl
        for seg in range(3):
            length = L.FINGER_SEGMENTS[f, seg] * (1.0 - 0.4 * curl)
            ang = ang + turn
            r = np.deg2rad(ang)
            pos = pos + length * np.array([np.cos(r), np.sin(r)])
            pts.append(pos.copy())
        kpts[list(chain)] = to_canonical(np.array(pts))
    palm_outline = to_canonical(L.PALM_OUTLINE_UW)
    return kpts, palm_outline


def _draw_hand(bld: ShapeBuilder, pose: PersonPose, app: PersonAppearance,
               side: str, kpts, palm_outline):
    group = f'{side}_hand'
    palm = pose.proportions.palm
    bld.fill_outlined(palm_outline, app.skin, group, 0.6, 0.05 * palm)
    # the pinky first, so that the thumb ends up on top
    for f in reversed(range(5)):
        pts = kpts[list(L.FINGER_CHAINS[f])]
        width = L.FINGER_WIDTHS[f] * palm
        color = FINGER_COLORS[f]
        bld.line(pts, shade(color, 0.45), group, width * 1.35)
        bld.line(pts, color, group, width)
        for j in pts[1:-1]:
            bld.fill(circle(j, width * 0.28, 10), shade(color, 0.5), group)


def _layout_foot(pose: PersonPose, side: str, ankle, shin_angle):
    """Big toe, small toe and heel (COCO-WholeBody order) of one foot."""
    i = SIDES.index(side)
    length = pose.proportions.foot
    angle = 0.4 * shin_angle + pose.foot_out[i]
    u = limb_direction(angle, side)
    # inner-lower normal: the big toe is on the medial side of the foot
    n = -outward_normal(angle, side)
    if n @ DOWN < 0:
        n = -n
    heel = ankle + DOWN * 0.30 * length - u * 0.10 * length
    big_toe = ankle + DOWN * 0.30 * length + u * 0.80 * length + \
        n * 0.06 * length
    small_toe = ankle + DOWN * 0.16 * length + u * 0.62 * length - \
        n * 0.16 * length
    return np.stack([big_toe, small_toe, heel])


def _draw_foot(bld: ShapeBuilder, pose: PersonPose, app: PersonAppearance,
               side: str, ankle, foot):
    i = SIDES.index(side)
    length = pose.proportions.foot
    group = f'{side}_foot'
    big_toe, small_toe, heel = foot
    blob = np.concatenate([
        circle(ankle, 0.16 * length),
        circle(heel, 0.13 * length),
        circle(big_toe, 0.13 * length),
        circle(small_toe, 0.11 * length)
    ])
    bld.fill_outlined(convex_hull(blob), app.shoes, group, 0.5, 0.03 * length)
    bld.fill(circle(heel, 0.09 * length), HEEL_COLOR[i], group)
    bld.fill(circle(small_toe, 0.075 * length), SMALL_TOE_COLOR[i], group)
    bld.fill(circle(big_toe, 0.095 * length), BIG_TOE_COLOR[i], group)


def build_person(pose: PersonPose,
                 appearance: PersonAppearance,
                 arm_order: Tuple[str, str] = SIDES) -> PersonDrawing:
    """Lay out one person: 133 keypoints and the shapes that draw them.

    Args:
        pose: joint angles and proportions.
        appearance: colours.
        arm_order: which arm is drawn first (the other one ends up in front
            where they cross).

    Returns:
        PersonDrawing in the canonical frame (see the module docstring).
    """
    P = pose.proportions
    app = appearance
    bld = ShapeBuilder()
    K = bld.keypoints
    outline_w = 0.006

    lean = pose.torso_lean
    up = rotation(lean) @ np.array([0.0, -1.0])
    left = rotation(lean) @ np.array([1.0, 0.0])
    pelvis = np.zeros(2)
    neck = pelvis + up * P.torso

    shoulder, hip, elbow, wrist, knee, ankle = {}, {}, {}, {}, {}, {}
    hand_kpts, palms, feet, shin_angle, hand_angle = {}, {}, {}, {}, {}
    for side in SIDES:
        i, sgn = SIDES.index(side), SIDE_SIGN[side]
        shoulder[side] = neck + sgn * left * P.shoulder_half - up * 0.015
        hip[side] = pelvis + np.array([sgn * P.hip_half, 0.0])
        a1 = pose.shoulder_abduction[i]
        elbow[side] = shoulder[side] + limb_direction(a1, side, lean) * \
            P.upper_arm * pose.upper_arm_scale[i]
        a2 = a1 + pose.elbow_flexion[i]
        wrist[side] = elbow[side] + limb_direction(a2, side, lean) * \
            P.forearm * pose.forearm_scale[i]
        hand_angle[side] = a2 + pose.wrist_bend[i]
        hand_kpts[side], palms[side] = _layout_hand(pose, side, wrist[side],
                                                    hand_angle[side], lean)
        b1 = pose.hip_abduction[i]
        knee[side] = hip[side] + limb_direction(b1, side) * P.thigh * \
            pose.thigh_scale[i]
        shin_angle[side] = b1 + pose.knee_flexion[i]
        ankle[side] = knee[side] + limb_direction(shin_angle[side], side) * \
            P.shin * pose.shin_scale[i]
        feet[side] = _layout_foot(pose, side, ankle[side], shin_angle[side])

    head = _layout_head(pose, neck, up)
    face, ears = head[4], head[5]

    # ---- keypoints -------------------------------------------------------
    K[L.NOSE] = face[L.FACE_NOSE_TIP]
    K[L.R_EYE] = face[L.FACE_EYES[0]].mean(axis=0)  # image-left eye
    K[L.L_EYE] = face[L.FACE_EYES[1]].mean(axis=0)
    K[L.R_EAR], K[L.L_EAR] = ears[0], ears[1]
    for side in SIDES:
        s = SIDES.index(side)
        K[L.L_SHOULDER + s] = shoulder[side]
        K[L.L_ELBOW + s] = elbow[side]
        K[L.L_WRIST + s] = wrist[side]
        K[L.L_HIP + s] = hip[side]
        K[L.L_KNEE + s] = knee[side]
        K[L.L_ANKLE + s] = ankle[side]
        K[L.FOOT_SLICE.start + 3 * s:L.FOOT_SLICE.start + 3 * s + 3] = \
            feet[side]
        hand_slice = L.LEFT_HAND_SLICE if side == 'left' else \
            L.RIGHT_HAND_SLICE
        K[hand_slice] = hand_kpts[side]
    K[L.FACE_SLICE] = face

    # ---- shapes, back to front ------------------------------------------
    lower_leg_color = app.pants if app.long_pants else app.skin
    for side in SIDES:
        i = SIDES.index(side)
        bld.limb(hip[side], knee[side], P.thigh_width, P.thigh_width * 0.8,
                 app.pants, f'{side}_thigh', outline_w)
        bld.limb(knee[side], ankle[side], P.shin_width, P.shin_width * 0.75,
                 lower_leg_color, f'{side}_shin', outline_w)
        bld.joint_pad(knee[side], P.thigh_width * 0.42,
                      JOINT_COLORS['knee'][i], f'{side}_shin')
        bld.joint_pad(ankle[side], P.shin_width * 0.38,
                      JOINT_COLORS['ankle'][i], f'{side}_shin')
        _draw_foot(bld, pose, app, side, ankle[side], feet[side])

    # torso: shirt from the shoulders down, trousers over the hips
    sl, sr = shoulder['left'], shoulder['right']
    hl, hr = hip['left'], hip['right']
    waist_l = pelvis + up * 0.09 + left * (P.hip_half + 0.02)
    waist_r = pelvis + up * 0.09 - left * (P.hip_half + 0.02)
    torso = np.array([
        sr - left * 0.015 + up * 0.01, neck + up * 0.012,
        sl + left * 0.015 + up * 0.01, waist_l, hl + [0.025, 0.035],
        hr + [-0.025, 0.035], waist_r
    ])
    bld.fill_outlined(torso, app.shirt, 'torso', 0.55, outline_w)
    trunks = np.array([
        waist_l + up * 0.01, hl + [0.03, 0.04], pelvis + [0.0, 0.06],
        hr + [-0.03, 0.04], waist_r + up * 0.01
    ])
    bld.fill_outlined(trunks, app.pants, 'torso', 0.55, outline_w)
    for side in SIDES:
        bld.joint_pad(hip[side], P.thigh_width * 0.36,
                      JOINT_COLORS['hip'][SIDES.index(side)], 'torso')

    # neck and head
    bld.limb(neck - up * 0.01, head[0], P.neck_width, P.neck_width, app.skin,
             'neck', outline_w)
    _draw_head(bld, pose, app, *head[:5], ears, head[6])

    # arms and hands in front of the body
    forearm_color = app.shirt if app.long_sleeves else app.skin
    for side in arm_order:
        i = SIDES.index(side)
        bld.limb(shoulder[side], elbow[side], P.upper_arm_width,
                 P.upper_arm_width * 0.85, app.shirt, f'{side}_upper_arm',
                 outline_w)
        bld.joint_pad(shoulder[side], P.upper_arm_width * 0.42,
                      JOINT_COLORS['shoulder'][i], f'{side}_upper_arm')
        bld.limb(elbow[side], wrist[side], P.forearm_width,
                 P.forearm_width * 0.8, forearm_color, f'{side}_forearm',
                 outline_w)
        bld.joint_pad(elbow[side], P.upper_arm_width * 0.4,
                      JOINT_COLORS['elbow'][i], f'{side}_forearm')
        _draw_hand(bld, pose, app, side, hand_kpts[side], palms[side])
        bld.joint_pad(wrist[side], P.forearm_width * 0.38,
                      JOINT_COLORS['wrist'][i], f'{side}_hand')

    return PersonDrawing(keypoints=K, shapes=bld.shapes)
