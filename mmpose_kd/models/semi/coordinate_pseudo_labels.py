"""SSPCM's pseudo labels in coordinate space, for any head (e.g. RTMPose's
SimCC; SSPCM itself, Huang et al., CVPR 2023, is heatmap-only).

The steps of :class:`CoordinatePseudoLabels`:

1. each teacher's outputs on the easy view are decoded by the teacher's own
   codec (``head.decode``): keypoints [N, K, 2] in input-image pixels and
   their scores [N, K] (:class:`DecodedKeypoints`);
2. the PCM chooses among (A, B), (A', B), (A, B'), (A', B') by the
   distance of the decoded keypoints and fuses the chosen pair by the mean
   of its keypoints (:func:`.pcm.correct_keypoints`);
3. SSCO pastes around the confident keypoints, and the hard view's affine
   moves the keypoints as it moves the images
   (:func:`.hard_view.build_keypoint_hard_view`);
4. the student's own codec encodes the moved keypoints into its targets
   (``codec.encode``, as mmpose's ``GenerateTarget`` does for labeled
   images), the loss mask becoming the keypoint weights, and the student
   head's own loss module scores its prediction (KL for SimCC, MSE for
   heatmaps).

So A, B and C may be of different families (a heatmap teacher, a SimCC
student) as long as their keypoints and input sizes match.
"""
from typing import NamedTuple, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from .hard_view import build_keypoint_hard_view
from .pcm import correct_keypoints
from .pseudo_labels import PseudoLabelPath, PseudoLabels, describe


class DecodedKeypoints(NamedTuple):
    """A teacher's decoded outputs on the easy view."""
    keypoints: Tensor  # [N, K, 2] input-image pixels
    scores: Tensor  # [N, K] the codec's confidences


class CoordinatePseudoLabels(PseudoLabelPath):
    """Pseudo labels as decoded keypoints, encoded by each student's codec
    and scored by its head's loss (see the module docstring).

    ``conf_thr``, ``mutual_conf_thr`` and ``inconsistency_thr`` of
    ``semi_train_cfg`` apply to the codecs' scores and to the distance over
    the input image's diagonal. ``unsup_loss_reduction`` does not apply: the
    head's loss module reduces as it does for labeled images.

    Args: as :class:`.pseudo_labels.PseudoLabelPath`.
    """

    @staticmethod
    def student_outputs(network: nn.Module, images: Tensor,
                        name: str) -> Union[Tensor, Tuple[Tensor, ...]]:
        """``network``'s raw head outputs on ``images`` (what its head's
        loss module takes)."""
        return network(images, None, mode='tensor')

    @staticmethod
    def teacher_outputs(network: nn.Module, images: Tensor,
                        name: str) -> DecodedKeypoints:
        """``network``'s outputs on ``images`` decoded by its own codec."""
        head = _head(network, name)
        outputs = network(images, None, mode='tensor')
        instances = head.decode(outputs)
        keypoints = np.concatenate([
            np.asarray(item.keypoints, dtype=np.float32) for item in instances
        ])
        scores = np.concatenate([
            np.asarray(item.keypoint_scores, dtype=np.float32)
            for item in instances
        ])
        if keypoints.shape[0] != images.shape[0]:
            raise ValueError(
                f'SSPCMPoseEstimator: network {name} decoded '
                f'{keypoints.shape[0]} instances from {images.shape[0]} '
                'images; the coordinate pseudo labels need one per image')
        return DecodedKeypoints(
            torch.from_numpy(keypoints).to(images.device),
            torch.from_numpy(scores).to(images.device))

    @staticmethod
    def mean_confidence(outputs_a: DecodedKeypoints,
                        outputs_b: DecodedKeypoints) -> Tensor:
        """[N, K] mean of A's and B's scores."""
        return (outputs_a.scores + outputs_b.scores) / 2.0

    def mutual(self,
               easy: Tensor,
               teacher_outputs: DecodedKeypoints,
               mean_ab_confidence: Optional[Tensor] = None) -> PseudoLabels:
        """Dual-network pseudo labels: the teacher's decoded keypoints on
        the student's hard view (masked as the heatmap path)."""
        confident = teacher_outputs.scores > self.cfg['conf_thr']
        supervised = self._supervised(teacher_outputs.scores,
                                      mean_ab_confidence)
        weights = self._weights(
            self._mutual_confidence(teacher_outputs.scores,
                                    mean_ab_confidence))
        return PseudoLabels(
            easy,
            self._hard_view(easy, teacher_outputs.keypoints, confident,
                            supervised),
            weights=weights)

    def corrected(self, easy: Tensor, outputs_a: DecodedKeypoints,
                  outputs_b: DecodedKeypoints,
                  outputs_a_prev: Optional[DecodedKeypoints],
                  outputs_b_prev: Optional[DecodedKeypoints]) -> PseudoLabels:
        """C's pseudo labels: the PCM in coordinate space over A, B and the
        snapshots A', B' (None: A' = A, B' = B), on C's hard view."""
        outputs = (outputs_a, outputs_b, outputs_a_prev, outputs_b_prev)
        pcm = correct_keypoints(
            [o.keypoints if o is not None else None for o in outputs],
            [o.scores if o is not None else None for o in outputs],
            image_size=easy.shape[-2:],
            conf_thr=self.cfg['conf_thr'],
            inconsistency_thr=self.cfg['inconsistency_thr'])
        confidence = pcm.confidence
        if self.cfg['pcm_conf_source'] == 'mean_ab':
            confidence = self.mean_confidence(outputs_a, outputs_b)
            pcm = self._keep_mean_ab(pcm, confidence)
        view = self._hard_view(easy, pcm.keypoints, pcm.mask, pcm.mask)
        return PseudoLabels(easy, view, pcm, self._weights(confidence))

    def loss(self, predicted, labels: PseudoLabels, name: str,
             network: nn.Module) -> Tensor:
        """Student ``name``'s head loss on its hard view against ``labels``
        encoded by its own codec, the loss mask (times ``labels.weights``
        when given) as keypoint weights."""
        head = _head(network, name)
        targets, weights = encode_keypoints(head.decoder, labels.view.targets,
                                            labels.view.loss_mask, name)
        if labels.weights is not None:
            weights = weights * labels.weights.to(weights)
        if isinstance(predicted, (tuple, list)):
            predicted = tuple(predicted)
            if len(targets) != len(predicted) or any(
                    p.shape != t.shape for p, t in zip(predicted, targets)):
                raise ValueError(
                    f'SSPCMPoseEstimator: network {name} predicts '
                    f'{describe(predicted)} of shapes '
                    f'{[tuple(p.shape) for p in predicted]} but its codec '
                    f'encodes {[tuple(t.shape) for t in targets]}')
        else:
            targets = targets[0]
            if predicted.shape != targets.shape:
                raise ValueError(
                    f'SSPCMPoseEstimator: network {name} predicts '
                    f'{describe(predicted)} but its codec encodes targets '
                    f'of shape {tuple(targets.shape)}')
        return head.loss_module(predicted, targets, weights)

    def _hard_view(self, easy: Tensor, keypoints: Tensor, ssco_valid: Tensor,
                   supervised: Tensor):
        return build_keypoint_hard_view(easy, keypoints, ssco_valid,
                                        supervised, **self._view_options)


