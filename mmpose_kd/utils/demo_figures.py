"""The demo's two figures: predictions side by side, and per-part AP.

* :func:`pick_close_up` - the validation person with the largest face box
  whose face and both hands are labeled (so all parts show).
* :func:`predictions_side_by_side` - one person, drawn by mmpose's own
  ``PoseLocalVisualizer`` once per model (same box, same image), panels
  left to right with their names.
* :func:`plot_per_part_ap` - grouped bars of whole-body, body, foot, face
  and hand AP for every model of the demo's table.

matplotlib (an mmengine dependency) is imported only when plotting.
"""
import json
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

PARTS = ('AP', 'body AP', 'foot AP', 'face AP', 'hand AP')


def pick_close_up(ann_file: str) -> Tuple[Dict, Dict]:
    """``(image record, annotation)`` of the labeled person with the
    largest face box whose face and both hands are valid."""
    with open(ann_file) as f:
        coco = json.load(f)
    candidates = [
        a for a in coco['annotations'] if a.get('face_valid')
        and a.get('lefthand_valid') and a.get('righthand_valid')
    ]
    if not candidates:
        raise ValueError(f'{ann_file}: no person with a labeled face and '
                         'both hands to draw')
    ann = max(candidates, key=lambda a: a['face_box'][2] * a['face_box'][3])
    image = next(i for i in coco['images'] if i['id'] == ann['image_id'])
    return image, ann


def _crop_box(bbox_xywh, width, height, margin=0.15):
    x, y, w, h = bbox_xywh
    x0 = int(max(0, np.floor(x - margin * w)))
    y0 = int(max(0, np.floor(y - margin * h)))
    x1 = int(min(width, np.ceil(x + (1 + margin) * w)))
    y1 = int(min(height, np.ceil(y + (1 + margin) * h)))
    return x0, y0, x1, y1


def predictions_side_by_side(image_path: str,
                             bbox_xywh: Sequence[float],
                             models: Sequence[Tuple[str, object]],
                             panel_height: int = 480) -> np.ndarray:
    """Run each ``(name, mmpose model)`` top-down on one person box and
    draw its 133 keypoints with mmpose's visualizer, enlarged so face and
    fingers can be seen. Returns one BGR image, one panel per model."""
    from mmengine.structures import InstanceData
    from mmpose.apis import inference_topdown
    from mmpose.registry import VISUALIZERS
    from mmpose.structures import PoseDataSample, merge_data_samples

    image = cv2.imread(image_path)
    if image is None:
        raise FileNotFoundError(f'cannot read image {image_path}')
    x, y, w, h = bbox_xywh
    x0, y0, x1, y1 = _crop_box(bbox_xywh, image.shape[1], image.shape[0])
    scale = panel_height / float(y1 - y0)
    crop = cv2.resize(
        image[y0:y1, x0:x1],
        None,
        fx=scale,
        fy=scale,
        interpolation=cv2.INTER_CUBIC)
    panels = []
    for name, model in models:
        result = merge_data_samples(
            inference_topdown(
                model,
                image_path,
                bboxes=np.array([[x, y, x + w, y + h]]),
                bbox_format='xyxy'))
        pred = result.pred_instances
        keypoints = (pred.keypoints - np.array([x0, y0])) * scale
        sample = PoseDataSample()
        sample.pred_instances = InstanceData(
            keypoints=keypoints, keypoint_scores=pred.keypoint_scores)
        visualizer = VISUALIZERS.build(
            dict(
                type='PoseLocalVisualizer',
                radius=2,
                line_width=1,
                name=f'demo_figure_{id(model)}'))
        visualizer.set_dataset_meta(model.dataset_meta)
        drawn = visualizer.add_datasample(
            name,
            crop[:, :, ::-1].copy(),
            data_sample=sample,
            draw_gt=False,
            draw_bbox=False,
            kpt_thr=0.0,
            show=False)
        panel = np.ascontiguousarray(drawn[:, :, ::-1])
        # a dark banner with the model's name
        cv2.rectangle(panel, (0, 0), (panel.shape[1], 30), (40, 40, 40), -1)
        cv2.putText(panel, name, (8, 21), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    (255, 255, 255), 1, cv2.LINE_AA)
        panels.append(panel)
    gap = np.full((panels[0].shape[0], 6, 3), 255, np.uint8)
    out = [panels[0]]
    for panel in panels[1:]:
        out += [gap, panel]
    return np.concatenate(out, axis=1)


def plot_per_part_ap(rows: List[Dict], path: str, title: str = '') -> None:
    """Grouped bars: one group per part (whole-body, body, foot, face,
    hand), one bar per model row of the demo's table (AP x 100)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=100)
    width = 0.8 / max(1, len(rows))
    for k, row in enumerate(rows):
        values = [row.get(part, 0.0) for part in PARTS]
        offsets = np.arange(len(PARTS)) + (k - (len(rows) - 1) / 2) * width
        bars = ax.bar(offsets, values, width, label=row['model'])
        ax.bar_label(bars, fmt='%.0f', fontsize=7, padding=1)
    ax.set_xticks(np.arange(len(PARTS)))
    ax.set_xticklabels(['whole-body', 'body', 'foot', 'face', 'hand'])
    ax.set_ylabel('AP x 100')
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc='upper right')
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
