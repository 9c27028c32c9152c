"""Tiny body-keypoint datasets in the layouts the SSPCM configs read, made
from the synthetic people (so that a config runs as shipped with only its
data root redirected):

* :func:`write_coco_body_layout` - ``coco/``: ``train2017/``, ``val2017/``,
  ``annotations/person_keypoints_{train,val}2017.json`` (the 17 body
  keypoints, as in COCO), the "wild" images ``unlabeled2017/`` with
  ``annotations/image_info_unlabeled2017.json`` (images only), and person
  boxes in COCO's detection-results format under
  ``person_detection_results/`` (for val2017 and for unlabeled2017, under
  the file names the configs use).
* :func:`write_mpii_layout` - ``mpii/``: ``images/``, mmpose's
  ``annotations/mpii_{train,val}.json`` (centre, scale, 16 joints, 1-based
  as MPII) and ``annotations/mpii_gt_val.mat`` (the head boxes PCKh needs,
  plus the other arrays of the real file).
* :func:`write_aic_layout` - ``aic/``: AI Challenger train images under
  its directory names and mmpose's COCO-style
  ``annotations/aic_train.json`` (14 keypoints).

MPII and AI Challenger joints that COCO lacks are derived from the COCO
body: pelvis and thorax are midpoints, the neck is the thorax, the upper
neck and the head top lie on the thorax -> nose line. They serve file
format and pipeline checks, not accuracy.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .layout import PERSON_CATEGORY
from .wholebody import generate_wholebody_dataset

COCO_BODY_FIELDS = ('id', 'image_id', 'category_id', 'bbox', 'area', 'iscrowd',
                    'keypoints', 'num_keypoints', 'segmentation')
VAL_DETECTIONS = 'COCO_val2017_detections_AP_H_56_person.json'
WILD_DETECTIONS = 'COCO_unlabeled2017_detections_person_faster_rcnn.json'
AIC_TRAIN_IMAGES = ('ai_challenger_keypoint_train_20170902/'
                    'keypoint_train_images_20170902')

# COCO body indices
_NOSE, _LSHO, _RSHO, _LELB, _RELB, _LWRI, _RWRI = 0, 5, 6, 7, 8, 9, 10
_LHIP, _RHIP, _LKNE, _RKNE, _LANK, _RANK = 11, 12, 13, 14, 15, 16
# A derived joint: ('copy', i) | ('mid', i, j) | ('line', t) = thorax +
# t * (nose - thorax)
MPII_FROM_COCO = (('copy', _RANK), ('copy', _RKNE), ('copy', _RHIP),
                  ('copy', _LHIP), ('copy', _LKNE), ('copy', _LANK),
                  ('mid', _LHIP, _RHIP), ('mid', _LSHO, _RSHO), ('line', 0.4),
                  ('line', 1.8), ('copy', _RWRI), ('copy', _RELB),
                  ('copy', _RSHO), ('copy', _LSHO), ('copy', _LELB), ('copy',
                                                                      _LWRI))
AIC_FROM_COCO = (('copy', _RSHO), ('copy', _RELB), ('copy', _RWRI),
                 ('copy', _LSHO), ('copy', _LELB), ('copy', _LWRI),
                 ('copy', _RHIP), ('copy', _RKNE), ('copy', _RANK),
                 ('copy', _LHIP), ('copy', _LKNE), ('copy', _LANK),
                 ('line', 1.8), ('mid', _LSHO, _RSHO))
MPII_JOINT_NAMES = ('rank', 'rkne', 'rhip', 'lhip', 'lkne', 'lank', 'pelv',
                    'thrx', 'neck', 'head', 'rwri', 'relb', 'rsho', 'lsho',
                    'lelb', 'lwri')


def _write_json(path: str, obj) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def _load_json(path: str):
    with open(path) as f:
        return json.load(f)


def _copy_image(src_root: str, src_dir: str, file_name: str, dst: str):
    os.makedirs(osp.dirname(dst), exist_ok=True)
    shutil.copyfile(osp.join(src_root, src_dir, file_name), dst)


def _generated(work_dir: str, num_train: int, num_val: int, img_size,
               seed: int, max_people: int) -> Tuple[str, dict, dict]:
    # the leading parameters of generate_wholebody_dataset, in its order
    paths = generate_wholebody_dataset(
        work_dir,
        num_train,
        num_val,
        img_size,
        seed,
        progress=False,
        max_people=max_people)
    return (paths['data_root'], _load_json(paths['train_ann_file']),
            _load_json(paths['val_ann_file']))


def _first_instances(coco: dict, limit: Optional[int]) -> Tuple[list, list]:
    """Images in file order and their annotations, keeping the first
    ``limit`` people (images left without one are dropped)."""
    anns = coco['annotations'] if limit is None else \
        coco['annotations'][:limit]
    kept = {ann['image_id'] for ann in anns}
    return [img for img in coco['images'] if img['id'] in kept], anns


def _body_ann(ann: dict) -> dict:
    return {k: ann[k] for k in COCO_BODY_FIELDS if k in ann}


def _detections(anns: Sequence[dict],
                rng: np.random.Generator,
                image_id_map: Optional[Dict[int, int]] = None) -> List[dict]:
    """COCO detection results from ground-truth boxes: jittered by a few
    pixels, scores in [0.5, 1)."""
    dets = []
    for ann in anns:
        x, y, w, h = ann['bbox']
        jitter = rng.uniform(-2, 2, size=4)
        image_id = ann['image_id'] if image_id_map is None else \
            image_id_map[ann['image_id']]
        dets.append(
            dict(
                image_id=image_id,
                category_id=1,
                bbox=[
                    round(float(x + jitter[0]), 2),
                    round(float(y + jitter[1]), 2),
                    round(float(max(2., w + jitter[2])), 2),
                    round(float(max(2., h + jitter[3])), 2)
                ],
                score=round(float(rng.uniform(0.5, 1.)), 4)))
    return dets


def write_coco_body_layout(root: str,
                           num_train_images: int = 4,
                           num_val_images: int = 3,
                           max_train_instances: Optional[int] = None,
                           num_wild_boxes: Optional[int] = None,
                           img_size=96,
                           seed: int = 0,
                           max_people: int = 2) -> Dict[str, str]:
    """Write ``<root>/coco`` (see the module docstring); returns its path
    (with a trailing ``/``) and the paths of its files.

    ``max_train_instances`` keeps the first people of the training file
    only; ``num_wild_boxes`` the first detection boxes of the wild images
    (each wild image is a training image under a new id)."""
    work = osp.join(root, '_synthetic_wholebody')
    src, train, val = _generated(work, num_train_images, num_val_images,
                                 img_size, seed, max_people)
    coco_root = osp.join(root, 'coco')
    ann_dir = osp.join(coco_root, 'annotations')
    det_dir = osp.join(coco_root, 'person_detection_results')
    categories = [dict(PERSON_CATEGORY)]
    rng = np.random.default_rng(seed)
    out = dict(data_root=coco_root + '/')

    for split, coco, limit in (('train', train, max_train_instances),
                               ('val', val, None)):
        images, anns = _first_instances(coco, limit)
        for img in images:
            _copy_image(src, f'{split}2017', img['file_name'],
                        osp.join(coco_root, f'{split}2017', img['file_name']))
        path = osp.join(ann_dir, f'person_keypoints_{split}2017.json')
        _write_json(
            path,
            dict(
                info=dict(description=f'synthetic COCO body, {split}'),
                licenses=[],
                images=images,
                annotations=[_body_ann(a) for a in anns],
                categories=categories))
        out[f'{split}_ann_file'] = path
        if split == 'val':
            out['val_detections'] = osp.join(det_dir, VAL_DETECTIONS)
            _write_json(out['val_detections'], _detections(anns, rng))

    # The wild images: training images under new ids, with no annotation
    # but detector-style boxes.
    wild_ids = {
        img['id']: 900000000 + i
        for i, img in enumerate(train['images'])
    }
    wild_images = []
    for img in train['images']:
        new_id = wild_ids[img['id']]
        file_name = f'{new_id:012d}.jpg'
        _copy_image(src, 'train2017', img['file_name'],
                    osp.join(coco_root, 'unlabeled2017', file_name))
        wild_images.append(dict(img, id=new_id, file_name=file_name))
    out['wild_ann_file'] = osp.join(ann_dir, 'image_info_unlabeled2017.json')
    _write_json(
        out['wild_ann_file'],
        dict(
            info=dict(description='synthetic COCO unlabeled2017'),
            licenses=[],
            images=wild_images,
            categories=categories))
    wild = _detections(train['annotations'], rng, wild_ids)
    out['wild_detections'] = osp.join(det_dir, WILD_DETECTIONS)
    _write_json(out['wild_detections'],
                wild if num_wild_boxes is None else wild[:num_wild_boxes])
    shutil.rmtree(work)
    return out


def _derived_joints(coco_kpts: Sequence[float], recipe) -> np.ndarray:
    """(K, 3) [x, y, visible] joints of another layout from COCO's 17."""
    body = np.asarray(coco_kpts, dtype=np.float64).reshape(17, 3)
    thorax = (body[_LSHO, :2] + body[_RSHO, :2]) / 2
    thorax_vis = body[_LSHO, 2] > 0 and body[_RSHO, 2] > 0
    joints = np.zeros((len(recipe), 3))
    for k, rule in enumerate(recipe):
        if rule[0] == 'copy':
            joints[k] = [*body[rule[1], :2], body[rule[1], 2] > 0]
        elif rule[0] == 'mid':
            i, j = rule[1:]
            joints[k] = [
                *((body[i, :2] + body[j, :2]) / 2), body[i, 2] > 0
                and body[j, 2] > 0
            ]
        else:
            point = thorax + rule[1] * (body[_NOSE, :2] - thorax)
            joints[k] = [*point, thorax_vis and body[_NOSE, 2] > 0]
    joints[joints[:, 2] == 0, :2] = 0
    return joints


