# Student of the synthetic demo (also its trained-alone baseline): a
# narrower RTMPose (deepen 0.167 as RTMPose-t, widen 0.25) on 128x96 inputs.
#
# Its backbone starts from a body-pose model, as the released DWPose and
# RTMPose students start from mmpose's CSPNeXt trained on AI Challenger +
# COCO body keypoints (`cspnext-*_udp-aic-coco_210e-256x192`): here the same
# architecture trained on the synthetic COCO body-17 keypoints
# (rtmpose-t_synthetic-body17-128x96.py, 30 epochs on the demo data's first
# 2000 training images), shipped in checkpoints/synthetic/ and made by
# `python tools/run_dwpose_demo.py --train-student-init --num-train 2000`.
# `model.backbone.init_cfg=None` trains from scratch (the demo before
# session 8).
_base_ = ['../_base_/synthetic_wholebody_rtmpose.py']
student_init = ('{{ fileDirname }}/../../checkpoints/synthetic/'
                'rtmpose-t_synthetic-body17-128x96.pth')
model = dict(
    backbone=dict(
        deepen_factor=0.167,
        widen_factor=0.25,
        init_cfg=dict(
            _delete_=True,  # the base's is None (from scratch)
            type='Pretrained',
            prefix='backbone.',
            checkpoint=student_init)),
    head=dict(in_channels=128))
