# Student of the synthetic demo (and its trained-alone baseline): the same
# network at a quarter of the width (base 8): 1/16 of the backbone FLOPs.
_base_ = ['../_base_/synthetic_wholebody_heatmap.py']
model = dict(
    backbone=dict(base_channels=8, stem_channels=8), head=dict(in_channels=32))
