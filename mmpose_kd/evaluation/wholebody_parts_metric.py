"""COCO-WholeBody evaluation that also returns the per-part figures."""
import numpy as np
from mmpose.evaluation.metrics import CocoWholeBodyMetric
from mmpose.registry import METRICS
from xtcocotools.cocoeval import COCOeval

PARTS = ('body', 'foot', 'face', 'lefthand', 'righthand')


@METRICS.register_module()
class CocoWholeBodyPerPartMetric(CocoWholeBodyMetric):
    """The stock ``CocoWholeBodyMetric`` (same COCOeval calls and sigmas),
    returning AP/AR of every part beside the whole-body figures.

    DWPose (Yang et al., ICCV-W 2023, Tab. 1) reports body, foot, face, hand
    and whole-body AP; mmpose 1.3.2's metric prints the parts but returns
    only whole-body. Keys: ``AP``, ``AR`` (whole-body, as stock) and
    ``<part>/AP``, ``<part>/AR`` for body, foot, face, lefthand, righthand,
    plus ``hand/AP`` (the mean of both hands, as the paper's "Hand" column
    pools them; documented as a mean, not a pooled COCOeval).
    """

    def _evaluate(self, coco_det, iou_type, sigmas):
        coco_eval = COCOeval(
            self.coco, coco_det, iou_type, sigmas, use_area=self.use_area)
        coco_eval.params.useSegm = None
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
        return coco_eval.stats

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> list:
        coco_det = self.coco.loadRes(f'{outfile_prefix}.keypoints.json')
        sigmas = np.asarray(self.dataset_meta['sigmas'])
        cuts = np.cumsum([
            0, self.body_num, self.foot_num, self.face_num, self.left_hand_num,
            self.right_hand_num
        ])
        info = []
        for i, part in enumerate(PARTS):
            stats = self._evaluate(coco_det, f'keypoints_{part}',
                                   sigmas[cuts[i]:cuts[i + 1]])
            info += [(f'{part}/AP', stats[0]), (f'{part}/AR', stats[5])]
        info.append(('hand/AP', (info[6][1] + info[8][1]) / 2))
        stats = self._evaluate(coco_det, 'keypoints_wholebody', sigmas)
        names = [
            'AP', 'AP .5', 'AP .75', 'AP (M)', 'AP (L)', 'AR', 'AR .5',
            'AR .75', 'AR (M)', 'AR (L)'
        ]
        return info + list(zip(names, stats))
