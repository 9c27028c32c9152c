"""Applying a keypoint map (:mod:`.keypoint_map`) to the teacher's
predictions: the index/weight tensors and the per-sample selection
(docs/keypoint_maps.md)."""
from typing import List, Tuple

import torch
from torch import Tensor


def keypoint_index_and_weight(kmap: List) -> Tuple[Tensor, Tensor]:
    """``(index, weight)``, both ``[A, K_s]`` for a map (``A = 1``) or a
    list of ``A`` alternatives (``either``): ``index[a, i]`` the teacher
    keypoint that teaches student keypoint ``i`` (0 for an unmapped one),
    ``weight[a, i]`` 1 where mapped, 0 where unmapped."""
    if not isinstance(kmap[0], list):
        kmap = [kmap]
    index = torch.tensor(kmap, dtype=torch.long)
    return index.clamp(min=0), (index >= 0).float()


def select_teacher_keypoints(t_preds, index: Tensor, weight: Tensor):
    """The teacher's per-keypoint logits (SimCC ``(x, y)``, each
    ``[N, K_t, bins]``) or heatmaps (``[N, K_t, H, W]``) in the
    student's keypoint order: channel ``i`` is teacher keypoint
    ``index[a, i]`` (an unmapped one holds teacher keypoint 0, masked out of
    the loss by ``keypoint_weight``). With ``either`` alternatives
    (``A > 1``), per sample the one with the highest mean teacher score over
    its mapped keypoints (SimCC: maximum logit, mean of x and y; heatmaps:
    maximum), the score mmpose decodes as keypoint confidence."""
    simcc = isinstance(t_preds, (tuple, list))
    parts = list(t_preds) if simcc else [t_preds]
    chosen = []
    for alt in range(index.shape[0]):
        chosen.append([p.index_select(1, index[alt]) for p in parts])
    if len(chosen) == 1:
        out = chosen[0]
    else:
        scores = []
        for alt, sel in enumerate(chosen):
            score = sum(p.flatten(2).amax(-1) for p in sel) / len(sel)
            w = weight[alt].to(score)
            scores.append((score * w).sum(1) / w.sum().clamp(min=1.))
        best = torch.stack(scores).argmax(0)  # [N]
        out = []
        for j in range(len(parts)):
            stacked = torch.stack([sel[j] for sel in chosen])  # [A, N..]
            out.append(stacked[best,
                               torch.arange(best.numel(), device=best.device)])
    return type(t_preds)(out) if simcc else out[0]
