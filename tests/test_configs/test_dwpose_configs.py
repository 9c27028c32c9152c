"""Every shipped DWPose config (``configs/dwpose/dwpose-*.py`` and
``configs/synthetic/dwpose-*.py``) runs AS SHIPPED with a real Runner: two
training iterations, then one validation pass with its own evaluator.

What the run test changes in a shipped config, and nothing else:

* **data paths**: every dataset's ``data_root``, ``ann_file``,
  ``data_prefix`` and ``bbox_file``, and the evaluators' ``ann_file``, point
  at tiny generated data of the config's own format: COCO-WholeBody (the
  project's generator), UBody as distributed (per-scene annotations, mp4
  videos, split lists) and COCO body-17 (derived from the whole-body files;
  COCO-WholeBody-Hand reads the whole-body files themselves),
  with a detection-results file holding the ground-truth boxes; mmpose's
  cocktail14 (RTMW) keeps each sub-dataset's relative paths under a tiny
  root holding a file of its own format (``write_tiny_source``); each
  training dataset reads ``indices`` samples (2 in all: a CombinedDataset's
  first sub-datasets read one each, the others none);
* **weights**: ``model.teacher_ckpt`` becomes a random stand-in checkpoint of
  the same architecture; the stage-1 student's ``Pretrained`` backbone init
  keeps its type and prefix and reads a local stand-in file instead of the
  model-zoo URL (the shipped values are checked to be public URLs first);
  a download attempt fails the test;
* **loader resources**: ``batch_size`` 2, ``num_workers`` 0, no persistent
  workers;
* **length**: ``train_cfg.max_epochs=2`` (one iteration per epoch) and
  ``val_interval=2``, and ``PipelineSwitchHook.switch_epoch=1`` so that the
  second iteration runs the config's stage-2 pipeline;
* ``work_dir``, the log level and the logger interval.

Everything else runs as shipped: the pipelines (``CheckedLoadImage``,
``mmdet.YOLOXHSVRandomAug``, ``Albumentation`` ...), the evaluator
(``CocoWholeBodyMetric`` / ``CocoMetric``, on the boxes of ``bbox_file``
where the config reads one, with flip test), the hooks (EMA,
PipelineSwitchHook, the distillation hooks), the optimizer with its
gradient clip and the parameter schedulers. A step, evaluator or
dependency that cannot run fails the test.
"""
import copy
import glob
import json
import os
import os.path as osp
import shutil
import uuid

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.registry import MODELS

from mmpose_kd.models.base import drop_pretrained_init, resolve_model_spec
from mmpose_kd.utils.config import resolve_config_path
from mmpose_kd.utils.runtime import apply_runtime_defaults

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DWPOSE = sorted(glob.glob(osp.join(ROOT, 'configs', 'dwpose', 'dwpose-*.py')))
SYNTHETIC = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'synthetic', 'dwpose-*.py')))
STAGE2 = [p for p in DWPOSE if osp.basename(p).startswith('dwpose-s2_')]
STAGE1 = [p for p in DWPOSE if osp.basename(p).startswith('dwpose-s1_')]
MODEL_ZOO = 'https://download.openmmlab.com/mmpose/'

WHOLEBODY_DATASETS = ('CocoWholeBodyDataset', 'CheckedCocoWholeBodyDataset')
BODY_DATASETS = ('CocoDataset', 'CheckedCocoDataset')
UBODY_DATASETS = ('UBodyWholeBodyVideoDataset', )
# hand-21 samples read from the same COCO-WholeBody files (keypoint maps)
HAND_DATASETS = ('CocoWholeBodyHandDataset', )

