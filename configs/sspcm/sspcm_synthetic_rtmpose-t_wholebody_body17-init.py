# sspcm_synthetic_rtmpose-t_wholebody.py with A, B and C starting from the
# body-pose backbone shipped in checkpoints/synthetic/ (the RTMPose-t trained
# on the synthetic COCO body-17 keypoints of the DWPose demo's 2000 training
# images, none of which is in this config's data), as the real-scale twin
# sspcm_rtmpose-m_coco-wholebody-ubody_256x192.py starts from mmpose's CSPNeXt
# trained on AI Challenger + COCO body keypoints. From scratch (the parent),
# supervised-only C stays at whole-body AP 0.000 on 100 labeled images; from
# this backbone it learns enough for SSPCM to be compared with it (README,
# "Any head"). Not released by the SSPCM authors.
#   python tools/run_sspcm_demo.py --config \
#       configs/sspcm/sspcm_synthetic_rtmpose-t_wholebody_body17-init.py \
#       --work-dir work_dirs/sspcm_wb100_init_s0 --img-size 256 \
#       --num-train 2000 --num-labeled 100 --seed 0
_base_ = ['./sspcm_synthetic_rtmpose-t_wholebody.py']

body17_backbone = dict(
    _delete_=True,  # the parent's is None (from scratch)
    type='Pretrained',
    prefix='backbone.',
    checkpoint='{{ fileDirname }}/../../checkpoints/synthetic/'
    'rtmpose-t_synthetic-body17-128x96.pth')
model = dict(
    network_a=dict(backbone=dict(init_cfg=body17_backbone)),
    network_b=dict(backbone=dict(init_cfg=body17_backbone)),
    network_c=dict(backbone=dict(init_cfg=body17_backbone)))
