"""Deployment: the shipped network of a training checkpoint, exported to
ONNX (``tools/export_onnx.py``, docs/deployment.md).

:mod:`.network` needs only the training stack; :mod:`.onnx_export` imports
onnx/onnxruntime (the ``deploy`` extra) when its functions are called.
``import mmpose_kd`` does not import this package.
"""
from .network import DeployedNetwork, TensorForward, build_deployed_network

__all__ = ['DeployedNetwork', 'TensorForward', 'build_deployed_network']
