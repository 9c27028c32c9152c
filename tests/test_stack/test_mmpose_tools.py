"""What mmpose users do with our results, with the stack `make setup`
installs: mmpose's own ``MMPoseInferencer`` (with visualisation, as mmpose's
demo) on a student exported by ``tools/export_student.py``, and mmpose's own
``tools/test.py`` on our distiller config and checkpoint. Nothing is mocked:
the weights are random stand-ins (nothing is downloaded), the data is the
project's synthetic COCO-WholeBody set."""
import glob
import os
import os.path as osp
import subprocess
import sys

import mmpose
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SYNTHETIC = osp.join(ROOT, 'configs', 'synthetic')
STUDENT_CFG = osp.join(SYNTHETIC, 'rtmpose-t_synthetic-wholebody-128x96.py')
TEACHER_CFG = osp.join(SYNTHETIC, 'rtmpose-s_synthetic-wholebody-128x96.py')
STAGE1_CFG = osp.join(SYNTHETIC,
                      'dwpose-s1_s-dis-t_synthetic-wholebody-128x96.py')
MMPOSE_TEST_TOOL = osp.join(
    osp.dirname(mmpose.__file__), '.mim', 'tools', 'test.py')


def _run(args, cwd):
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE='1', OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, (
        f'{args[0]} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def distiller_checkpoint(tiny_wholebody, tmp_path_factory):
    """A stage-1 training checkpoint as the runner writes it: the
    distiller's state dict and the dataset meta."""
    tmp = tmp_path_factory.mktemp('stack')
    teacher = MODELS.build(Config.fromfile(TEACHER_CFG).model)
    teacher_ckpt = str(tmp / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)
    cfg = Config.fromfile(STAGE1_CFG)
    cfg.model.teacher_ckpt = teacher_ckpt
    distiller = MODELS.build(cfg.model)
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco_wholebody.py'))
    path = str(tmp / 'epoch_1.pth')
    torch.save(
        {
            'state_dict': distiller.state_dict(),
            'meta': dict(dataset_meta=meta)
        }, path)
    return tmp, teacher_ckpt, path


def test_inferencer_draws_an_exported_student(distiller_checkpoint,
                                              tiny_wholebody):
    tmp, _, ckpt = distiller_checkpoint
    exported = str(tmp / 'student.pth')
    _run([
        osp.join(ROOT, 'tools', 'export_student.py'), STAGE1_CFG, ckpt,
        exported
    ],
         cwd=ROOT)

    from mmpose.apis import MMPoseInferencer
    image = sorted(glob.glob(osp.join(str(tiny_wholebody), 'val2017', '*')))[0]
    inferencer = MMPoseInferencer(
        pose2d=STUDENT_CFG,
        pose2d_weights=exported,
        det_model='whole_image',
        device='cpu')
    vis_dir = str(tmp / 'vis')
    # kpt_thr=-1 draws every keypoint of the random-weight student: the
    # code path that numpy 2.4 broke in mmpose 1.3.2 (int() of an array).
    results = list(
        inferencer(image, vis_out_dir=vis_dir, kpt_thr=-1., show=False))
    prediction = results[0]['predictions'][0][0]
    assert np.asarray(prediction['keypoints']).shape == (133, 2)
    drawn = glob.glob(osp.join(vis_dir, '*'))
    assert len(drawn) == 1 and osp.getsize(drawn[0]) > 0
    import cv2
    picture = cv2.imread(drawn[0])
    assert picture is not None and picture.shape[:2] == cv2.imread(
        image).shape[:2]


def test_mmpose_test_tool_runs_our_config(distiller_checkpoint,
                                          tiny_wholebody):
    """mmpose's tools/test.py (not ours) evaluates a distiller checkpoint
    with our stage-1 config: custom_imports brings mmpose_kd in, the
    distiller predicts with its student, the config's metric scores it."""
    tmp, teacher_ckpt, ckpt = distiller_checkpoint
    root = str(tiny_wholebody).rstrip('/') + '/'
    out = _run([
        MMPOSE_TEST_TOOL, STAGE1_CFG, ckpt, '--work-dir',
        str(tmp / 'test'), '--cfg-options',
        f'model.teacher_ckpt={teacher_ckpt}',
        f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.batch_size=2',
        f'test_evaluator.ann_file={root}annotations/'
        'coco_wholebody_val_v1.0.json'
    ],
               cwd=ROOT)
    assert 'coco-wholebody/AP' in out, out[-2000:]