#: The label fields of mmpose's codecs that a head's loss takes, in the
#: order its loss module takes them (SimCC: x then y; heatmap codecs).
TARGET_FIELDS = (('keypoint_x_labels', 'keypoint_y_labels'), ('heatmaps', ))


def encode_keypoints(codec,
                     keypoints: Tensor,
                     mask: Tensor,
                     name: str = 'C') -> Tuple[Tuple[Tensor, ...], Tensor]:
    """Targets of ``keypoints`` [N, K, 2] (input-image pixels) by ``codec``
    (mmpose's ``KeypointCodec.encode``, one image at a time, as
    ``GenerateTarget``) and the keypoint weights [N, K]: the codec's weights
    times ``mask`` [N, K]. The targets are on ``keypoints``' device.
    """
    points = keypoints.detach().float().cpu().numpy()
    visible = mask.detach().cpu().numpy().astype(np.float32)
    encoded = [
        codec.encode(points[i:i + 1], visible[i:i + 1])
        for i in range(points.shape[0])
    ]
    fields = next(
        (group for group in TARGET_FIELDS if encoded and all(f in encoded[0]
                                                             for f in group)),
        None)
    if encoded and fields is None:
        raise TypeError(
            f'SSPCMPoseEstimator: network {name} has the codec '
            f'{type(codec).__name__}, which encodes {sorted(encoded[0])}; '
            'the coordinate pseudo labels know the targets '
            f'{[list(group) for group in TARGET_FIELDS]}')
    fields = fields or TARGET_FIELDS[0]

    def batch(field: str) -> Tensor:
        arrays = [np.asarray(item[field]) for item in encoded]
        # per-instance labels are [1, K, ...]; image fields (heatmaps)
        # [K, H, W]
        stacked = np.concatenate(arrays) if field.startswith('keypoint') \
            else np.stack(arrays)
        return torch.from_numpy(stacked).to(keypoints.device)

    weights = batch('keypoint_weights').float() * mask.float()
    return tuple(batch(field).float() for field in fields), weights


def _head(network: nn.Module, name: str):
    """``network``'s head (through a DDP wrapper), which must have a codec.
    """
    if is_model_wrapper(network):
        network = network.module
    head = getattr(network, 'head', None)
    if head is None or getattr(head, 'decoder', None) is None:
        raise TypeError(
            f'SSPCMPoseEstimator: network {name} needs a head with a codec '
            "('decoder' in its config) for the coordinate pseudo labels; "
            f'got head {type(head).__name__}')
    return head


__all__ = [
    'DecodedKeypoints', 'CoordinatePseudoLabels', 'encode_keypoints',
    'TARGET_FIELDS'
]
