"""Keypoint layouts of COCO-WholeBody and the canonical shapes drawn for them.

Everything here is a constant: keypoint names and index ranges, the COCO
``categories`` entry, the 68-point face template, the 21-point hand layout and
the body-part *groups* the renderer paints (used to decide whether a keypoint
is hidden by another part of the same person or by another person).

Coordinates of the templates are normalised: the face template lives in the
head ellipse (x, y in [-1, 1], y pointing down, image-left first, i.e. the
layout a front-facing person shows the camera).
"""
import numpy as np

# ---------------------------------------------------------------------------
# COCO-WholeBody keypoint layout (133 points)
# ---------------------------------------------------------------------------
BODY_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
              'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
              'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
              'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
FOOT_NAMES = ('left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe',
              'right_small_toe', 'right_heel')

NUM_BODY, NUM_FOOT, NUM_FACE, NUM_HAND = 17, 6, 68, 21
# Start/stop of every part inside the 133-point whole-body vector, in the
# order CocoWholeBodyDataset concatenates the annotation fields.
BODY_SLICE = slice(0, 17)
FOOT_SLICE = slice(17, 23)
FACE_SLICE = slice(23, 91)
LEFT_HAND_SLICE = slice(91, 112)
RIGHT_HAND_SLICE = slice(112, 133)
NUM_WHOLEBODY = 133

# annotation field name -> slice of the 133-point vector
PART_FIELDS = (
    ('keypoints', BODY_SLICE),
    ('foot_kpts', FOOT_SLICE),
    ('face_kpts', FACE_SLICE),
    ('lefthand_kpts', LEFT_HAND_SLICE),
    ('righthand_kpts', RIGHT_HAND_SLICE),
)

# Body keypoint indices used by the geometry code.
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 1, 2, 3, 4
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW = 5, 6, 7, 8
L_WRIST, R_WRIST, L_HIP, R_HIP = 9, 10, 11, 12
L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 13, 14, 15, 16

# 1-based COCO skeleton, exactly as in person_keypoints_*.json.
COCO_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
                 [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
                 [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]

PERSON_CATEGORY = dict(
    supercategory='person',
    id=1,
    name='person',
    keypoints=list(BODY_NAMES),
    skeleton=COCO_SKELETON,
)

# ---------------------------------------------------------------------------
# Face: the standard 68-landmark (iBUG 300-W) layout
#   0-16 jaw, 17-21 / 22-26 brows, 27-30 nose bridge, 31-35 nose base,
#   36-41 / 42-47 eyes, 48-59 outer lip, 60-67 inner lip.
# Points are listed image-left first, as annotators see a frontal face.
# ---------------------------------------------------------------------------


def _face_template() -> np.ndarray:
    pts = np.zeros((NUM_FACE, 2), dtype=np.float64)
    # jaw: lower arc of the head ellipse, from the image-left temple over the
    # chin to the image-right temple
    t = np.linspace(np.pi + 0.25, -0.25, 17)
    pts[0:17] = np.stack([0.96 * np.cos(t), 0.96 * np.sin(t)], axis=1)
    # brows: slightly arched
    arch = -0.08 * np.sin(np.linspace(0, np.pi, 5))
    pts[17:22] = np.stack([np.linspace(-0.74, -0.18, 5), -0.40 + arch], 1)
    pts[22:27] = np.stack([np.linspace(0.18, 0.74, 5), -0.40 + arch[::-1]], 1)
    # nose bridge (27 between the eyes .. 30 nose tip) and nose base
    pts[27:31] = np.stack([np.zeros(4), np.linspace(-0.20, 0.22, 4)], 1)
    pts[31:36] = [[-0.20, 0.27], [-0.10, 0.31], [0.0, 0.33], [0.10, 0.31],
                  [0.20, 0.27]]
    # eyes: outer corner, two upper lid points, inner corner, two lower
    eye = np.array([[-0.20, 0.0], [-0.07, -0.09], [0.07, -0.09], [0.20, 0.0],
                    [0.07, 0.08], [-0.07, 0.08]])
    pts[36:42] = eye + [-0.40, -0.13]
    # image-right eye starts at its inner corner (image-left side of it)
    pts[42:48] = eye + [0.40, -0.13]
    # outer lip: left corner, upper lip left->right, right corner, lower lip
    # right->left
    pts[48:60] = np.array([[-0.32, 0.0], [-0.20, -0.07], [-0.08, -0.10],
                           [0.0, -0.08], [0.08, -0.10], [0.20, -0.07],
                           [0.32, 0.0], [0.20, 0.10], [0.08, 0.13],
                           [0.0, 0.14], [-0.08, 0.13], [-0.20, 0.10]]) + \
        [0.0, 0.56]
    # inner lip: left corner, upper 3, right corner, lower 3 (right->left)
    pts[60:68] = np.array([[-0.25, 0.0], [-0.09, -0.03], [0.0, -0.03],
                           [0.09, -0.03], [0.25, 0.0], [0.09, 0.03],
                           [0.0, 0.03], [-0.09, 0.03]]) + [0.0, 0.56]
    return pts


FACE_TEMPLATE = _face_template()
FACE_JAW = slice(0, 17)
FACE_BROWS = (slice(17, 22), slice(22, 27))
FACE_NOSE_BRIDGE = slice(27, 31)
FACE_NOSE_BASE = slice(31, 36)
FACE_EYES = (slice(36, 42), slice(42, 48))
FACE_OUTER_LIP = slice(48, 60)
FACE_INNER_LIP = slice(60, 68)
FACE_LOWER_LIP_OUTER = (55, 56, 57, 58, 59)
FACE_LOWER_LIP_INNER = (65, 66, 67)
FACE_MOUTH_CORNERS = (48, 54, 60, 64)
FACE_NOSE_TIP = 30
# Ear centres in the same normalised head frame (image-left ear first, which
# is the person's right ear).
EAR_CENTERS = np.array([[-1.0, -0.08], [1.0, -0.08]])

# ---------------------------------------------------------------------------
# Hand: 21-point layout = wrist + 4 joints x 5 fingers
#   0 wrist; thumb 1-4 (CMC, MCP, IP, tip); index 5-8, middle 9-12,
#   ring 13-16, pinky 17-20 (MCP, PIP, DIP, tip).
# ---------------------------------------------------------------------------
FINGER_NAMES = ('thumb', 'index', 'middle', 'ring', 'pinky')
FINGER_CHAINS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16),
                 (17, 18, 19, 20))
