"""Export the deployed network of a checkpoint to ONNX and check it against
PyTorch with onnxruntime.

    python tools/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--which C]
        [--input-size W H] [--opset N] [--exporter torchscript|dynamo]
        [--static-batch] [--check-batch-sizes 1 2] [--atol A] [--rtol R]

CONFIG + CHECKPOINT is any of:
  * a DWPose distiller config (stage 1 or 2) + its training checkpoint
    (exports the student, as tools/export_student.py selects it);
  * a plain mmpose config + an exported student (tools/export_student.py or
    ExportStudentHook's ``exported_student.pth``);
  * an SSPCM config + its checkpoint (network C; A or B with --which).

The graph is backbone + neck + head (mmpose's ``mode='tensor'`` forward):
input ``input`` [N, 3, H, W], normalised; outputs ``simcc_x``/``simcc_y``
(RTMPose/RTMW SimCC heads, the layout of mmdeploy's RTMPose models that
rtmlib's ``RTMPose`` runs) or ``heatmaps``. The batch axis is dynamic unless
--static-batch. Before the file is put at OUT, onnxruntime runs it on
standard-normal inputs at the export size (batch 1 and 2) and every output
must satisfy max|onnxruntime - torch| <= atol + rtol * max|torch| +
3 * max|torch float32 - torch float64| (PyTorch's own float32 rounding on
that input; see mmpose_kd/deploy/onnx_export.py). The differences are
printed, and the exit status is 1 (OUT not written) when one is beyond.
Bad input (missing or mismatched checkpoint, --which for
a non-SSPCM config, an input size the head cannot take) exits 2 with one
message naming the file, key or value. See docs/deployment.md.
"""
import argparse
import os
import sys
import time

from mmpose_kd.deploy import onnx_export
from mmpose_kd.deploy.network import build_deployed_network


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=' '.join(__doc__.splitlines()[:2]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument(
        'config', help='distiller, SSPCM or plain mmpose '
        'config')
    parser.add_argument('checkpoint', help='training or exported checkpoint')
    parser.add_argument('out', help='path of the ONNX model to write')
    parser.add_argument(
        '--which',
        default=None,
        choices=['A', 'B', 'C'],
        help='SSPCM: the network to export (default C)')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        default=None,
        metavar=('W', 'H'),
        help='input size (default: the config\'s)')
    parser.add_argument(
        '--opset',
        type=int,
        default=None,
        help='ONNX opset (default 17 torchscript, 18 dynamo)')
    parser.add_argument(
        '--exporter',
        choices=onnx_export.EXPORTERS,
        default='torchscript',
        help='torch.onnx.export(dynamo=False) (default) or '
        'the torch.export-based exporter')
    parser.add_argument(
        '--static-batch',
        action='store_true',
        help='fix the batch axis to 1 (default: dynamic)')
    parser.add_argument(
        '--check-batch-sizes',
        type=int,
        nargs='+',
        default=[1, 2],
        metavar='N',
        help='batch sizes of the onnxruntime check')
    parser.add_argument(
        '--atol',
        type=float,
        default=onnx_export.DEFAULT_ATOL,
        help='absolute part of the tolerance')
    parser.add_argument(
        '--rtol',
        type=float,
        default=onnx_export.DEFAULT_RTOL,
        help='part of max|torch| added to the tolerance')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the check inputs')
    args = parser.parse_args(argv)
    if any(b < 1 for b in args.check_batch_sizes):
        parser.error(f'--check-batch-sizes must be >= 1, got '
                     f'{args.check_batch_sizes}')
    return args


def rtmlib_call(network, out: str) -> str:
    """The rtmlib line that runs the exported model as mmpose does."""

    def fmt(values):
        return None if values is None else tuple(round(v, 4) for v in values)

    line = (f"rtmlib.RTMPose(onnx_model='{out}', "
            f'model_input_size={tuple(network.input_size)}, '
            f'mean={fmt(network.mean)}, std={fmt(network.std)}, '
            "backend='onnxruntime', device='cpu')")
    if network.channel_order == 'RGB':
        line += '(image_bgr[..., ::-1], bboxes=[[x1, y1, x2, y2]])'
    else:
        line += '(image_bgr, bboxes=[[x1, y1, x2, y2]])'
    return line


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        network = build_deployed_network(
            args.config,
            args.checkpoint,
            which=args.which,
            input_size=args.input_size)
    except (FileNotFoundError, KeyError, RuntimeError, TypeError,
            ValueError) as err:
        # Bad input: one message naming the file/key/value, no traceback.
        print(f'export_onnx: error: {err}', file=sys.stderr)
        return 2
    print(f'network: {network.description}')
    w, h = network.input_size
    print(f'input: [N, 3, {h}, {w}] {network.channel_order}, mean '
          f'{network.mean}, std {network.std}; codec '
          f'{network.codec.get("type")}; outputs '
          f'{", ".join(network.output_names)}')
    exporter_name = ('torch.onnx.export(dynamo=False) (TorchScript)'
                     if args.exporter == 'torchscript' else
                     'torch.onnx.export(dynamo=True)')
    opset = args.opset or onnx_export.DEFAULT_OPSET[args.exporter]
    print(f'exporter: {exporter_name}, opset {opset}, batch axis '
          f'{"1 (static)" if args.static_batch else "dynamic"}')
    try:
        checks = onnx_export.export_and_check(
            network,
            args.out,
            opset=args.opset,
            dynamic_batch=not args.static_batch,
            exporter=args.exporter,
            check_batch_sizes=args.check_batch_sizes,
            atol=args.atol,
            rtol=args.rtol,
            seed=args.seed)
    except onnx_export.ToleranceError as err:
        print(f'FAILED: {err}', file=sys.stderr)
        print(f'{args.out} was not written.', file=sys.stderr)
        return 1
    print(f'onnxruntime vs PyTorch (tolerance: atol {args.atol:g} + rtol '
          f'{args.rtol:g} x max|torch| + {onnx_export.NOISE_FACTOR:g} x '
          '|torch float32 - torch float64|):')
    for check in checks:
        print('  ' + check.line())
    worst = max(checks, key=lambda c: c.max_abs_diff / c.bound)
    print(f'max abs difference {max(c.max_abs_diff for c in checks):.3e}; '
          f'largest share of the bound {worst.max_abs_diff / worst.bound:.3f}')
    for note in network.notes:
        print(f'note: {note}')
    if network.is_simcc:
        print('run with rtmlib: ' + rtmlib_call(network, args.out))
    print(f'wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) in '
          f'{time.perf_counter() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