# The released pairs (IDEA-Research/DWPose mmpose/configs/distiller/ and
# mmpose 1.3.2 configs/wholebody_2d_keypoint/dwpose/), each must ship.
RELEASED = [
    'dwpose-s1_l-dis-m_coco-wholebody-256x192',
    'dwpose-s1_x-dis-l_coco-wholebody-384x288',
    'dwpose-s2_l-ll_coco-wholebody-256x192',
    'dwpose-s2_l-ll_coco-wholebody-384x288',
    'dwpose-s2_m-mm_coco-wholebody-256x192',
    'dwpose-s1_l-dis-m_coco-ubody-256x192',
    'dwpose-s1_l-dis-s_coco-ubody-256x192',
    'dwpose-s1_l-dis-t_coco-ubody-256x192',
    'dwpose-s1_x-dis-l_coco-ubody-256x192',
    'dwpose-s1_x-dis-l_coco-ubody-384x288',
    'dwpose-s2_l-ll_coco-ubody-256x192',
    'dwpose-s2_l-ll_coco-ubody-384x288',
    'dwpose-s2_m-mm_coco-ubody-256x192',
    'dwpose-s2_s-ss_coco-ubody-256x192',
    'dwpose-s2_t-tt_coco-ubody-256x192',
    'dwpose-s2_x-xx_coco-ubody-256x192',
    'dwpose-s1_l-dis-m_body-coco-256x192',
    'dwpose-s1_l-dis-s_body-coco-256x192',
    'dwpose-s1_l-dis-t_body-coco-256x192',
    'dwpose-s2_l-ll_body-coco-256x192',
    'dwpose-s2_m-mm_body-coco-256x192',
    'dwpose-s2_s-ss_body-coco-256x192',
    'dwpose-s2_t-tt_body-coco-256x192',
]

# The RTMW pairs (not released: mmpose#3216) and their student's stock
# config under mmpose's configs/.
_COCKTAIL14 = 'wholebody_2d_keypoint/rtmpose/cocktail14/'
RTMW_STOCK = {
    'dwpose-s1_rtmw-x-dis-l_cocktail14-384x288':
    _COCKTAIL14 + 'rtmw-l_8xb320-270e_cocktail14-384x288.py',
    'dwpose-s2_rtmw-l-ll_cocktail14-384x288':
    _COCKTAIL14 + 'rtmw-l_8xb320-270e_cocktail14-384x288.py',
    'dwpose-s1_rtmw-l-dis-m_cocktail14-256x192':
    _COCKTAIL14 + 'rtmw-m_8xb1024-270e_cocktail14-256x192.py',
    'dwpose-s2_rtmw-m-mm_cocktail14-256x192':
    _COCKTAIL14 + 'rtmw-m_8xb1024-270e_cocktail14-256x192.py',
}


def name(path):
    return osp.basename(path)[:-3]


def test_rtmw_pairs_present():
    assert set(RTMW_STOCK) <= {name(p) for p in DWPOSE}


def _leaves(ds):
    """(type without 'Checked', ann_file, data_prefix, converter mapping)
    of every leaf dataset, in order."""
    if ds['type'] == 'CombinedDataset':
        return [leaf for sub in ds['datasets'] for leaf in _leaves(sub)]
    converters = [
        t['mapping'] for t in ds.get('pipeline') or []
        if t['type'] == 'KeypointConverter'
    ]
    return [(ds['type'].replace('Checked',
                                ''), ds['ann_file'], ds['data_prefix'],
             repr(converters))]


def test_released_pairs_present():
    shipped = {name(p) for p in DWPOSE}
    assert not set(RELEASED) - shipped