# Base joint of every finger in the hand frame, in palm lengths: u along the
# hand (wrist -> knuckles), w towards the thumb side.
FINGER_BASES_UW = np.array([[0.22, 0.30], [1.00, 0.30], [1.05, 0.08],
                            [1.00, -0.14], [0.90, -0.34]])
# Finger direction (degrees towards the thumb side) at spread 1.
FINGER_BASE_ANGLES = np.array([50.0, 14.0, 2.0, -10.0, -24.0])
# Lengths of the three segments after the base joint, in palm lengths.
FINGER_SEGMENTS = np.array([[0.45, 0.36, 0.30], [0.50, 0.30, 0.25],
                            [0.55, 0.33, 0.26], [0.50, 0.30, 0.25],
                            [0.40, 0.24, 0.22]])
FINGER_WIDTHS = np.array([0.19, 0.16, 0.16, 0.15, 0.14])
# Palm outline in the hand frame (u, w), wrist edge first.
PALM_OUTLINE_UW = np.array([[-0.05, 0.24], [0.20, 0.36], [0.55, 0.42],
                            [1.02, 0.40], [1.10, 0.08], [1.04, -0.22],
                            [0.92, -0.44], [0.45, -0.40], [-0.05, -0.24]])

# ---------------------------------------------------------------------------
# Part groups painted into the label map. A keypoint is visible (v=2) when the
# top-most painted part at its pixel is one of its own groups (or nothing),
# occluded (v=1) when another part of the same person or a person painted
# later covers it.
# ---------------------------------------------------------------------------
GROUPS = ('background', 'torso', 'neck', 'head', 'left_upper_arm',
          'left_forearm', 'left_hand', 'right_upper_arm', 'right_forearm',
          'right_hand', 'left_thigh', 'left_shin', 'left_foot', 'right_thigh',
          'right_shin', 'right_foot')
GROUP_ID = {name: i for i, name in enumerate(GROUPS)}
# Label map value = (person draw index + 1) * GROUP_STRIDE + group id.
GROUP_STRIDE = 32
assert len(GROUPS) <= GROUP_STRIDE


def _own_groups() -> list:
    """Own part groups of each of the 133 keypoints."""
    own = [None] * NUM_WHOLEBODY
    head = ('head', )
    for i in (NOSE, L_EYE, R_EYE, L_EAR, R_EAR):
        own[i] = head
    for side in ('left', 'right'):
        s = 0 if side == 'left' else 1
        own[L_SHOULDER + s] = ('torso', 'neck', f'{side}_upper_arm')
        own[L_ELBOW + s] = (f'{side}_upper_arm', f'{side}_forearm')
        own[L_WRIST + s] = (f'{side}_forearm', f'{side}_hand')
        own[L_HIP + s] = ('torso', f'{side}_thigh')
        own[L_KNEE + s] = (f'{side}_thigh', f'{side}_shin')
        own[L_ANKLE + s] = (f'{side}_shin', f'{side}_foot')
        for k in range(3):
            own[FOOT_SLICE.start + 3 * s + k] = (f'{side}_shin',
                                                 f'{side}_foot')
        hand = LEFT_HAND_SLICE if side == 'left' else RIGHT_HAND_SLICE
        for i in range(hand.start, hand.stop):
            own[i] = (f'{side}_forearm', f'{side}_hand')
    for i in range(FACE_SLICE.start, FACE_SLICE.stop):
        own[i] = head
    return [frozenset(GROUP_ID[g] for g in groups) for groups in own]


KEYPOINT_OWN_GROUPS = _own_groups()
