"""Export a :class:`~mmpose_kd.deploy.network.DeployedNetwork` to ONNX and
check onnxruntime against PyTorch.

The graph is the estimator's ``mode='tensor'`` forward (backbone, neck,
head; no decoding, no flip test), with input ``input`` [N, 3, H, W]
(normalised, in the network's channel order) and outputs ``simcc_x``
[N, K, W*r], ``simcc_y`` [N, K, H*r] (SimCC heads) or ``heatmaps``
[N, K, H', W'] (heatmap heads): the layout of mmdeploy's RTMPose models,
which rtmlib's ``RTMPose`` runs.

Imports onnx and onnxruntime (the ``deploy`` extra) when called, never on
``import mmpose_kd``.
"""
import copy
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch

from mmpose_kd.utils.atomic_io import atomic_target
from .network import DeployedNetwork, TensorForward

EXPORTERS = ('torchscript', 'dynamo')
#: Default opsets: 17 for the TorchScript exporter (its newest well-tested
#: opset; 11, mmdeploy's default, also works); the dynamo exporter starts
#: at 18.
DEFAULT_OPSET = dict(torchscript=17, dynamo=18)
#: Agreement required of every output:
#:   max|ort - torch| <= ATOL + RTOL * max|torch| + NOISE_FACTOR * noise,
#: where noise = max|torch float32 - torch float64| is PyTorch's own float32
#: rounding error on the same input. A deep network in float32 is only that
#: exact (measured: 5.8e-3 on logits of 65 for a BN-calibrated random
#: RTMPose-l at 384x288, while onnxruntime was 3.3e-3 from float64), so a
#: fixed tolerance would either fail large models or pass real errors on
#: small ones. With NOISE_FACTOR 3, onnxruntime may be up to twice as far
#: from float64 as PyTorch's float32 is (other kernels and summation
#: orders, fused ops): |ort - torch32| <= |ort - torch64| + |torch32 -
#: torch64| <= 3 x noise. A wrong op or weight is off by orders of
#: magnitude more. RTOL scales with the output (SimCC logits in the tens,
#: heatmaps below 1).
DEFAULT_ATOL = 1e-5
DEFAULT_RTOL = 1e-5
NOISE_FACTOR = 3.0
#: Key prefix of the deployment facts written into the model's
#: ``metadata_props`` (runtimes ignore them; tools can read them).
METADATA_PREFIX = 'mmpose_kd.'


class ToleranceError(RuntimeError):
    """onnxruntime's outputs differ from PyTorch's beyond the tolerance."""


@dataclass
class OutputCheck:
    """One output at one batch size: onnxruntime vs PyTorch."""
    batch_size: int
    name: str
    shape: tuple
    max_abs_diff: float
    max_abs_ref: float
    float32_noise: float  # max|torch float32 - torch float64|
    bound: float
    argmax_agree: int  # keypoints whose decoded arg-max bin is the same
    num_keypoints: int

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.bound

    def line(self) -> str:
        verdict = 'ok' if self.ok else 'BEYOND TOLERANCE'
        return (f'batch {self.batch_size} {self.name} {list(self.shape)}: '
                f'max |onnxruntime - torch| = {self.max_abs_diff:.3e} '
                f'(max |torch| = {self.max_abs_ref:.3g}, torch float32 vs '
                f'float64 {self.float32_noise:.3e}, bound {self.bound:.3e}) '
                f'{verdict}; arg-max equal for '
                f'{self.argmax_agree}/{self.num_keypoints} keypoints')


def _require(module: str):
    try:
        return __import__(module)
    except ImportError as err:
        raise ImportError(
            f'ONNX export needs `{module}`: pip install -e ".[deploy]" (onnx, '
            'onnxruntime, onnxscript; rtmlib to run the result).') from err


def export_onnx(network: DeployedNetwork,
                out_path: str,
                opset: Optional[int] = None,
                dynamic_batch: bool = True,
                exporter: str = 'torchscript') -> None:
    """Write ``network`` as an ONNX model to ``out_path`` (overwritten),
    with the deployment facts in ``metadata_props``.

    Args:
        opset: ONNX opset (default 17 for TorchScript, 18 for dynamo).
        dynamic_batch: a symbolic batch axis ``batch`` on the input and the
            outputs; False fixes the batch to 1.
        exporter: 'torchscript' (``torch.onnx.export(dynamo=False)``) or
            'dynamo' (``torch.export``-based).
    """
    if exporter not in EXPORTERS:
        raise ValueError(f'exporter must be one of {EXPORTERS}, got '
                         f'{exporter!r}')
    onnx = _require('onnx')
    opset = opset or DEFAULT_OPSET[exporter]
    w, h = network.input_size
    module = TensorForward(network.model).eval()
    dummy = torch.zeros(1, 3, h, w)
    names = list(network.output_names)
    kwargs = dict(
        input_names=['input'],
        output_names=names,
        opset_version=opset,
        do_constant_folding=True)
    if exporter == 'torchscript':
        if dynamic_batch:
            kwargs['dynamic_axes'] = {
                n: {
                    0: 'batch'
                }
                for n in ['input'] + names
            }
        kwargs['dynamo'] = False
    else:
        _require('onnxscript')
        if dynamic_batch:
            # min 1: the exporter would otherwise specialise on the dummy's
            # batch of 1 and refuse the dynamic dimension.
            kwargs['dynamic_shapes'] = ({
                0:
                torch.export.Dim('batch', min=1, max=1024)
            }, )
        kwargs.update(dynamo=True, verbose=False, external_data=False)
    with torch.no_grad():
        torch.onnx.export(module, (dummy, ), out_path, **kwargs)

    model = onnx.load(out_path)
    onnx.checker.check_model(model)
    facts = deployment_facts(network)
    facts['exporter'] = exporter
    for key, value in facts.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = METADATA_PREFIX + key, json.dumps(value)
    onnx.save(model, out_path)