# ---------------------------------------------------------------------------
# The released recipe, read from the resolved configs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('path', DWPOSE, ids=name)
def test_released_settings(path):
    cfg = Config.fromfile(path)
    m = cfg.model
    assert m.type == 'DWPoseTwoStageDistiller'
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=1., norm_type=2)
    student = resolve_model_spec(m.student, 'student')
    # the student's backbone starts from the stock CSPNeXt weights, named by
    # their public URL (stage 2 loads its backbone from teacher_ckpt)
    init = student.backbone.init_cfg
    assert init.type == 'Pretrained' and init.checkpoint.startswith(MODEL_ZOO)
    if m.stage == 1:
        assert m.feature_distill.alpha == 7e-5
        assert m.feature_distill.normalize == 'batch'
        assert m.logit_distill.loss_weight == 0.1
        assert m.teacher_ckpt.startswith(MODEL_ZOO)  # a public teacher
        assert m.feature_distill.student_channels == \
            student.head.in_channels
        teacher = resolve_model_spec(m.teacher, 'teacher')
        assert m.feature_distill.teacher_channels == \
            teacher.head.in_channels
    else:
        assert m.logit_distill.loss_weight == 1.0
        assert m.get('feature_distill') is None
    assert m.teacher_train_mode is False
    # stock hooks kept, ours appended
    types = [h['type'] for h in cfg.custom_hooks]
    assert 'mmdet.PipelineSwitchHook' in types
    assert types[-5:] == [
        'DistillScheduleHook', 'ExportStudentHook', 'SkippedImageCountHook',
        'SyncBuffersHook', 'RandomStateHook'
    ]
    ds = cfg.train_dataloader.dataset
    if ds.type == 'CombinedDataset' and 'cocktail14' not in path:
        ubody = ds.datasets[1]
        # released: every annotated frame of every video
        assert (ubody.split, ubody.frame_interval) == ('all', 1)
    if 'cocktail14' in path:
        # RTMW: the stock 14 datasets, each with its converter, kept
        stock = Config.fromfile(
            resolve_config_path(f'mmpose::{RTMW_STOCK[name(path)]}'))
        assert _leaves(ds) == _leaves(stock.train_dataloader.dataset)
        assert student.neck.type == 'CSPNeXtPAFPN'
        assert student.head.type == 'RTMWHead'


