"""DWPose two-stage distillation as one model (stage is a config switch)."""
import copy
from contextlib import nullcontext
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.logging import print_log
from mmpose.registry import MODELS
from mmpose.utils.typing import SampleList
from torch import Tensor

from mmpose_kd.utils.checkpoint import load_into, strip_prefix
from mmpose_kd.utils.recorder import record_method_output
from ..base import (ModelSpec, TrainableWrapper, drop_pretrained_init,
                    resolve_model_spec)
from .keypoint_map import build_keypoint_map, check_keypoint_map
from .keypoint_selection import (keypoint_index_and_weight,
                                 select_teacher_keypoints)
from .teacher_checkpoint import TEACHER_CKPT_KEY, read_teacher_state_dict
from .teacher_precision import check_autocast_setting, resolve_autocast_dtype


@MODELS.register_module()
class DWPoseTwoStageDistiller(TrainableWrapper):
    """DWPose: Effective Whole-body Pose Estimation with Two-stages
    Distillation (Yang et al., ICCV-W 2023).

    ``stage=1`` (Sec. 3.1, first-stage distillation): a frozen pre-trained
    ``teacher`` teaches the ``student`` "from scratch" (the paper's words:
    not from a trained RTMPose; the student's backbone starts from whatever
    its ``init_cfg`` names, in the stock RTMPose configs the CSPNeXt
    pre-trained on AI Challenger + COCO, as in the released code) with
    ``L = L_gt + r(t) * (alpha * L_fea + beta * L_logit)``, where ``L_fea``
    matches the last level of ``extract_feat`` (:class:`FeatureDistillLoss`):
    the last backbone stage (RTMPose), or with a neck its last level (RTMW:
    the CSPNeXtPAFPN stride-32 output, the RTMWHead's main input), ``L_logit``
    matches the head outputs over all keypoints (SimCC or heatmaps), and
    ``r(t) = 1 - (t-1)/t_max``, called ``distill_scale`` throughout
    (:meth:`distill_scale`, the losses' argument, the logged value), decays
    with the training progress ``t`` (epochs in epoch-based loops,
    iterations in iteration-based loops), set each iteration by
    ``TrainingProgressHook`` (also registered as ``DistillScheduleHook``)
    through :meth:`set_training_progress`.

    ``stage=2`` (Sec. 3.2, head-aware self-KD): ``teacher_ckpt`` is the
    stage-1 student. Its backbone and neck are loaded into the student and
    frozen; its head becomes the frozen teacher head; a fresh student head
    trains on ``gamma * L_logit`` only. Exactly one backbone is built, and no
    parameter is unused (no ``find_unused_parameters``).

    Every frozen network is held by :class:`FrozenModule` through
    :meth:`TrainableWrapper.hold_frozen`: the teacher (stage 1) and the
    teacher head (stage 2) outside the module tree (out of the optimizer,
    EMA, DDP and checkpoints; reloaded from ``teacher_ckpt``); the stage-2
    trunk (``student.backbone``/``student.neck``) inside it, so it keeps its
    checkpoint keys and ships with the student. All are in eval mode
    (unless ``teacher_train_mode``) without gradients.

    The deploy network is the student (``deploy_prefix = 'student.'``).

    Args:
        student (dict | str): student model config (e.g. a stock RTMPose
            ``TopdownPoseEstimator``), a config file whose ``model`` is used,
            or ``dict(config=<file>, overrides=<dict>)``.
        teacher (dict | str, optional): teacher model, same forms (stage 1
            only). Its ``Pretrained`` init is dropped: ``teacher_ckpt`` loads.
        teacher_ckpt (str): stage 1: teacher checkpoint; stage 2: stage-1
            checkpoint (a distiller checkpoint or an exported student). A
            local file or an ``http(s)://`` URL (downloaded once into torch
            hub's cache, see :func:`.teacher_checkpoint.fetch_checkpoint`).
        stage (int): 1 or 2.
        feature_distill (dict, optional): stage-1 feature loss config,
            e.g. ``dict(type='FeatureDistillLoss', student_channels=768,
            teacher_channels=1024, alpha=7e-5)`` (the released value); the
            channels are those of the last ``extract_feat`` level (the
            head's ``in_channels`` for RTMPose and RTMW).
        logit_distill (dict): logit loss config (``SimCCLogitDistillLoss`` or
            ``HeatmapLogitDistillLoss``); weight beta=0.1 in stage 1,
            gamma=1 in stage 2.
        use_gt_loss (bool, optional): add the student's ground-truth loss.
            Default: True in stage 1, False in stage 2 (the paper's stage 2
            trains with logit distillation only).
        decay (bool, optional): whether ``distill_scale`` decays as
            ``r(t)``; otherwise it is 1. Default: True in stage 1, False in
            stage 2.
        teacher_autocast (str, optional): run the frozen teacher's backbone
            (and neck) under autocast: ``None`` (fp32, as the released code),
            a dtype name such as ``'bfloat16'``, or ``'auto'``: bfloat16
            where the device computes it natively (CUDA Ampere or newer;
            CPUs with AVX512-BF16 or AMX), fp32 elsewhere. The teacher's
            head always runs in fp32 on fp32 features. The real-scale
            stage-1 configs use ``'auto'``; docs/benchmarks.md has the
            speed and the README the
            measured effect on accuracy.
        teacher_train_mode (bool): ``False`` (default): the frozen networks
            (stage 1: the teacher; stage 2: the stage-1 backbone/neck and
            head) stay in eval mode, so their BN layers use and keep their
            running statistics. ``True``: they follow ``model.train()`` /
            ``model.eval()`` as in the released code (IDEA-Research/DWPose
            ``PoseEstimatorDistiller``, whose teacher is an ordinary child
            module): during training their BN layers normalise with batch
            statistics and update their running statistics (stage 2:
            the ones validation then uses). Gradients stay off either way.
        keypoint_map (str | dict, optional): stage 1 only: distil a
            teacher of another keypoint layout (e.g. COCO-WholeBody-133 into
            a COCO body-17 or hand-21 student). A preset name such as
            ``'coco_wholebody_to_coco'`` or ``dict(teacher=, student=,
            rename=, unmapped=)`` built from dataset metainfo keypoint
            names (:mod:`.keypoint_map`, docs/keypoint_maps.md). Student
            keypoint ``i`` is taught by teacher keypoint ``map[i]`` in the
            logit loss (the teacher's logits/heatmaps are selected and
            reordered); an unmapped one only by the ground truth, and the
            logit loss averages over the taught keypoints. Feature
            distillation is unchanged. ``None``: same layout (checked).
        data_preprocessor (dict, optional): defaults to the student's.
    """

    deploy_prefix = 'student.'

    def __init__(self,
                 student: ModelSpec,
                 teacher: Optional[ModelSpec] = None,
                 teacher_ckpt: Optional[str] = None,
                 stage: int = 1,
                 feature_distill: Optional[dict] = None,
                 logit_distill: Optional[dict] = dict(
                     type='SimCCLogitDistillLoss', loss_weight=0.1),
                 use_gt_loss: Optional[bool] = None,
                 decay: Optional[bool] = None,
                 teacher_autocast: Optional[str] = None,
                 teacher_train_mode: bool = False,
                 keypoint_map: Optional[Union[str, dict]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if stage not in (1, 2):
            raise ValueError(f'DWPoseTwoStageDistiller: stage must be 1 or 2, '
                             f'got {stage!r}')
        student_cfg = resolve_model_spec(student, 'student')
        if data_preprocessor is None:
            data_preprocessor = student_cfg.get('data_preprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.stage = stage
        self.teacher_ckpt = teacher_ckpt
        self.use_gt_loss = (stage == 1) if use_gt_loss is None else use_gt_loss
        self.decay = (stage == 1) if decay is None else decay
        check_autocast_setting(teacher_autocast)  # a clear error at build
        self.teacher_autocast = teacher_autocast
        if not isinstance(teacher_train_mode, bool):
            raise TypeError('DWPoseTwoStageDistiller: teacher_train_mode must '
                            f'be True or False, got {teacher_train_mode!r}')
        self.teacher_train_mode = teacher_train_mode
        self._autocast_logged = False
        if keypoint_map is not None and stage != 1:
            raise ValueError(
                f'DWPoseTwoStageDistiller: model.keypoint_map={keypoint_map!r}'
                ' is for stage 1; stage 2 (self-KD into the stage-1 '
                "student's own head) is always the same layout: unset it.")
        self.keypoint_map_cfg = keypoint_map
        kmap = build_keypoint_map(keypoint_map)

        if stage == 2:
            # The backbone/neck come from the stage-1 checkpoint: no download.
            student_cfg = drop_pretrained_init(student_cfg)
        student_cfg.pop('data_preprocessor', None)
        self.student = MODELS.build(student_cfg)

        if stage == 1:
            if teacher is None:
                raise ValueError('DWPoseTwoStageDistiller stage 1 needs a '
                                 '`teacher` model config.')
            teacher_cfg = drop_pretrained_init(
                resolve_model_spec(teacher, 'teacher'))
            teacher_cfg.pop('data_preprocessor', None)
            teacher_net = MODELS.build(teacher_cfg)
            load_into(
                teacher_net,
                read_teacher_state_dict(teacher_ckpt),
                teacher_ckpt,
                TEACHER_CKPT_KEY,
                ignore_prefixes=('data_preprocessor.', ))
            self._check_compatible(teacher_net, self.student, kmap,
                                   keypoint_map)
            self.hold_frozen(
                'teacher', teacher_net, follow_train=teacher_train_mode)
            self.feature_distill = (
                MODELS.build(feature_distill) if feature_distill else None)
        else:
            if teacher is not None or feature_distill is not None:
                raise ValueError(
                    'DWPoseTwoStageDistiller stage 2 distils the stage-1 '
                    'student into its own head: set neither `teacher` nor '
                    '`feature_distill` (the teacher is `teacher_ckpt`).')
            stage1_state = read_teacher_state_dict(teacher_ckpt)
            teacher_head = MODELS.build(copy.deepcopy(student_cfg.head))
            load_into(teacher_head, strip_prefix(stage1_state, 'head.'),
                      teacher_ckpt, TEACHER_CKPT_KEY)
            self.hold_frozen(
                'teacher', teacher_head, follow_train=teacher_train_mode)
            self.feature_distill = None
            self._freeze_stage1_trunk(stage1_state)
        self.logit_distill = MODELS.build(logit_distill)
        # [A, K]: A alternatives (``either``), chosen per sample; not in
        # checkpoints: rebuilt from the config
        index, weight = ((None, None)
                         if kmap is None else keypoint_index_and_weight(kmap))
        self.register_buffer('_kpt_index', index, persistent=False)
        self.register_buffer('_kpt_weight', weight, persistent=False)

    # ------------------------------------------------------------------ set-up
    def _freeze_stage1_trunk(self, stage1_state: Dict[str, Tensor]):
        """Stage 2: load the stage-1 backbone/neck into the student and
        freeze them in place (in the module tree: same checkpoint keys,
        shipped with the student, restored after ``init_weights``)."""
        parts = ['backbone']
        if getattr(self.student, 'with_neck', False):
            parts.append('neck')
        for part in parts:
            module = getattr(self.student, part)
            load_into(module, strip_prefix(stage1_state, f'{part}.'),
                      self.teacher_ckpt, TEACHER_CKPT_KEY)
            self.hold_frozen(
                f'trunk.{part}',
                module,
                in_tree=True,
                follow_train=self.teacher_train_mode)

    @staticmethod
    def _check_compatible(teacher: nn.Module,
                          student: nn.Module,
                          kmap=None,
                          kmap_cfg=None):
        """Teacher and student must predict the same keypoints (or the
        ``keypoint_map`` must fit both) on the same input size, or
        distillation silently compares different things."""
        t_head, s_head = teacher.head, student.head
        t_k = getattr(t_head, 'out_channels', None)
        s_k = getattr(s_head, 'out_channels', None)
        if kmap is not None:
            check_keypoint_map(kmap, t_k, s_k, kmap_cfg)
        elif t_k is not None and s_k is not None and t_k != s_k:
            raise ValueError(f'Teacher predicts {t_k} keypoints but the '
                             f'student predicts {s_k}; they must match, or '
                             'set model.keypoint_map (docs/keypoint_maps.md)'
                             '.')
        t_size = getattr(getattr(t_head, 'decoder', None), 'input_size', None)
        s_size = getattr(getattr(s_head, 'decoder', None), 'input_size', None)
        if t_size is not None and s_size is not None and \
                tuple(t_size) != tuple(s_size):
            raise ValueError(
                f'Teacher input size {tuple(t_size)} differs from '
                f'the student input size {tuple(s_size)}; they '
                'must match (docs/keypoint_maps.md says why).')
        if type(t_head).__name__ != type(s_head).__name__:
            raise ValueError(
                f'Teacher head {type(t_head).__name__} and student '
                f'head {type(s_head).__name__} differ; logit '
                'distillation needs the same head type.')

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher (stage 1) or frozen teacher head (stage 2)."""
        return self.frozen_network('teacher')

    @property
    def deploy_network(self) -> nn.Module:
        """The student (stage 2: the frozen stage-1 trunk and the new
        head)."""
        return self.student

    @classmethod
    def deploy_network_cfg(cls, model_cfg: ConfigDict) -> ConfigDict:
        """The student's model config from a distiller ``model`` config
        (one resolution of student specs for training, tests and export)."""
        if 'student' not in model_cfg:
            raise KeyError(f'{cls.__name__} config has no `model.student`.')
        return drop_pretrained_init(
            resolve_model_spec(model_cfg.student, 'model.student'))

    @classmethod
    def describe_deploy_network(cls, model_cfg: ConfigDict) -> str:
        return f'{cls.__name__} stage {model_cfg.get("stage", 1)}: the student'

    # ---------------------------------------------------------------- schedule
    def distill_scale(self) -> float:
        """The distillation weight r(t) = 1 - (t-1)/t_max (Sec. 3.1,
        weight-decay strategy); 1 with ``decay=False``."""
        if not self.decay:
            return 1.0
        progress = self.require_training_progress(
            'the distillation weight r(t) (distill_scale)',
            'or set decay=False')
        return 1.0 - (progress.step - 1) / progress.max_steps

    # ----------------------------------------------------------------- forward
    def _teacher_outputs(self, inputs: Tensor):
        """Stage 1: teacher (features, head output), no grad, eval mode."""
        dtype = resolve_autocast_dtype(self.teacher_autocast,
                                       inputs.device.type)
        if not self._autocast_logged:
            print_log(
                f'DWPoseTwoStageDistiller: the teacher runs in '
                f'{dtype or torch.float32} on {inputs.device.type} '
                f'(teacher_autocast={self.teacher_autocast!r})',
                logger='current')
            self._autocast_logged = True
        ctx = (
            nullcontext() if dtype is None else torch.autocast(
                device_type=inputs.device.type, dtype=dtype))
        with torch.no_grad():
            with ctx:
                feats = self.teacher.extract_feat(inputs)
            # The head runs in fp32 on fp32 features, so the logits that the
            # student matches keep full precision (the backbone is the cost).
            feats = tuple(f.float() for f in feats)
            preds = self.teacher.head.forward(feats)
        return feats, preds

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        distill_scale = self.distill_scale()
        losses = dict()
        if self.stage == 1:
            t_feats, t_preds = self._teacher_outputs(inputs)
            s_feats = self.student.extract_feat(inputs)
        else:
            with torch.no_grad():  # frozen trunk: no activations kept
                s_feats = self.student.extract_feat(inputs)
                t_preds = self.teacher.forward(s_feats)

        head = self.student.head
        if self.use_gt_loss:
            with record_method_output(head, 'forward') as rec:
                losses.update(
                    head.loss(
                        s_feats,
                        data_samples,
                        train_cfg=self.student.train_cfg))
            s_preds = rec.output
        else:
            s_preds = head.forward(s_feats)

        if self.feature_distill is not None:
            losses['loss_feat_distill'] = self.feature_distill(
                s_feats[-1], t_feats[-1], distill_scale=distill_scale)
        loss_module = getattr(head, 'loss_module', None)
        kwargs = {}
        if self._kpt_index is not None:
            t_preds = self.select_teacher_keypoints(t_preds)
            # alternatives map the same student keypoints (or -1) alike
            kwargs['keypoint_weight'] = self._kpt_weight.amin(0)
        losses['loss_logit_distill'] = self.logit_distill(
            s_preds,
            t_preds,
            distill_scale=distill_scale,
            temperature=getattr(loss_module, 'beta', None),
            **kwargs)
        losses['distill_scale'] = torch.tensor(
            distill_scale, device=inputs.device)
        return losses

    def select_teacher_keypoints(self, t_preds):
        """The teacher's predictions in the student's keypoint order
        (:func:`.keypoint_selection.select_teacher_keypoints`)."""
        return select_teacher_keypoints(t_preds, self._kpt_index,
                                        self._kpt_weight)