def write_mpii_layout(root: str,
                      num_train_images: int = 2,
                      num_val_images: int = 2,
                      img_size=96,
                      seed: int = 0,
                      max_people: int = 2) -> Dict[str, str]:
    """Write ``<root>/mpii`` (see the module docstring); returns its path
    (with a trailing ``/``) and the paths of its files."""
    from scipy.io import savemat
    work = osp.join(root, '_synthetic_mpii')
    src, train, val = _generated(work, num_train_images, num_val_images,
                                 img_size, seed, max_people)
    mpii_root = osp.join(root, 'mpii')
    out = dict(data_root=mpii_root + '/')
    for split, coco in (('train', train), ('val', val)):
        names = {img['id']: img['file_name'] for img in coco['images']}
        entries, headboxes = [], []
        for ann in coco['annotations']:
            joints = _derived_joints(ann['keypoints'], MPII_FROM_COCO)
            # MPII's scale is the person height / 200 px; mmpose moves the
            # centre 15 * scale px down and pads by 1.25 itself.
            x, y, w, h = ann['bbox']
            scale = max(w, h) / 200.
            center = [x + w / 2 + 1, y + h / 2 - 15 * scale + 1]
            # matlab's 1-based pixel coordinates
            labeled = joints[:, 2] > 0
            joints[labeled, :2] += 1
            file_name = f'{ann["image_id"]:09d}.jpg'
            if not osp.exists(osp.join(mpii_root, 'images', file_name)):
                _copy_image(src, f'{split}2017', names[ann['image_id']],
                            osp.join(mpii_root, 'images', file_name))
            entries.append(
                dict(
                    image=file_name,
                    center=[round(c, 2) for c in center],
                    scale=round(scale, 4),
                    joints=np.round(joints[:, :2], 2).tolist(),
                    joints_vis=joints[:, 2].astype(int).tolist()))
            top, neck = joints[9, :2], joints[8, :2]
            size = max(4., float(np.linalg.norm(top - neck)))
            middle = (top + neck) / 2
            headboxes.append([middle - size / 2, middle + size / 2])
        path = osp.join(mpii_root, 'annotations', f'mpii_{split}.json')
        _write_json(path, entries)
        out[f'{split}_ann_file'] = path
    # (2, 2, N) as in the released mpii_gt_val.mat, with its other arrays
    joints = np.stack([np.asarray(e['joints']) for e in entries], axis=-1)
    visible = np.stack([np.asarray(e['joints_vis']) for e in entries], -1)
    out['headbox_file'] = osp.join(mpii_root, 'annotations', 'mpii_gt_val.mat')
    savemat(
        out['headbox_file'],
        dict(
            headboxes_src=np.transpose(np.asarray(headboxes), (1, 2, 0)),
            pos_gt_src=joints,
            jnt_missing=1 - visible,
            dataset_joints=np.array([[[name] for name in MPII_JOINT_NAMES]],
                                    dtype=object)))
    shutil.rmtree(work)
    return out