@pytest.mark.parametrize('path', STAGE2, ids=name)
def test_stage2_released_schedule(path):
    """Stage 2 as released: only max_epochs is shortened (60 whole-body, 80
    body-only); the stock 270/420-epoch cosine start and pipeline switch are
    inherited, so neither fires. The documented cfg-options fit both in."""
    cfg = Config.fromfile(path)
    stock_epochs = cfg.max_epochs  # the stock config's variable
    body = 'body-coco' in path
    assert stock_epochs == (420 if body else 270)
    max_epochs = cfg.train_cfg.max_epochs
    assert max_epochs == (80 if body else 60)
    cosine = cfg.param_scheduler[1]
    assert cosine.type == 'CosineAnnealingLR'
    assert (cosine.begin, cosine.T_max, cosine.end) == \
        (stock_epochs // 2, stock_epochs // 2, stock_epochs)
    assert cosine.begin >= max_epochs  # never starts
    index = [h['type']
             for h in cfg.custom_hooks].index('mmdet.PipelineSwitchHook')
    switch = cfg.custom_hooks[index]
    # the stock switch: 30 epochs before the end (RTMW: 10)
    assert switch.switch_epoch == stock_epochs - cfg.stage2_num_epochs
    assert switch.switch_epoch >= max_epochs
    # the fitted variant documented in configs/dwpose/_base_/dwpose-s2.py
    documented = 0 if 't-tt_body' in path else 1
    assert index == documented
    half = max_epochs // 2
    cfg.merge_from_dict(
        {
            'param_scheduler.1.begin': half,
            'param_scheduler.1.T_max': half,
            'param_scheduler.1.end': max_epochs,
            f'custom_hooks.{documented}.switch_epoch': max_epochs - 10
        },
        allow_list_keys=True)
    assert cfg.param_scheduler[1].begin < max_epochs
    assert 0 < cfg.custom_hooks[index].switch_epoch < max_epochs


# ---------------------------------------------------------------------------
# Tiny data of each format
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def tiny_ubody(tmp_path_factory):
    from mmpose_kd.datasets.synthetic import generate_ubody_dataset
    root = tmp_path_factory.mktemp('tiny_ubody')
    generate_ubody_dataset(
        str(root),
        scenes=('Fitness', 'TalkShow'),
        videos_per_scene=2,
        frames_per_video=4,
        img_size=(96, 96),
        seed=0)
    return root


@pytest.fixture(scope='module')
def tiny_data(tiny_wholebody, tiny_ubody, tmp_path_factory):
    """Roots of the three formats and a detection-results file."""
    root = str(tiny_wholebody)
    body = tmp_path_factory.mktemp('tiny_body_coco')
    (body / 'annotations').mkdir()
    for split in ('train', 'val'):
        with open(
                osp.join(root, 'annotations',
                         f'coco_wholebody_{split}_v1.0.json')) as f:
            data = json.load(f)
        # COCO body-17: the whole-body file without the extra parts
        for ann in data['annotations']:
            for key in ('foot_kpts', 'face_kpts', 'lefthand_kpts',
                        'righthand_kpts', 'face_box', 'lefthand_box',
                        'righthand_box', 'face_valid', 'lefthand_valid',
                        'righthand_valid', 'foot_valid'):
                ann.pop(key, None)
        with open(body / 'annotations' / f'person_keypoints_{split}2017.json',
                  'w') as f:
            json.dump(data, f)
        (body / f'{split}2017').symlink_to(osp.join(root, f'{split}2017'))
        if split == 'val':
            # detector-style boxes (what bbox_file holds): the GT boxes
            dets = [
                dict(
                    image_id=a['image_id'],
                    category_id=1,
                    bbox=a['bbox'],
                    score=0.99) for a in data['annotations']
            ]
            det_file = str(body / 'detections.json')
            with open(det_file, 'w') as f:
                json.dump(dets, f)
    return dict(
        wholebody=root,
        body=str(body),
        ubody=str(tiny_ubody),
        cocktail14=str(tmp_path_factory.mktemp('tiny_cocktail14')),
        det_file=det_file)


# mmpose 1.3.2's cocktail14 (configs/wholebody_2d_keypoint/rtmpose/
# cocktail14/): each sub-dataset keeps its type, KeypointConverter, and
# relative ann_file/data_prefix; only data_root moves to a tiny root where
# the test writes a file of that format at that path (see
# write_tiny_source), from the tiny COCO-WholeBody images and boxes.
COCKTAIL14_DATASETS = ('HalpeDataset', 'UBody2dDataset',
                       'CheckedUBody2dDataset', 'AicDataset',
                       'CheckedAicDataset', 'CrowdPoseDataset', 'MpiiDataset',
                       'CheckedMpiiDataset', 'JhmdbDataset',
                       'PoseTrack18Dataset', 'HumanArt21Dataset',
                       'WFLWDataset', 'Face300WDataset', 'COFWDataset',
                       'LapaDataset', 'InterHand2DDoubleDataset')


def _link_images(images, img_dir):
    """Symlink the tiny images into ``img_dir`` (a shipped data_prefix)."""
    os.makedirs(img_dir, exist_ok=True)
    for src in images:
        dst = osp.join(img_dir, osp.basename(src))
        if not osp.lexists(dst):
            os.symlink(src, dst)


def write_tiny_source(ds, data):
    """Write, under ``data['cocktail14']``, the annotation file(s) the
    sub-dataset ``ds`` reads, in its own format, with its own keypoint
    count, from the tiny COCO-WholeBody train split: same images, same
    boxes, keypoints spread inside each box."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from mmpose.registry import DATASETS
    root = data['cocktail14']
    wb_root = data['wholebody']
    with open(
            osp.join(wb_root, 'annotations',
                     'coco_wholebody_train_v1.0.json')) as f:
        wb = json.load(f)
    img_dir = osp.join(root, ds['data_prefix']['img'])
    _link_images([
        osp.join(wb_root, 'train2017', img['file_name'])
        for img in wb['images']
    ], img_dir)
    ann_file = osp.join(root, ds['ann_file'])
    os.makedirs(osp.dirname(ann_file), exist_ok=True)
    kind = ds['type'].replace('Checked', '')
    if kind == 'UBody2dDataset':
        # COCO-WholeBody style per scene; sample_interval=10 keeps image
        # ids divisible by 10
        data_ = copy.deepcopy(wb)
        for item in data_['images']:
            item['id'] *= 10
        for ann in data_['annotations']:
            ann['image_id'] *= 10
        with open(ann_file, 'w') as f:
            json.dump(data_, f)
        return
    num = parse_pose_metainfo(DATASETS.get(
        ds['type']).METAINFO)['num_keypoints']
    rng = np.random.RandomState(0)
    images = {img['id']: img for img in wb['images']}
    anns = []
    for ann in wb['annotations']:
        x, y, w, h = ann['bbox']
        kpts = np.stack([
            x + rng.uniform(0.1, 0.9, num) * w,
            y + rng.uniform(0.1, 0.9, num) * h,
            np.full(num, 2.)
        ], 1)
        anns.append(
            dict(
                id=ann['id'],
                image_id=ann['image_id'],
                category_id=1,
                bbox=ann['bbox'],
                area=w * h,
                iscrowd=0,
                num_keypoints=num,
                keypoints=kpts.round(2).flatten().tolist(),
                center=[x + w / 2, y + h / 2],
                scale=max(w, h) / 200.))
    if kind == 'MpiiDataset':  # MPII's own json: one entry per person
        out = [
            dict(
                image=images[a['image_id']]['file_name'],
                center=a['center'],
                scale=a['scale'],
                joints=np.reshape(a['keypoints'], (-1, 3))[:, :2].tolist(),
                joints_vis=[1] * num) for a in anns
        ]
    else:
        out = dict(
            images=copy.deepcopy(wb['images']),
            annotations=anns,
            categories=[dict(id=1, name='person')])
    if kind == 'HumanArt21Dataset':
        for a in anns:
            a['keypoints_21'] = a['keypoints']
    if kind == 'InterHand2DDoubleDataset':
        # keypoints come from 3D joints through a camera: identity rotation,
        # depth 1000 = focal, so the pixels are the joints' x, y + principal
        cameras, joints = {}, {}
        for a, img in zip(anns, out['images']):
            img.update(capture=img['id'], camera='0', frame_idx=0)
            cam = str(img['id'])
            cameras[cam] = dict(
                campos={'0': [0., 0., 0.]},
                camrot={'0': np.eye(3).tolist()},
                focal={'0': [1000., 1000.]},
                princpt={'0': [0., 0.]})
            xy = np.reshape(a['keypoints'], (-1, 3))[:, :2]
            joints[cam] = {
                '0':
                dict(
                    world_coord=np.concatenate(
                        [xy, np.full((num, 1), 1000.)], 1).tolist())
            }
            a.update(
                joint_valid=[[1]] * num,
                hand_type='interacting',
                hand_type_valid=1)
        for key, value in (('camera_param_file', cameras), ('joint_file',
                                                            joints)):
            path = osp.join(root, ds[key])
            os.makedirs(osp.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                json.dump(value, f)
    with open(ann_file, 'w') as f:
        json.dump(out, f)


# ---------------------------------------------------------------------------
# Redirection
# ---------------------------------------------------------------------------
def redirect_dataset(ds, data, split, train_samples=None):
    """Redirect ``ds`` (recursively); a training dataset reads
    ``train_samples`` samples in all, returned: a CombinedDataset spreads
    them over its sub-datasets in order, at least one each until they are
    spent; the later ones read none (``indices=0``: built, file parsed,
    empty, not serialized)."""
    if ds['type'] == 'CombinedDataset':
        left = train_samples
        for sub in ds['datasets']:
            if train_samples is None:
                redirect_dataset(sub, data, split)
                continue
            share = min(left, max(1, train_samples // len(ds['datasets'])))
            left -= redirect_dataset(sub, data, split, share)
        return None if train_samples is None else train_samples - left
    if ds['type'] in COCKTAIL14_DATASETS:
        # cocktail14: the shipped relative paths under a tiny root
        ds['data_root'] = data['cocktail14']
        write_tiny_source(ds, data)
    elif ds['type'] in WHOLEBODY_DATASETS + HAND_DATASETS:
        ds.update(
            data_root=data['wholebody'],
            ann_file=f'annotations/coco_wholebody_{split}_v1.0.json',
            data_prefix=dict(img=f'{split}2017/'))
    elif ds['type'] in BODY_DATASETS:
        ds.update(
            data_root=data['body'],
            ann_file=f'annotations/person_keypoints_{split}2017.json',
            data_prefix=dict(img=f'{split}2017/'))
    elif ds['type'] in UBODY_DATASETS:
        ds.update(data_root=data['ubody'])
    else:
        raise AssertionError(f'unknown dataset type {ds["type"]}: teach '
                             'this test its data format')
    if ds.get('bbox_file'):
        ds['bbox_file'] = data['det_file']
    if train_samples is not None:
        ds['indices'] = train_samples
        if not train_samples:  # mmengine cannot serialize an empty list
            ds['serialize_data'] = False
    return train_samples


def redirect_evaluator(evaluator, data):
    if isinstance(evaluator, (list, tuple)):  # e.g. PCK, AUC, EPE (hand)
        for e in evaluator:
            redirect_evaluator(e, data)
        return
    if evaluator.get('ann_file'):
        wholebody = osp.join(data['wholebody'], 'annotations',
                             'coco_wholebody_val_v1.0.json')
        evaluator['ann_file'] = {
            'CocoWholeBodyMetric':
            wholebody,
            'CocoWholeBodyPerPartMetric':
            wholebody,
            'CocoMetric':
            osp.join(data['body'], 'annotations',
                     'person_keypoints_val2017.json'),
        }[evaluator['type']]


_STAND_INS = {}


def stand_in_weights(spec, weights_dir, what):
    """Random weights of the architecture ``spec`` (cached per spec)."""
    key = repr(spec)
    if key not in _STAND_INS:
        cfg = drop_pretrained_init(resolve_model_spec(spec, what))
        cfg.pop('data_preprocessor', None)
        with torch.device('meta'):  # shapes only: no weight init cost
            shapes = MODELS.build(cfg).state_dict()
        generator = torch.Generator().manual_seed(len(_STAND_INS))
        state_dict = {
            k: (torch.randn(v.shape, generator=generator) * 0.02).to(v.dtype)
            if v.is_floating_point() else torch.zeros(v.shape, dtype=v.dtype)
            for k, v in shapes.items()
        }
        for k in state_dict:  # BN statistics of a unit Gaussian
            if k.endswith('running_var'):
                state_dict[k].fill_(1.)
        path = str(weights_dir / f'{len(_STAND_INS)}.pth')
        torch.save({'state_dict': state_dict}, path)
        _STAND_INS[key] = path
    return _STAND_INS[key]


def redirect_weights(cfg, weights_dir):
    m = cfg.model
    if m.stage == 1:
        m.teacher_ckpt = stand_in_weights(m.teacher, weights_dir, 'teacher')
        student = resolve_model_spec(m.student, 'student')
        init = student.backbone.get('init_cfg')
        if init:
            assert init['type'] == 'Pretrained'
            path = m.student if isinstance(m.student, str) else \
                m.student['config']
            local = stand_in_weights(path, weights_dir, 'student')
            overrides = copy.deepcopy(dict(m.student.get('overrides') or {})) \
                if isinstance(m.student, dict) else {}
            overrides.setdefault('backbone', {})['init_cfg'] = dict(
                init, checkpoint=local)
            m.student = dict(config=path, overrides=overrides)
    else:
        m.teacher_ckpt = stand_in_weights(m.student, weights_dir, 'student')


def redirect(cfg, data, weights_dir, work_dir):
    redirect_weights(cfg, weights_dir)
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    redirect_dataset(
        cfg.train_dataloader.dataset, data, 'train', train_samples=2)
    for key in ('val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader:
            loader.update(
                batch_size=2, num_workers=0, persistent_workers=False)
            redirect_dataset(loader.dataset, data, 'val')
    for key in ('val_evaluator', 'test_evaluator'):
        if cfg.get(key):
            redirect_evaluator(cfg[key], data)
    cfg.train_cfg.update(max_epochs=2, val_interval=2)
    for hook in cfg.custom_hooks:
        if hook['type'] == 'mmdet.PipelineSwitchHook':
            hook['switch_epoch'] = 1
    cfg.default_hooks.logger = dict(
        cfg.default_hooks.get('logger', {}), interval=1)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def weights_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp('stand_in_weights')
    yield path
    shutil.rmtree(str(path), ignore_errors=True)  # about 1.6 GB
    _STAND_INS.clear()


@pytest.fixture
def no_download(monkeypatch):

    def refuse(url, *args, **kwargs):
        raise AssertionError(f'the test tried to download {url}')

    import torch.hub
    monkeypatch.setattr(torch.hub, 'download_url_to_file', refuse)
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', refuse)
    import mmengine.runner.checkpoint as ckpt
    monkeypatch.setattr(ckpt, 'load_url', refuse)


@pytest.fixture
def pretty_text_once(monkeypatch):
    """The runner formats the whole config with yapf for its log, its
    config dump and every checkpoint's meta (seconds per call for these
    configs on 2 cores); format each distinct config once."""
    original = Config.pretty_text.fget
    cache = {}

    def pretty_text(self):
        key = repr(self._cfg_dict)
        if key not in cache:
            cache[key] = original(self)
        return cache[key]

    monkeypatch.setattr(Config, 'pretty_text', property(pretty_text))


@pytest.mark.parametrize('path', DWPOSE + SYNTHETIC, ids=name)
def test_config_runs_as_shipped(path, tiny_data, weights_dir, no_download,
                                pretty_text_once, tmp_path, request):
    cfg = Config.fromfile(path)
    shipped = copy.deepcopy(cfg)
    work_dir = tmp_path / 'work_dir'
    request.addfinalizer(  # real-scale checkpoints, about 1 GB a test
        lambda: shutil.rmtree(str(work_dir), ignore_errors=True))
    cfg = redirect(cfg, tiny_data, weights_dir, work_dir)
    # nothing but the documented keys changed (module docstring)
    for key in ('optim_wrapper', 'param_scheduler', 'val_cfg', 'auto_scale_lr',
                'randomness'):
        assert cfg.get(key) == shipped.get(key), key
    assert cfg.train_dataloader.dataset.pipeline == \
        shipped.train_dataloader.dataset.pipeline
    cfg.experiment_name = name(path)
    # a fresh visualizer: mmengine reuses an instance of the same name,
    # which would keep writing into the previous test's (deleted) work dir
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'
    apply_runtime_defaults(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    assert runner.train_dataloader.dataset.pipeline is not None
    # the validation pass ran the config's evaluator
    logged = runner.message_hub.log_scalars
    evaluators = cfg.val_evaluator if isinstance(cfg.val_evaluator, list) \
        else [cfg.val_evaluator]
    if any(e['type'] == 'PCKAccuracy' for e in evaluators):  # hand-21
        assert {'val/PCK', 'val/AUC', 'val/EPE'} <= set(logged)
    else:
        assert [
            k for k in logged if k.startswith('val/') and k.endswith('/AP')
        ]
    switch = [
        h for h in runner.hooks if type(h).__name__ == 'PipelineSwitchHook'
    ]
    if switch:
        assert switch[0]._has_switched  # iteration 2 ran stage-2 pipeline


@pytest.mark.parametrize(
    'path', [p for p in DWPOSE if 'cocktail14' in p][:1], ids=name)
def test_cocktail14_every_source_loads_and_converts(path, tiny_data):
    """The run test reads 2 training samples (from the first sources); here
    one sample of EVERY cocktail14 source (14 datasets, 15 UBody scenes)
    goes through its own sub-pipeline (KeypointConverter, the face/hand
    crops) and the shipped training pipeline, into 133 keypoints."""
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(path)
    ds = cfg.train_dataloader.dataset
    redirect_dataset(ds, tiny_data, 'train')

    def one_each(d):
        if d['type'] == 'CombinedDataset':
            for sub in d['datasets']:
                one_each(sub)
        else:
            d['indices'] = 1

    one_each(ds)
    dataset = DATASETS.build(ds.to_dict())
    leaves = _leaves(ds)
    assert len(leaves) == 28 and len(dataset) == 28
    width, height = cfg.codec['input_size']
    for i in range(len(dataset)):
        sample = dataset[i]
        inputs, data_sample = sample['inputs'], sample['data_samples']
        assert tuple(inputs.shape) == (3, height, width), leaves[i]
        labels = data_sample.gt_instance_labels
        assert labels.keypoint_x_labels.shape[-2] == 133, leaves[i]
        assert labels.keypoint_weights.shape[-1] == 133, leaves[i]