def deployment_facts(network: DeployedNetwork) -> dict:
    """What a runtime needs around the graph, as JSON-able values."""
    meta = network.dataset_meta or {}
    names = meta.get('keypoint_id2name')
    if isinstance(names, dict):
        names = [names[i] for i in sorted(names)]
    return dict(
        source=network.description,
        input_size=list(network.input_size),  # (w, h)
        mean=network.mean,
        std=network.std,
        channel_order=network.channel_order,
        bbox_padding=1.25,  # mmpose's GetBBoxCenterScale default
        codec=network.codec,
        outputs=list(network.output_names),
        dataset_name=meta.get('dataset_name'),
        keypoint_names=names)


def read_deployment_facts(onnx_path: str) -> dict:
    """The ``mmpose_kd.*`` metadata of an exported model."""
    onnx = _require('onnx')
    model = onnx.load(onnx_path, load_external_data=False)
    return {
        p.key[len(METADATA_PREFIX):]: json.loads(p.value)
        for p in model.metadata_props if p.key.startswith(METADATA_PREFIX)
    }


def _argmax_agree(name: str, got: np.ndarray, ref: np.ndarray) -> int:
    # The decode's first step: the arg-max per keypoint (SimCC: per axis
    # vector; heatmaps: over H x W). Near-ties may legitimately flip.
    if name == 'heatmaps':
        got, ref = got.reshape(*got.shape[:2], -1), \
            ref.reshape(*ref.shape[:2], -1)
    return int((got.argmax(-1) == ref.argmax(-1)).sum())


def compare_with_onnxruntime(network: DeployedNetwork,
                             onnx_path: str,
                             batch_sizes: Sequence[int] = (1, 2),
                             atol: float = DEFAULT_ATOL,
                             rtol: float = DEFAULT_RTOL,
                             noise_factor: float = NOISE_FACTOR,
                             seed: int = 0) -> List[OutputCheck]:
    """Run the ONNX model in onnxruntime (CPU) and the PyTorch network on
    the same inputs at the export size, one check per output and batch
    size. Inputs are standard-normal, the scale of normalised images. The
    network also runs in float64 to measure its float32 rounding noise.

    Raises:
        ToleranceError: some output is beyond ``atol + rtol * max|torch| +
            noise_factor * noise`` (see :data:`NOISE_FACTOR`); the message
            holds every check's figures.
    """
    ort = _require('onnxruntime')
    options = ort.SessionOptions()
    options.log_severity_level = 3  # keep onnxruntime's notices off stdout
    session = ort.InferenceSession(
        onnx_path, options, providers=['CPUExecutionProvider'])
    input_name = session.get_inputs()[0].name
    w, h = network.input_size
    generator = torch.Generator().manual_seed(seed)
    module = TensorForward(network.model).eval()
    module64 = copy.deepcopy(module).double()
    checks = []
    for batch in batch_sizes:
        inputs = torch.randn(batch, 3, h, w, generator=generator)
        with torch.no_grad():
            expected = module(inputs)
            expected64 = module64(inputs.double())
        got = session.run(
            list(network.output_names), {input_name: inputs.numpy()})
        for name, out, ref, ref64 in zip(network.output_names, got, expected,
                                         expected64):
            ref, ref64 = ref.numpy(), ref64.numpy()
            noise = float(np.abs(ref - ref64).max())
            if out.shape != ref.shape:
                raise ToleranceError(
                    f'{onnx_path}: output {name} has shape {out.shape} in '
                    f'onnxruntime and {ref.shape} in PyTorch (batch {batch}).')
            scale = float(np.abs(ref).max())
            checks.append(
                OutputCheck(
                    batch_size=batch,
                    name=name,
                    shape=tuple(out.shape),
                    max_abs_diff=float(np.abs(out - ref).max()),
                    max_abs_ref=scale,
                    float32_noise=noise,
                    bound=atol + rtol * scale + noise_factor * noise,
                    argmax_agree=_argmax_agree(name, out, ref),
                    num_keypoints=int(np.prod(out.shape[:2]))))
    failed = [c for c in checks if not c.ok]
    if failed:
        raise ToleranceError(
            f'{onnx_path}: onnxruntime differs from PyTorch beyond '
            f'atol={atol:g} + rtol={rtol:g} * max|torch| + {noise_factor:g}'
            ' * |torch float32 - float64|:\n' + '\n'.join(c.line()
                                                          for c in checks))
    return checks


def export_and_check(network: DeployedNetwork,
                     out_path: str,
                     opset: Optional[int] = None,
                     dynamic_batch: bool = True,
                     exporter: str = 'torchscript',
                     check_batch_sizes: Sequence[int] = (1, 2),
                     atol: float = DEFAULT_ATOL,
                     rtol: float = DEFAULT_RTOL,
                     seed: int = 0) -> List[OutputCheck]:
    """Export, check, and only then put the model at ``out_path``: a model
    that fails the check is never left where a deployment would pick it
    up (the file is written beside it and renamed on success)."""
    if not dynamic_batch and any(b != 1 for b in check_batch_sizes):
        check_batch_sizes = (1, )  # a static graph takes batch 1 only
    out_dir = osp.dirname(osp.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    with atomic_target(out_path) as tmp:
        export_onnx(
            network,
            tmp,
            opset=opset,
            dynamic_batch=dynamic_batch,
            exporter=exporter)
        return compare_with_onnxruntime(
            network, tmp, check_batch_sizes, atol=atol, rtol=rtol, seed=seed)
