"""tools/experiments/pcm_variants.py: the variants behind the figures in
docs/benchmarks.md give the loop's outputs, and the tool prints its table."""
import pytest
import torch

from mmpose_kd.models.semi.pcm import correct_pseudo_labels_loop
from tool_loading import load_tool

pcm_variants = load_tool('experiments/pcm_variants')


def _tied_heatmaps(shape, seed):
    """Coarse values, so that maxima tie inside and across blocks."""
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randint(0, 4, shape, generator=gen).float() / 4 for _ in range(4)
    ]


# 64x48 has 64-element blocks, 9x7 one block per row, 5x5 no block at all.
@pytest.mark.parametrize('hw', [(64, 48), (9, 7), (5, 5)])
@pytest.mark.parametrize('variant', ['lerp', 'chunked', 'paper-style'])
def test_variant_equals_the_loop(variant, hw):
    maps = _tied_heatmaps((3, 5, *hw), seed=hw[0])
    if variant == 'lerp':
        result = pcm_variants.pcm_lerp(*maps)
    elif variant == 'paper-style':
        result = pcm_variants.pcm_paper_style(*maps)
    else:  # chunks that do not divide the 15 rows
        result = pcm_variants.pcm_chunked(*maps, chunk=4)
    reference = correct_pseudo_labels_loop(*maps)
    assert pcm_variants.differing_fields(result, reference) == []
    # The choice is not trivial: every pair wins somewhere.
    assert set(reference.pair_index.flatten().tolist()) == {0, 1, 2, 3}


def test_differing_fields_names_what_differs():
    maps = _tied_heatmaps((2, 3, 8, 6), seed=1)
    reference = correct_pseudo_labels_loop(*maps)
    changed = reference._replace(mask=~reference.mask)
    assert pcm_variants.differing_fields(changed, reference) == ['mask']


def test_tool_prints_a_row_per_variant(capsys):
    pcm_variants.main([
        '--batch', '2', '--keypoints', '3', '--heatmap-size', '8', '6',
        '--chunk', '4', '--rounds', '1', '--per-round', '1', '--threads', '1'
    ])
    out = capsys.readouterr().out
    for name in ('per-sample, per-keypoint loop', 'shipped', 'lerp',
                 'paper-style', 'chunked 4'):
        assert f'| {name} |' in out
    assert 'differ' not in out
