# Teacher of the synthetic demo: a 3-stage ResNet-18 (base width 32) with a
# heatmap head, 128x96 inputs, 32x24 heatmaps.
_base_ = ['../_base_/synthetic_wholebody_heatmap.py']
model = dict(
    backbone=dict(base_channels=32, stem_channels=32),
    head=dict(in_channels=128))
