"""Embedded synthetic COCO-WholeBody data: drawn people with 133 keypoints.

Nothing is downloaded: people are painted with OpenCV (articulated limbs,
a face with the 68 landmarks, 21-point hands with fingers, feet with toes and
heels) on textured backgrounds, and annotated in the exact COCO-WholeBody
format, so stock mmpose ``CocoWholeBodyDataset`` / ``CocoWholeBodyMetric``
read them unchanged.

Building blocks (each usable alone; see ``docs/synthetic_data.md``):

============================  ==============================================
``sample_pose(rng)``          random front-facing pose, human joint ranges
``evolve_pose(rng, pose)``    the pose one frame later (smooth motion)
``sample_appearance(rng)``    skin, hair, clothing colours
``build_person(pose, app)``   133 keypoints + shapes, canonical frame
``sample_people(rng, w, h)``  1-3 ``PersonSpec`` (pose, look, placement)
``render_background(rng,..)`` textured background image
``render_person(img, ...)``   paint one placed person (+ part label map)
``compose_scene(bg, people)`` paint people -> (image, annotation dicts)
``render_scene(rng, w, h)``   random background + people -> (image, anns)
``move_people(rng, people)``  people one frame later (video-like data)
``person_annotation(...)``    one COCO-WholeBody annotation dict
``build_coco_json(...)``      the whole annotation file
``generate_wholebody_dataset`` train/val splits on disk, COCO layout
``draw_annotations(img, anns)`` overlay keypoints/boxes to inspect a sample
``preview_grid(seed, ...)``   first images of a split, plain | annotated
``write_coco_body_layout``    COCO body-17 layout (+ wild images, boxes)
``write_mpii_layout``         MPII layout (mmpose json + head boxes .mat)
``write_aic_layout``          AI Challenger layout (mmpose's json)
============================  ==============================================
"""
from .appearance import PersonAppearance, sample_appearance
from .body_formats import write_coco_body_layout  # noqa
from .body_formats import write_aic_layout, write_mpii_layout
from .coco_format import build_coco_json, image_record, person_annotation
from .geometry import build_person
from .layout import PERSON_CATEGORY
from .pose import (BodyProportions, PersonPose, Placement, evolve_pose,
                   sample_pose, sample_proportions)
from .render import render_background, render_person
from .scene import (PersonSpec, compose_scene, keypoint_visibility,
                    move_people, render_scene, sample_people)
from .shapes import PersonDrawing, Shape
from .ubody import generate_ubody_dataset, render_ubody_video  # noqa: F401
from .visualize import draw_annotations, preview_grid, save_preview
from .wholebody import generate_wholebody_dataset, write_split

__all__ = [
    'PersonAppearance', 'sample_appearance', 'build_coco_json', 'image_record',
    'person_annotation', 'PersonDrawing', 'Shape', 'build_person',
    'PERSON_CATEGORY', 'BodyProportions', 'Placement', 'PersonPose',
    'evolve_pose', 'sample_pose', 'sample_proportions', 'render_background',
    'render_person', 'PersonSpec', 'compose_scene', 'keypoint_visibility',
    'move_people', 'render_scene', 'sample_people',
    'generate_wholebody_dataset', 'write_split', 'draw_annotations',
    'preview_grid', 'save_preview', 'write_coco_body_layout',
    'write_mpii_layout', 'write_aic_layout'
]
