# Teacher of the synthetic demo: RTMPose-s widths on 128x96 inputs.
_base_ = ['../_base_/synthetic_wholebody_rtmpose.py']
model = dict(
    backbone=dict(deepen_factor=0.33, widen_factor=0.5),
    head=dict(in_channels=256))