def write_aic_layout(root: str,
                     num_train_images: int = 4,
                     max_train_instances: Optional[int] = None,
                     img_size=96,
                     seed: int = 0,
                     max_people: int = 2) -> Dict[str, str]:
    """Write ``<root>/aic`` with the training part (see the module
    docstring); returns its path (with a trailing ``/``) and its
    annotation file."""
    work = osp.join(root, '_synthetic_aic')
    src, train, _ = _generated(work, num_train_images, 0, img_size, seed,
                               max_people)
    aic_root = osp.join(root, 'aic')
    images, anns = _first_instances(train, max_train_instances)
    new_images = []
    for img in images:
        # AI Challenger names its images by a hex digest
        file_name = f'{img["id"]:040x}.jpg'
        _copy_image(src, 'train2017', img['file_name'],
                    osp.join(aic_root, AIC_TRAIN_IMAGES, file_name))
        new_images.append(dict(img, file_name=file_name))
    aic_anns = []
    for ann in anns:
        joints = _derived_joints(ann['keypoints'], AIC_FROM_COCO)
        # AI Challenger marks visibility 1 (visible) / 2 (occluded) / 3
        # (absent); mmpose's converted file uses COCO's 2 / 0.
        joints[:, 2] *= 2
        aic_anns.append(
            dict(
                id=ann['id'],
                image_id=ann['image_id'],
                category_id=1,
                bbox=ann['bbox'],
                area=ann['area'],
                iscrowd=0,
                keypoints=np.round(joints, 2).reshape(-1).tolist(),
                num_keypoints=int((joints[:, 2] > 0).sum())))
    path = osp.join(aic_root, 'annotations', 'aic_train.json')
    _write_json(
        path,
        dict(
            info=dict(description='synthetic AI Challenger, train'),
            images=new_images,
            annotations=aic_anns,
            categories=[dict(supercategory='person', id=1, name='person')]))
    shutil.rmtree(work)
    return dict(data_root=aic_root + '/', train_ann_file=path)
