"""Export the deployable network of a training checkpoint as a plain mmpose
checkpoint.

    python tools/export_student.py CONFIG CHECKPOINT OUT [--which C]

DWPose stage 1 -> the student; DWPose stage 2 -> frozen backbone/neck + the
trained head; SSPCM -> network C (or A/B with ``--which``). The result loads
with stock ``mmpose.apis.init_model(<student config>, OUT)`` and
``MMPoseInferencer``.

Only load checkpoints you trust: loading uses ``torch.load(weights_only=True)``
with an allow-list of the numpy/mmengine types mmengine writes, so a file
that pickles anything else is refused.
"""
import argparse

from mmengine.config import Config

import mmpose_kd  # noqa: F401  (registers the models)
from mmpose_kd.utils.checkpoint import load_checkpoint_file
from mmpose_kd.utils.export import (SSPCM_NETWORK_ATTRS, deploy_prefix,
                                    export_checkpoint, sspcm_network_prefix)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the training config (distiller/SSPCM)')
    parser.add_argument('checkpoint', help='training checkpoint')
    parser.add_argument('out', help='output path of the plain checkpoint')
    parser.add_argument(
        '--which',
        default=None,
        help='SSPCM: which network to export (A, B or C)')
    parser.add_argument(
        '--prefix',
        default=None,
        help='state-dict prefix of the network to export '
        '(overrides the model-type default)')
    return parser.parse_args()


def resolve_prefix(model_type: str, which=None, prefix=None) -> str:
    if prefix:
        return prefix
    if which:  # SSPCM: networks A, B, C live under network_a/b/c
        if which.upper() not in SSPCM_NETWORK_ATTRS:
            *first, last = SSPCM_NETWORK_ATTRS
            raise SystemExit(f'export_student: --which must be '
                             f'{", ".join(first)} or {last}, got {which!r}')
        return sspcm_network_prefix(which.upper())
    # the model class's ``deploy_prefix`` (TrainableWrapper subclasses)
    known = deploy_prefix(model_type)
    if known is None:
        raise SystemExit(f'export_student: model type {model_type!r} has no '
                         f'known deploy prefix; pass --prefix.')
    return known


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    prefix = resolve_prefix(cfg.model.type, args.which, args.prefix)
    ckpt = load_checkpoint_file(args.checkpoint, 'checkpoint')
    exported = export_checkpoint(ckpt, args.out, prefix)
    print(f'exported {len(exported["state_dict"])} tensors under {prefix!r} '
          f'to {args.out}')


if __name__ == '__main__':
    main()
