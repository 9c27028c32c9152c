"""tools/benchmark_sspcm.py: the full-iteration split runs a real
SSPCMPoseEstimator.train_step and its timed parts fit in the iteration."""
import pytest
import torch

from tool_loading import load_tool
from toy_models import heatmap_cfg

benchmark_sspcm = load_tool('benchmark_sspcm')

K = 5


def tiny_network(base=8):
    return heatmap_cfg(
        num_keypoints=K, input_size=(64, 64), base_channels=base)


@pytest.mark.parametrize('scheme', ['joint', 'separate'])
def test_full_iteration_parts_fit_in_the_iteration(scheme):
    torch.set_num_threads(1)
    args = benchmark_sspcm.parse_args([
        '--only-full-iteration', '--labeled-batch', '2', '--unlabeled-batch',
        '3', '--iters', '1', '--warmup-iters', '0', '--update-scheme', scheme
    ])
    cfgs = {key: tiny_network() for key in 'ABC'}
    result = benchmark_sspcm.benchmark_full_iteration(
        args, torch.device('cpu'), network_cfgs=cfgs)
    (iteration, ) = result['iterations']
    timed = sum(iteration['labels'].values())
    assert 0 < timed <= iteration['total']
    parts = benchmark_sspcm.split_iteration(iteration)
    assert all(seconds >= 0 for seconds in parts.values())
    assert sum(parts.values()) == pytest.approx(iteration['total'])
    # every piece was seen inside the real train_step
    calls = {
        benchmark_sspcm.label_part(label): n
        for label, n in iteration['calls'].items()
    }
    for part in ('PCM', 'SSCO', 'warping', benchmark_sspcm.NETWORKS):
        assert calls.get(part, 0) > 0, part
    assert iteration['calls']['`correct_pseudo_labels`'] == 1
    assert iteration['calls']['`warp_images`'] == 3  # B, A and C hard views
    report = benchmark_sspcm.full_iteration_report(result)
    assert 'PCM + SSCO + warping <= 5% of an iteration: measured' in report


def test_instrumentation_is_removed_afterwards():
    from mmpose_kd.models.semi import hard_view, pseudo_labels
    modules = {
        name: benchmark_sspcm.function_module(name)
        for name in benchmark_sspcm.SSPCM_FUNCTION_PARTS
    }
    # the PCM is called from the pseudo labels, the warping from the hard view
    assert modules['correct_pseudo_labels'] is pseudo_labels
    assert modules['warp_images'] is hard_view
    before = {name: getattr(module, name) for name, module in modules.items()}
    args = benchmark_sspcm.parse_args(
        ['--labeled-batch', '1', '--iters', '1', '--warmup-iters', '0'])
    cfgs = {key: tiny_network() for key in 'ABC'}
    benchmark_sspcm.benchmark_full_iteration(
        args, torch.device('cpu'), network_cfgs=cfgs)
    for name, fn in before.items():
        assert getattr(modules[name], name) is fn, name


def test_stock_networks_are_res50_teachers_and_res18_student():
    cfgs = benchmark_sspcm.stock_network_configs()
    assert [cfgs[k]['backbone']['depth'] for k in 'ABC'] == [50, 50, 18]
    assert [cfgs[k]['head']['in_channels'] for k in 'ABC'] == [2048, 2048, 512]
    assert all(cfgs[k]['backbone']['init_cfg'] is None for k in 'ABC')
    assert all(cfgs[k]['head']['type'] == 'HeatmapHead' for k in 'ABC')
