# Student of the synthetic demo (also its trained-alone baseline): a
# narrower RTMPose (deepen 0.167 as RTMPose-t, widen 0.25) on 128x96 inputs.
_base_ = ['../_base_/synthetic_wholebody_rtmpose.py']
model = dict(
    backbone=dict(deepen_factor=0.167, widen_factor=0.25),
    head=dict(in_channels=128))
