"""The drawing API: poses, people, scenes, visibility from the paint."""
import dataclasses

import numpy as np
import pytest

from mmpose_kd.datasets.synthetic import (PersonSpec, Placement, build_person,
                                          compose_scene, evolve_pose,
                                          keypoint_visibility, move_people,
                                          render_scene, sample_appearance,
                                          sample_people, sample_pose)
from mmpose_kd.datasets.synthetic.layout import (BODY_NAMES, FACE_SLICE,
                                                 GROUP_ID, L_WRIST,
                                                 LEFT_HAND_SLICE)
from mmpose_kd.datasets.synthetic.pose import ANGLE_RANGES
from mmpose_kd.datasets.synthetic.render import encode_label
from mmpose_kd.datasets.synthetic.scene import in_frame

W = H = 160


def _person(seed, center, height=120.0, rotation=0.0):
    rng = np.random.default_rng(seed)
    return PersonSpec(
        sample_pose(rng), sample_appearance(rng),
        Placement(center=center, height=height, rotation=rotation))


def _all_kpts(ann):
    fields = ('keypoints', 'foot_kpts', 'face_kpts', 'lefthand_kpts',
              'righthand_kpts')
    return np.concatenate(
        [np.array(ann[f], dtype=float).reshape(-1, 3) for f in fields])


def test_build_person_is_anatomically_ordered():
    rng = np.random.default_rng(0)
    pose = sample_pose(rng)
    drawing = build_person(pose, sample_appearance(rng))
    kpts = drawing.keypoints
    assert kpts.shape == (133, 2) and np.isfinite(kpts).all()
    name = {n: i for i, n in enumerate(BODY_NAMES)}
    # front-facing: the person's left shoulder/hip is on the image right
    assert kpts[name['left_shoulder'], 0] > kpts[name['right_shoulder'], 0]
    assert kpts[name['left_hip'], 0] > kpts[name['right_hip'], 0]
    # the head is above the shoulders, the hips above the ankles
    assert kpts[name['nose'], 1] < kpts[name['left_shoulder'], 1]
    assert kpts[name['left_hip'], 1] < kpts[name['left_ankle'], 1]
    # the hand's wrist point is the body wrist
    np.testing.assert_allclose(kpts[LEFT_HAND_SLICE.start], kpts[L_WRIST])
    # face landmarks: image-left jaw end, chin at the bottom, eyes above the
    # mouth
    face = kpts[FACE_SLICE]
    assert face[0, 0] < face[8, 0] < face[16, 0]
    assert face[8, 1] == pytest.approx(face[:17, 1].max(), abs=1e-2)
    assert face[36:48, 1].mean() < face[48:68, 1].mean()


def test_sampled_angles_stay_in_human_ranges():
    rng = np.random.default_rng(1)
    pose = sample_pose(rng)
    for _ in range(50):
        pose = evolve_pose(rng, pose, step=3.0)
        for field, (low, high) in ANGLE_RANGES.items():
            value = np.asarray(getattr(pose, field))
            assert (value >= low).all() and (value <= high).all(), field


def test_evolve_pose_moves_keypoints_a_little():
    rng = np.random.default_rng(2)
    pose, app = sample_pose(rng), sample_appearance(rng)
    before = build_person(pose, app).keypoints
    after = build_person(evolve_pose(rng, pose, step=1.0), app).keypoints
    shift = np.linalg.norm(after - before, axis=1)
    # in units of the standing height: visible but small motion
    assert 0 < shift.max() < 0.15


def test_move_people_keeps_identity():
    rng = np.random.default_rng(3)
    people = sample_people(rng, W, H, num_people=2)
    moved = move_people(rng, people)
    assert [p.appearance for p in moved] == [p.appearance for p in people]
    assert moved[0].pose.proportions == people[0].pose.proportions
    assert moved[0].placement != people[0].placement


def test_render_scene_returns_image_and_unnumbered_annotations():
    image, anns = render_scene(np.random.default_rng(4), W, H, num_people=3)
    assert image.shape == (H, W, 3) and image.dtype == np.uint8
    assert 1 <= len(anns) <= 3
    for ann in anns:
        assert 'id' not in ann and 'image_id' not in ann
        assert len(ann['face_kpts']) == 68 * 3


def test_person_in_front_occludes_person_behind():
    background = np.zeros((H, W, 3), np.uint8)
    back = _person(5, center=(80.0, 85.0))
    # the same person painted again on top, slightly shifted
    front = dataclasses.replace(back, placement=Placement((84.0, 85.0), 120.0))
    _, anns = compose_scene(background, [back, front])
    assert len(anns) == 2
    back_v, front_v = _all_kpts(anns[0])[:, 2], _all_kpts(anns[1])[:, 2]
    assert (front_v == 2).mean() > 0.8
    assert (back_v == 1).mean() > 0.5
    # alone, the back person is mostly visible
    _, alone = compose_scene(background, [back])
    assert (_all_kpts(alone[0])[:, 2] == 2).mean() > 0.8


def test_out_of_frame_keypoints_are_zeroed():
    person = _person(6, center=(5.0, 85.0))  # half outside on the left
    _, anns = compose_scene(np.zeros((H, W, 3), np.uint8), [person])
    kpts = _all_kpts(anns[0])
    full = person.drawing().keypoints
    outside = ~in_frame(full, W, H)
    assert outside.any() and (full[outside, 0] < 0).any()
    np.testing.assert_array_equal(kpts[outside], 0)
    assert (kpts[~outside, 2] > 0).all()
    np.testing.assert_allclose(kpts[~outside, :2], full[~outside], atol=0.01)


def test_person_fully_outside_is_not_annotated():
    person = _person(7, center=(-500.0, 80.0))
    image, anns = compose_scene(np.zeros((H, W, 3), np.uint8), [person])
    assert anns == [] and image.max() == 0


def test_keypoint_visibility_reads_the_label_map():
    label_map = np.zeros((10, 10), np.uint16)
    head = GROUP_ID['head']
    label_map[2, 2] = encode_label(0, head)  # own part of person 0
    label_map[2, 5] = encode_label(1, head)  # person 1 painted on top
    label_map[5, 5] = encode_label(0, GROUP_ID['left_hand'])  # own hand
    kpts = np.zeros((133, 2))
    kpts[:] = [8, 8]  # background
    kpts[0] = [2, 2]  # nose on its head: visible
    kpts[1] = [5, 2]  # left eye under person 1: occluded
    kpts[2] = [5, 5]  # right eye under its own hand: occluded
    kpts[3] = [-1, 2]  # outside
    vis = keypoint_visibility(kpts, label_map, person_index=0)
    assert vis[:4].tolist() == [2, 1, 1, 0]
    assert (vis[4:] == 2).all()
    # seen from person 1, person 0 is behind: nothing of 0 hides it
    vis1 = keypoint_visibility(kpts, label_map, person_index=1)
    assert vis1[:3].tolist() == [2, 2, 2]
