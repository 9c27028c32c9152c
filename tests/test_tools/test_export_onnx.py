"""tools/export_onnx.py: DWPose (stage 1, stage 2, exported student) and
SSPCM checkpoints to ONNX, checked three ways:

* onnxruntime's outputs equal those of the network *as it sits in the
  training model* (``distiller.student``, ``sspcm.get_network(w)``), built
  independently of the tool: this catches wrong weights, not only a wrong
  graph;
* rtmlib's ``RTMPose`` (the registry package, given the local file) gives the
  keypoints of mmpose's ``MMPoseInferencer`` / ``inference_topdown`` with the
  same weights on the same image and box, within ``KEYPOINT_TOL_PX``;
* the check fails when it should (a tampered model: exit 1, nothing written)
  and bad input fails with a message naming the file/key/value.

Weights are random stand-ins (nothing is downloaded). The comparison is
still meaningful: the random RTMPose-t head gives SimCC logits in the tens
with distinct maxima, so its keypoints spread over the whole padded box and
one arg-max bin off would move a keypoint by ~1-3 image pixels, 100x the
tolerance.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from tool_loading import load_tool

pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SYNTHETIC = osp.join(ROOT, 'configs', 'synthetic')
STUDENT_CFG = osp.join(SYNTHETIC, 'rtmpose-t_synthetic-wholebody-128x96.py')
TEACHER_CFG = osp.join(SYNTHETIC, 'rtmpose-s_synthetic-wholebody-128x96.py')
STAGE1_CFG = osp.join(SYNTHETIC,
                      'dwpose-s1_s-dis-t_synthetic-wholebody-128x96.py')
STAGE2_CFG = osp.join(SYNTHETIC,
                      'dwpose-s2_t-tt_synthetic-wholebody-128x96.py')
SSPCM_CFG = osp.join(ROOT, 'configs', 'sspcm',
                     'sspcm_synthetic_tiny-resnet_joint.py')

#: rtmlib vs mmpose, image pixels. Same arg-max bins give keypoints equal up
#: to float32/float64 rounding of the back-projection (measured <= 2e-5 px);
#: one bin off is 0.5 input px = 1.5-3 image px here.
KEYPOINT_TOL_PX = 0.01
#: This test's own bound for onnxruntime vs the network inside the training
#: model: atol + rtol * max|output|. The tiny student's float32 noise is
#: ~4e-4 on logits of ~40 (measured), the bound ~4e-3; wrong weights are
#: off by the logits' scale.
ONNX_ATOL, ONNX_RTOL = 1e-4, 1e-4

export_onnx_tool = load_tool('export_onnx')
export_student_tool = load_tool('export_student')


def _dataset_meta():
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco_wholebody.py'))


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """Stage-1 and stage-2 distiller checkpoints as the runner writes them,
    the exported stage-1 student, and the models they were taken from."""
    tmp = tmp_path_factory.mktemp('export_onnx')
    torch.manual_seed(0)
    teacher = MODELS.build(Config.fromfile(TEACHER_CFG).model)
    teacher_ckpt = str(tmp / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)

    cfg1 = Config.fromfile(STAGE1_CFG)
    cfg1.model.teacher_ckpt = teacher_ckpt
    stage1 = MODELS.build(cfg1.model)
    _calibrate_batch_norm(stage1.student)
    stage1.eval()
    stage1_ckpt = str(tmp / 'stage1_epoch_1.pth')
    torch.save(
        {
            'state_dict': stage1.state_dict(),
            'meta': dict(dataset_meta=_dataset_meta())
        }, stage1_ckpt)
    student_pth = str(tmp / 'student.pth')
    export_student_tool.export_checkpoint(
        export_student_tool.load_checkpoint_file(stage1_ckpt), student_pth,
        'student.')

    cfg2 = Config.fromfile(STAGE2_CFG)
    cfg2.model.teacher_ckpt = student_pth
    stage2 = MODELS.build(cfg2.model)
    with torch.no_grad():  # a trained head differs from the stage-1 one
        for p in stage2.student.head.parameters():
            p.add_(0.01 * torch.randn_like(p))
    stage2.eval()
    stage2_ckpt = str(tmp / 'stage2_epoch_1.pth')
    torch.save(
        {
            'state_dict': stage2.state_dict(),
            'meta': dict(dataset_meta=_dataset_meta())
        }, stage2_ckpt)
    return dict(
        tmp=tmp,
        stage1=stage1,
        stage1_ckpt=stage1_ckpt,
        stage2=stage2,
        stage2_ckpt=stage2_ckpt,
        student_pth=student_pth,
        teacher_ckpt=teacher_ckpt)


def _calibrate_batch_norm(network):
    """Give a randomly initialised network the BatchNorm statistics of its
    own activations (one train-mode pass, cumulative averages). Fresh BN
    layers (mean 0, variance 1) shrink the random CSPNeXt's features to
    ~1e-4 and the head then predicts ~7 distinct points for 133 keypoints
    whatever the image; calibrated, its predictions depend on the image and
    differ per keypoint, so that the comparison means something."""
    for module in network.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None
    network.train()
    with torch.no_grad():
        network(
            torch.randn(
                8, 3, 128, 96, generator=torch.Generator().manual_seed(0)),
            None,
            mode='tensor')
    network.eval()


def _run_tool(argv, capsys):
    code = export_onnx_tool.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _ort_outputs(onnx_path, inputs):
    import onnxruntime as ort
    session = ort.InferenceSession(
        onnx_path, providers=['CPUExecutionProvider'])
    return session.run(None, {session.get_inputs()[0].name: inputs.numpy()})


def _assert_equals_training_network(onnx_path, network, batch=2):
    """onnxruntime vs the network inside the training model, at the
    config's input size."""
    inputs = torch.randn(
        batch, 3, 128, 96, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = network(inputs, None, mode='tensor')
    expected = expected if isinstance(expected, tuple) else (expected, )
    got = _ort_outputs(onnx_path, inputs)
    assert len(got) == len(expected)
    for out, ref in zip(got, expected):
        ref = ref.numpy()
        assert out.shape == ref.shape
        bound = ONNX_ATOL + ONNX_RTOL * np.abs(ref).max()
        assert np.abs(out - ref).max() <= bound


@pytest.mark.parametrize('which', ['stage1', 'stage2'])
def test_distiller_checkpoint_exports_the_student(checkpoints, which, capsys):
    cfg = STAGE1_CFG if which == 'stage1' else STAGE2_CFG
    onnx_path = str(checkpoints['tmp'] / f'{which}.onnx')
    # No teacher is built: the config's teacher_ckpt (absent here) is not
    # needed to export the student.
    code, out, err = _run_tool([cfg, checkpoints[f'{which}_ckpt'], onnx_path],
                               capsys)
    assert code == 0, err
    # The printed figures: both outputs at batch 1 and 2, within tolerance.
    for batch in (1, 2):
        for name in ('simcc_x', 'simcc_y'):
            assert f'batch {batch} {name} [{batch}, 133, ' in out, out
    assert 'BEYOND' not in out and 'max abs difference' in out
    assert 'model_input_size=(96, 128)' in out  # the rtmlib line
    model = checkpoints[which]
    _assert_equals_training_network(onnx_path, model.student)

    from mmpose_kd.deploy.onnx_export import read_deployment_facts
    facts = read_deployment_facts(onnx_path)
    assert facts['input_size'] == [96, 128]
    assert facts['channel_order'] == 'RGB'
    assert facts['outputs'] == ['simcc_x', 'simcc_y']
    assert len(facts['keypoint_names']) == 133
    assert facts['keypoint_names'][0] == 'nose'


def test_stage2_export_differs_from_stage1(checkpoints):
    """Stage 2 ships its own head: an export that fell back to the stage-1
    weights would pass the check above only by accident."""
    s1 = _ort_outputs(
        str(checkpoints['tmp'] / 'stage1.onnx'), torch.zeros(1, 3, 128, 96))
    s2 = _ort_outputs(
        str(checkpoints['tmp'] / 'stage2.onnx'), torch.zeros(1, 3, 128, 96))
    assert np.abs(s1[0] - s2[0]).max() > 1e-2


def _scene(tmp):
    """A 224x160 synthetic image with two people: not square, so the box
    is padded (x1.25) and widened to the 3:4 input, and pixels outside the
    image enter the crop as zeros, as in real use."""
    import cv2

    from mmpose_kd.datasets.synthetic import render_scene
    image, annotations = render_scene(
        np.random.default_rng(3), 224, 160, num_people=2)
    path = str(tmp / 'scene.png')
    cv2.imwrite(path, image)
    boxes = [[x, y, x + w, y + h]
             for x, y, w, h in (a['bbox'] for a in annotations)]
    return path, image, boxes


def test_rtmlib_runs_the_model_as_mmpose(checkpoints, capsys):
    """The ONNX model of an exported student, unchanged in rtmlib's
    RTMPose, gives MMPoseInferencer's keypoints (whole image: the
    inferencer's box when det_model='whole_image'; mmpose 1.3.2's
    inferencer ignores a `bboxes` argument) and inference_topdown's
    (a person's box), within KEYPOINT_TOL_PX."""
    rtmlib = pytest.importorskip('rtmlib')
    from mmpose.apis import MMPoseInferencer, inference_topdown, init_model
    tmp = checkpoints['tmp']
    onnx_path = str(tmp / 'student.onnx')
    code, out, err = _run_tool(
        [STUDENT_CFG, checkpoints['student_pth'], onnx_path], capsys)
    assert code == 0, err
    _assert_equals_training_network(onnx_path, checkpoints['stage1'].student)

    path, image, boxes = _scene(tmp)
    rgb = np.ascontiguousarray(image[..., ::-1])
    pose = rtmlib.RTMPose(
        onnx_model=onnx_path,
        model_input_size=(96, 128),
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        backend='onnxruntime',
        device='cpu')

    inferencer = MMPoseInferencer(
        pose2d=STUDENT_CFG,
        pose2d_weights=checkpoints['student_pth'],
        det_model='whole_image',
        device='cpu')
    prediction = next(inferencer(path, show=False))['predictions'][0][0]
    h, w = image.shape[:2]
    cases = [('whole image', [0, 0, w, h], np.asarray(prediction['keypoints']),
              np.asarray(prediction['keypoint_scores']))]
    model = init_model(STUDENT_CFG, checkpoints['student_pth'], device='cpu')
    for box in boxes:
        sample = inference_topdown(
            model, path, bboxes=np.array([box]), bbox_format='xyxy')[0]
        cases.append((f'box {box}', box, sample.pred_instances.keypoints[0],
                      sample.pred_instances.keypoint_scores[0]))

    for name, box, keypoints, scores in cases:
        got, got_scores = pose(rgb, bboxes=[box])
        diff = np.abs(got[0] - keypoints).max()
        assert diff <= KEYPOINT_TOL_PX, (name, diff)
        # Not a degenerate comparison: distinct keypoints spread over the
        # box (measured: 90-110 distinct of 133).
        assert np.ptp(keypoints, axis=0).min() > 0.3 * (box[3] - box[1]) \
            * 0.75, (name, np.ptp(keypoints, axis=0))
        assert len(np.unique(keypoints.round(1), axis=0)) >= 60, name
        # Scores differ by construction: rtmlib takes the mean of the x and
        # y maxima, mmpose (SimCCLabel) the smaller one.
        simcc_x, simcc_y = pose.inference(pose.preprocess(rgb, box)[0])
        max_x, max_y = simcc_x[0].max(-1), simcc_y[0].max(-1)
        np.testing.assert_allclose(
            got_scores[0], 0.5 * (max_x + max_y), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(
            scores,
            np.minimum(max_x, max_y),
            atol=ONNX_ATOL + ONNX_RTOL * np.abs(simcc_x).max())
        assert (scores > 0).all()  # no keypoint falls to -1 in either

    # Given cv2's BGR image, rtmlib feeds the RGB-trained network BGR:
    # that is the documented misuse, and it must show.
    bgr, _ = pose(image, bboxes=[[0, 0, w, h]])
    assert np.abs(bgr[0] - cases[0][2]).max() > 1.0


def test_dynamo_exporter(checkpoints, capsys):
    onnx_path = str(checkpoints['tmp'] / 'student_dynamo.onnx')
    code, out, err = _run_tool([
        STUDENT_CFG, checkpoints['student_pth'], onnx_path, '--exporter',
        'dynamo', '--check-batch-sizes', '1', '3'
    ], capsys)
    assert code == 0, err
    assert 'opset 18' in out and 'batch 3 simcc_y [3, 133, 256]' in out
    _assert_equals_training_network(
        onnx_path, checkpoints['stage1'].student, batch=3)


def test_static_batch(checkpoints, capsys):
    import onnx
    onnx_path = str(checkpoints['tmp'] / 'student_static.onnx')
    code, out, err = _run_tool([
        STUDENT_CFG, checkpoints['student_pth'], onnx_path, '--static-batch',
        '--opset', '11'
    ], capsys)
    assert code == 0, err
    model = onnx.load(onnx_path)
    assert model.opset_import[0].version == 11
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [1, 3, 128, 96]
    assert 'batch 2' not in out


def test_sspcm_checkpoint_exports_network(checkpoints, capsys):
    cfg = Config.fromfile(SSPCM_CFG)
    torch.manual_seed(0)
    sspcm = MODELS.build(cfg.model).eval()
    ckpt = str(checkpoints['tmp'] / 'sspcm_epoch_1.pth')
    torch.save({'state_dict': sspcm.state_dict()}, ckpt)
    outputs = {}
    for which in ('A', 'C'):
        onnx_path = str(checkpoints['tmp'] / f'sspcm_{which}.onnx')
        code, out, err = _run_tool(
            [SSPCM_CFG, ckpt, onnx_path, '--which', which], capsys)
        assert code == 0, err
        assert f'network {which}' in out
        assert 'batch 2 heatmaps [2, 17, 32, 24]' in out
        assert 'flip_test=True' in out  # the config's; not in the graph
        _assert_equals_training_network(onnx_path, sspcm.get_network(which))
        outputs[which] = _ort_outputs(onnx_path, torch.zeros(1, 3, 128, 96))[0]
    assert np.abs(outputs['A'] - outputs['C']).max() > 0  # not the same net


def test_failed_check_exits_1_and_writes_nothing(checkpoints, capsys,
                                                 monkeypatch):
    """A model whose onnxruntime outputs drift (one weight of the graph
    changed after export, as a broken exporter or op would) is refused."""
    import onnx
    from onnx import numpy_helper
    onnx_export = export_onnx_tool.onnx_export
    real_export = onnx_export.export_onnx

    def tampered_export(network, path, **kwargs):
        real_export(network, path, **kwargs)
        model = onnx.load(path)
        init = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
        # x1.01 on the head's 7x7 conv (one element alone could sit where
        # the kernel only ever meets padding)
        weights = numpy_helper.to_array(init) * np.float32(1.01)
        init.CopyFrom(numpy_helper.from_array(weights, init.name))
        onnx.save(model, path)

    monkeypatch.setattr(onnx_export, 'export_onnx', tampered_export)
    onnx_path = checkpoints['tmp'] / 'tampered.onnx'
    code, out, err = _run_tool(
        [STUDENT_CFG, checkpoints['student_pth'], onnx_path], capsys)
    assert code == 1
    assert 'BEYOND TOLERANCE' in err and 'was not written' in err
    assert not onnx_path.exists()
    assert not list(checkpoints['tmp'].glob('.tampered.onnx*'))  # no temp


@pytest.mark.parametrize('case', [
    'which_for_distiller', 'training_ckpt_with_student_cfg',
    'other_architecture', 'simcc_input_size', 'missing_checkpoint'
])
def test_bad_input_names_the_problem(checkpoints, case, capsys):
    tmp = checkpoints['tmp']
    out_path = tmp / f'bad_{case}.onnx'
    argv, expected = {
        'which_for_distiller':
        ([STAGE1_CFG, checkpoints['stage1_ckpt'], out_path, '--which',
          'A'], ["--which 'A'", 'DWPoseTwoStageDistiller']),
        'training_ckpt_with_student_cfg':
        ([STUDENT_CFG, checkpoints['stage1_ckpt'], out_path],
         [checkpoints['stage1_ckpt'], "'student.'", 'training config']),
        'other_architecture': (  # the RTMPose-s teacher, RTMPose-t config
            [STUDENT_CFG, checkpoints['teacher_ckpt'], out_path],
            [checkpoints['teacher_ckpt'], 'shape mismatches',
             'backbone.stem']),
        'simcc_input_size': ([
            STUDENT_CFG, checkpoints['student_pth'], out_path, '--input-size',
            '192', '256'
        ], ['192x256', 'input size']),
        'missing_checkpoint': ([STUDENT_CFG,
                                str(tmp / 'nope.pth'), out_path],
                               [str(tmp / 'nope.pth'), 'does not exist']),
    }[case]
    code, out, err = _run_tool(argv, capsys)
    assert code == 2
    for text in expected:
        assert str(text) in err, (text, err)
    assert not out_path.exists()
