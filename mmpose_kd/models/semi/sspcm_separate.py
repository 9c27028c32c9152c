"""The 'separate' update scheme of SSPCM (one optimizer per network, four
updates per iteration) and the split of a semi-supervised batch."""
from collections import OrderedDict
from typing import Tuple

from mmengine.optim import OptimWrapperDict
from torch import Tensor

from .pseudo_labels import describe
from .semi_data_preprocessor import BATCH_PARTS
from .sspcm_config import NETWORK_ATTRS, check_separate_optim_wrapper


def train_step_separate(model, data: dict,
                        optim_wrapper: OptimWrapperDict) -> dict:
    """One iteration of ``update_scheme='separate'``: the four steps of
    :class:`~.sspcm.SSPCMPoseEstimator` as four updates, one optimizer per
    network (keys A, B, C of ``optim_wrapper``), each step using the
    networks as updated by the steps before it."""
    check_separate_optim_wrapper(optim_wrapper)
    data = model.data_preprocessor(data, True)
    labeled_inputs, labeled_samples, easy = split_semi_batch(
        data['inputs'], data['data_samples'])
    logged = OrderedDict()

    # Step 1: each network on the labeled batch, own optimizer.
    for key in NETWORK_ATTRS:
        wrapper = optim_wrapper[key]
        with wrapper.optim_context(model._wrapped_network(key)):
            losses = model._supervised_losses(key, labeled_inputs,
                                              labeled_samples)
        # parse_losses stops on a NaN/Inf before the update
        wrapper.update_params(model.parse_losses(losses)[0])
        logged.update(losses)

    # Step 2: A teaches B. Step 3: the updated B teaches A.
    for student, teacher in (('B', 'A'), ('A', 'B')):
        teacher_outputs = model._teacher_outputs(teacher, easy)
        mean_ab = None
        if model.semi_train_cfg['mutual_conf_source'] == 'mean_ab':
            # Both networks as they are at this step.
            mean_ab = model.pseudo_labels.mean_confidence(
                teacher_outputs, model._teacher_outputs(student, easy))
        wrapper = optim_wrapper[student]
        with wrapper.optim_context(model._wrapped_network(student)):
            loss = model._mutual_loss(student, easy, teacher_outputs, mean_ab)
        name = f'loss_mutual_{student.lower()}'
        model.check_finite_losses({name: loss})
        wrapper.update_params(loss)
        logged[name] = loss

    # Step 4: the updated A and B (and A', B') teach C through the PCM.
    outputs_a = model._teacher_outputs('A', easy)
    outputs_b = model._teacher_outputs('B', easy)
    wrapper = optim_wrapper['C']
    with wrapper.optim_context(model._wrapped_network('C')):
        loss_c, stats = model._pcm_loss(easy, outputs_a, outputs_b)
    model.check_finite_losses({'loss_pcm_c': loss_c})
    wrapper.update_params(loss_c)
    logged['loss_pcm_c'] = loss_c
    logged.update(stats)

    _, log_vars = model.parse_losses(
        OrderedDict((k, v.detach()) for k, v in logged.items()))
    return log_vars


def split_semi_batch(inputs, data_samples) -> Tuple[Tensor, list, Tensor]:
    """(labeled images, labeled samples, unlabeled images) of a batch from
    ``SemiPoseDataPreprocessor``."""
    if not (isinstance(inputs, dict) and set(inputs) == set(BATCH_PARTS)):
        raise TypeError(
            'SSPCMPoseEstimator trains on dict(labeled=..., unlabeled=...) '
            'batches from SemiSupervisedEpochBasedTrainLoop through '
            'SemiPoseDataPreprocessor; got inputs of type '
            f'{describe(inputs)}')
    return inputs['labeled'], data_samples['labeled'], inputs['unlabeled']


__all__ = ['train_step_separate', 'split_semi_batch']
