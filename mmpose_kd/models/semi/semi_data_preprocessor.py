"""Normalise a batch that holds a labeled and an unlabeled part."""
import numpy as np
import torch
from mmengine.model import BaseDataPreprocessor
from mmpose.registry import MODELS

#: The two parts of a semi-supervised batch, in the order the loop fills them;
#: also the keys of that loop's ``train_dataloader`` (one tuple for both).
BATCH_PARTS = ('labeled', 'unlabeled')


def is_semi_batch(data) -> bool:
    """True for ``dict(labeled=batch, unlabeled=batch)`` (what
    :class:`SemiSupervisedEpochBasedTrainLoop` yields)."""
    return isinstance(data, dict) and set(data) == set(BATCH_PARTS)


@MODELS.register_module()
class SemiPoseDataPreprocessor(BaseDataPreprocessor):
    """Run one pose data preprocessor over both parts of a semi-supervised
    batch (SSPCM, Huang et al., CVPR 2023, Sec. 3: every iteration sees a
    labeled and an unlabeled batch).

    Shaped like mmdet's ``MultiBranchDataPreprocessor``: a training batch
    ``dict(labeled=dict(inputs=..., data_samples=...), unlabeled=dict(...))``
    becomes ``dict(inputs=dict(labeled=Tensor, unlabeled=Tensor),
    data_samples=dict(labeled=list, unlabeled=list))``, each part normalised
    by the same wrapped preprocessor (so both parts share mean/std and
    channel order). A plain batch (validation, test) passes straight
    through the wrapped preprocessor, so the evaluation path is stock mmpose.

    Args:
        data_preprocessor: config of the wrapped preprocessor, e.g.
            ``dict(type='PoseDataPreprocessor', mean=..., std=...,
            bgr_to_rgb=True)``.
    """

    def __init__(self, data_preprocessor: dict):
        super().__init__()
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        self.data_preprocessor = data_preprocessor

    def forward(self, data: dict, training: bool = False) -> dict:
        if not is_semi_batch(data):
            return self.data_preprocessor(data, training)
        parts = {
            part: self.data_preprocessor(data[part], training)
            for part in BATCH_PARTS
        }
        return dict(
            inputs={part: out['inputs']
                    for part, out in parts.items()},
            data_samples={
                part: out['data_samples']
                for part, out in parts.items()
            })

    def denormalize(self, images: torch.Tensor) -> np.ndarray:
        """Undo the normalisation for display: [N, C, H, W] float ->
        [N, H, W, 3] uint8 RGB."""
        inner = self.data_preprocessor
        images = images.detach().float().cpu()
        if getattr(inner, '_enable_normalize', False):
            images = images * inner.std.cpu() + inner.mean.cpu()
        images = images.clamp(0, 255).round().to(torch.uint8)
        array = images.permute(0, 2, 3, 1).numpy()
        if array.shape[-1] == 1:
            array = np.repeat(array, 3, axis=-1)
        # Images are loaded as BGR; the preprocessor converted them to RGB
        # only when channel conversion is on.
        if not getattr(inner, '_channel_conversion', False):
            array = array[..., ::-1]
        return np.ascontiguousarray(array)

    @property
    def device(self):
        return self.data_preprocessor.device


def _moving_the_wrapped_too(name: str):
    """``SemiPoseDataPreprocessor.<name>`` (``to``, ``cuda``...) that also
    moves the wrapped preprocessor: it casts data to its own ``_device``,
    which mmengine's ``BaseDataPreprocessor`` only updates for itself."""

    def method(self, *args, **kwargs) -> SemiPoseDataPreprocessor:
        getattr(self.data_preprocessor, name)(*args, **kwargs)
        return getattr(super(SemiPoseDataPreprocessor, self), name)(*args,
                                                                    **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


for _name in ('to', 'cuda', 'musa', 'npu', 'mlu', 'cpu'):
    setattr(SemiPoseDataPreprocessor, _name, _moving_the_wrapped_too(_name))
