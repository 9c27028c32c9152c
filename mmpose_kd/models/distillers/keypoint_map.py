"""Keypoint maps for distillation across keypoint sets (docs/keypoint_maps.md).

A keypoint map says, for each keypoint ``i`` of the student, which teacher
keypoint teaches it in the logit distillation: ``map[i]`` (a teacher index),
or ``-1`` when no teacher keypoint does (then only the ground-truth loss
teaches it). Maps are built from the keypoint NAMES of mmpose dataset
metainfo files, never from typed indices:

* ``keypoint_map='coco_wholebody_to_coco'``: a preset name (see
  :data:`KEYPOINT_MAP_PRESETS`);
* ``keypoint_map=dict(teacher='coco_wholebody', student='coco',
  rename=None, unmapped=())``: ``teacher`` / ``student`` name an mmpose
  dataset metainfo (``configs/_base_/datasets/<name>.py`` of the installed
  mmpose) or a metainfo file path, or give the names as a list;
  ``rename`` is ``dict(student_name=teacher_name)`` or a named
  correspondence (``'left_hand'`` / ``'right_hand'``: the hand-21 dataset's
  names to COCO-WholeBody's, :func:`hand21_correspondence`); ``unmapped``
  lists the student keypoints that no teacher keypoint teaches (any other
  name missing from the teacher is an error, so a typo never silently
  drops a keypoint);
* ``keypoint_map=dict(either=[<map>, <map>, ...])``: per sample, the
  alternative whose mapped teacher keypoints the teacher is most confident
  about (mean over them of the per-keypoint score mmpose decodes: the
  maximum SimCC logit, averaged over x and y, or the heatmap maximum).
  For a hand-21 student trained on COCO-WholeBody-Hand, whose samples are
  left and right hands alike, ``'coco_wholebody_to_hand'`` picks per crop
  the whole-body hand the teacher sees in it.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

#: Presets out of COCO-WholeBody-133 (the DWPose teachers' layout).
KEYPOINT_MAP_PRESETS: Dict[str, dict] = {
    # COCO body-17: the first 17 whole-body names are COCO's, same spelling
    'coco_wholebody_to_coco':
    dict(teacher='coco_wholebody', student='coco'),
    # the 6 foot keypoints (no mmpose dataset has only them: the student's
    # names are the whole-body names of the foot part)
    'coco_wholebody_to_feet':
    dict(teacher='coco_wholebody', student='feet'),
    # face-68: COCO-WholeBody-Face uses the whole-body names 'face-0'...
    'coco_wholebody_to_face':
    dict(teacher='coco_wholebody', student='coco_wholebody_face'),
    # hand-21 (COCO-WholeBody-Hand names: 'wrist', 'thumb1', ...)
    'coco_wholebody_to_left_hand':
    dict(
        teacher='coco_wholebody',
        student='coco_wholebody_hand',
        rename='left_hand'),
    'coco_wholebody_to_right_hand':
    dict(
        teacher='coco_wholebody',
        student='coco_wholebody_hand',
        rename='right_hand'),
    # either hand, per sample (hand-21 datasets mix left and right hands)
    'coco_wholebody_to_hand':
    dict(
        either=['coco_wholebody_to_left_hand', 'coco_wholebody_to_right_hand'
                ]),
}

_FOOT_SUFFIXES = ('_big_toe', '_small_toe', '_heel')


def _mmpose_dataset_file(name: str) -> str:
    import mmpose
    return osp.join(
        osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets',
        f'{name}.py')


def keypoint_names(spec: Union[str, Sequence[str]],
                   key: str = 'keypoint_map') -> List[str]:
    """The ordered keypoint names of a metainfo: an mmpose dataset name
    (``'coco'``, ``'coco_wholebody'``, ``'coco_wholebody_hand'``, ...), a
    metainfo file path, ``'feet'`` (the 6 COCO-WholeBody foot names), or a
    list of names (returned as is)."""
    if not isinstance(spec, str):
        names = list(spec)
        if not all(isinstance(n, str) for n in names):
            raise TypeError(f'{key}: keypoint names must be strings, got '
                            f'{names!r}')
        return names
    if spec == 'feet':
        return [
            n for n in keypoint_names('coco_wholebody', key)
            if n.endswith(_FOOT_SUFFIXES)
        ]
    path = spec if spec.endswith('.py') else _mmpose_dataset_file(spec)
    if not osp.isfile(path):
        raise ValueError(f'{key}: unknown dataset metainfo {spec!r} (neither '
                         "an mmpose dataset name such as 'coco_wholebody' "
                         'nor a metainfo file)')
    # as the datasets read it (mmpose's parser, keyed by each entry's id)
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    info = parse_pose_metainfo(dict(from_file=path))
    return [info['keypoint_id2name'][i] for i in range(info['num_keypoints'])]


def hand21_correspondence(side: str) -> Dict[str, str]:
    """COCO-WholeBody-Hand name -> COCO-WholeBody name for one hand, derived
    from the two metainfos: the hand dataset's ``wrist`` is the whole-body
    ``<side>_hand_root``; every other name ``n`` is ``<side>_n``
    (``thumb1`` -> ``left_thumb1``, ``pinky_finger4`` ->
    ``right_pinky_finger4``). Checked against the whole-body names."""
    if side not in ('left', 'right'):
        raise ValueError(f"hand side must be 'left' or 'right', got {side!r}")
    whole = set(keypoint_names('coco_wholebody'))
    mapping = {}
    for n in keypoint_names('coco_wholebody_hand'):
        target = f'{side}_hand_root' if n == 'wrist' else f'{side}_{n}'
        if target not in whole:  # the metainfo changed under us
            raise ValueError(f'hand-21 keypoint {n!r} has no COCO-WholeBody '
                             f'counterpart {target!r}')
        mapping[n] = target
    return mapping


def build_keypoint_map(spec: Union[str, dict, None],
                       key: str = 'model.keypoint_map'):
    """The map ``[teacher index or -1 for each student keypoint]`` of a
    preset name or a ``dict(teacher=, student=, rename=, unmapped=)``
    (module docstring), a list of such maps for ``dict(either=[...])``;
    ``None`` for ``None``.

    Raises:
        ValueError: naming ``key`` and the value, for an unknown preset, an
            unknown keypoint name (in ``rename`` or ``unmapped``, or a
            student name the teacher lacks), or unknown dict keys.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in KEYPOINT_MAP_PRESETS:
            raise ValueError(
                f'{key}={spec!r}: unknown preset; presets: '
                f'{sorted(KEYPOINT_MAP_PRESETS)}, or give dict(teacher=..., '
                'student=..., rename=..., unmapped=...)')
        spec = KEYPOINT_MAP_PRESETS[spec]
    if not isinstance(spec, dict):
        raise TypeError(f'{key} must be a preset name or a dict, got '
                        f'{spec!r}')
    spec = dict(spec)
    if 'either' in spec:
        alternatives = spec.pop('either')
        if spec or not isinstance(alternatives, (list, tuple)) or \
                len(alternatives) < 1:
            raise ValueError(f'{key}: `either` takes a list of maps and no '
                             f'other keys, got {alternatives!r}, {spec}')
        maps = [
            build_keypoint_map(a, f'{key}.either[{i}]')
            for i, a in enumerate(alternatives)
        ]
        if any(isinstance(m[0], list) for m in maps):
            raise ValueError(f'{key}: `either` alternatives cannot nest '
                             '`either`')
        if len({len(m) for m in maps}) != 1:
            raise ValueError(f'{key}: the `either` maps differ in length '
                             f'{[len(m) for m in maps]}')
        return maps
    if 'preset' in spec:
        preset = spec.pop('preset')
        if spec:
            raise ValueError(f'{key}: `preset` takes no other keys, got '
                             f'{sorted(spec)}')
        return build_keypoint_map(preset, key)
    unknown = set(spec) - {'teacher', 'student', 'rename', 'unmapped'}
    if unknown or 'teacher' not in spec or 'student' not in spec:
        raise ValueError(f'{key}={spec!r}: needs `teacher` and `student` '
                         '(optional `rename`, `unmapped`); unknown keys: '
                         f'{sorted(unknown)}')
    teacher = keypoint_names(spec['teacher'], key)
    student = keypoint_names(spec['student'], key)
    rename = spec.get('rename') or {}
    if isinstance(rename, str):
        if rename not in ('left_hand', 'right_hand'):
            raise ValueError(f'{key}: rename={rename!r}: a dict or one of '
                             "'left_hand', 'right_hand'")
        rename = hand21_correspondence(rename.split('_')[0])
    unmapped = list(spec.get('unmapped') or ())
    for what, names in (('rename', list(rename)), ('unmapped', unmapped)):
        bad = [n for n in names if n not in student]
        if bad:
            raise ValueError(f'{key}: `{what}` names unknown student '
                             f'keypoint(s) {bad}; the student has {student}')
    bad = [v for v in rename.values() if v not in teacher]
    if bad:
        raise ValueError(f'{key}: `rename` names unknown teacher keypoint(s) '
                         f'{bad}')
    index = {n: i for i, n in enumerate(teacher)}
    result, missing = [], []
    for n in student:
        if n in unmapped:
            result.append(-1)
            continue
        target = rename.get(n, n)
        if target not in index:
            missing.append(n)
        result.append(index.get(target, -1))
    if missing:
        raise ValueError(
            f'{key}: student keypoint(s) {missing} name no teacher keypoint; '
            'map them with `rename=dict(student_name=teacher_name)` or list '
            'them in `unmapped` (taught by the ground truth only)')
    return result


def check_keypoint_map(kmap,
                       num_teacher: Optional[int],
                       num_student: Optional[int],
                       value,
                       key: str = 'model.keypoint_map') -> None:
    """A clear error when the map (or an ``either`` alternative) has the
    wrong length for the student or points outside the teacher."""
    if kmap and isinstance(kmap[0], list):
        for alternative in kmap:
            check_keypoint_map(alternative, num_teacher, num_student, value,
                               key)
        return
    if num_student is not None and len(kmap) != num_student:
        raise ValueError(
            f'{key}={value!r} maps {len(kmap)} student keypoints but the '
            f'student predicts {num_student}')
    if num_teacher is not None:
        bad = [(i, t) for i, t in enumerate(kmap) if not -1 <= t < num_teacher]
        if bad:
            raise ValueError(
                f'{key}={value!r} points outside the teacher, which predicts '
                f'{num_teacher} keypoints: (student, teacher) index pairs '
                f'{bad[:10]}')
