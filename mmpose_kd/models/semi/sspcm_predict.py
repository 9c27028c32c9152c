"""Predictions of several SSPCM networks on one batch: A, B, C and the A+B
ensemble (mean heatmap), for :class:`SSPCMValLoop` and
:meth:`.SSPCMPoseEstimator.deploy_forward`."""
from typing import Dict, Sequence, Tuple

import torch
from mmengine.structures import PixelData
from torch import Tensor

from .sspcm_config import PREDICTABLE


def predict_networks(model, inputs: Tensor, data_samples: list,
                     networks: Sequence[str]) -> Dict[str, list]:
    """Predictions of several networks of ``model`` (an
    :class:`~.sspcm.SSPCMPoseEstimator`) on one batch, for
    :class:`SSPCMValLoop` (the paper's code scores A, B, their ensemble
    and C in one validation pass: ``validate`` in ``lib/core/function.py``).

    Args:
        inputs: the preprocessed images [N, C, H, W].
        data_samples: their ``PoseDataSample``s.
        networks: names among 'A', 'B', 'C' and 'AB'. 'AB' is the
            ensemble of A and B as in the paper's code: the mean of A's
            and B's heatmaps (each flip-averaged when the network's
            ``test_cfg.flip_test`` is on), decoded by A's codec.

    Returns:
        ``{name: data samples with pred_instances}``; each name gets its
        own copy of ``data_samples``.
    """
    unknown = [key for key in networks if key not in PREDICTABLE]
    if unknown or not networks:
        raise ValueError(
            f'SSPCMPoseEstimator.predict_networks: networks must be a '
            f'non-empty sequence of {list(PREDICTABLE)}, got '
            f'{list(networks)}')
    results = {}
    heatmaps = {}
    for key in ('A', 'B'):
        if key in networks or 'AB' in networks:
            results[key], heatmaps[key] = _predict_with_heatmaps(
                model, key, inputs, _copy_samples(data_samples))
    if 'AB' in networks:
        if heatmaps['A'].shape != heatmaps['B'].shape:
            raise ValueError(
                'SSPCMPoseEstimator: the A+B ensemble needs heatmaps of '
                f"one shape; A gives {tuple(heatmaps['A'].shape)}, B "
                f"gives {tuple(heatmaps['B'].shape)}")
        network_a = model.get_network('A')
        ensemble = 0.5 * heatmaps['A'] + 0.5 * heatmaps['B']
        fields = ([PixelData(heatmaps=hm) for hm in ensemble]
                  if network_a.test_cfg.get('output_heatmaps') else None)
        results['AB'] = network_a.add_pred_to_datasample(
            network_a.head.decode(ensemble), fields,
            _copy_samples(data_samples))
    if 'C' in networks:
        results['C'] = model._wrapped_network('C')(
            inputs, _copy_samples(data_samples), mode='predict')
    return {key: results[key] for key in networks}


def _predict_with_heatmaps(model, key: str, inputs: Tensor,
                           data_samples: list) -> Tuple[list, Tensor]:
    """What ``TopdownPoseEstimator.predict`` does, also returning the
    (flip-averaged) heatmaps [N, K, h, w] that it decodes."""
    network = model.get_network(key)
    test_cfg = network.test_cfg
    if test_cfg.get('flip_test', False):
        feats = [
            network.extract_feat(inputs),
            network.extract_feat(inputs.flip(-1))
        ]
    else:
        feats = network.extract_feat(inputs)
    preds = network.head.predict(
        feats, data_samples, test_cfg=dict(test_cfg, output_heatmaps=True))
    if not (isinstance(preds, tuple) and len(preds) == 2):
        raise TypeError(
            f'SSPCMPoseEstimator: network {key} has a head that returns '
            'no heatmaps with test_cfg.output_heatmaps=True; the A+B '
            'ensemble needs heatmap heads')
    instances, fields = preds
    heatmaps = torch.stack([field.heatmaps for field in fields])
    samples = network.add_pred_to_datasample(
        instances, fields if test_cfg.get('output_heatmaps') else None,
        data_samples)
    return samples, heatmaps


def _copy_samples(data_samples: list) -> list:
    """Own copies of the data samples: ``add_pred_to_datasample`` writes
    into them, and each network's predictions go to its own evaluator."""
    return [sample.clone() for sample in data_samples]


__all__ = ['predict_networks']
