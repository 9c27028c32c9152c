# SSPCM, MPII train labeled + AI Challenger train unlabeled (boxes only),
# ResNet-18 A, B, C at 256x256, PCKh@0.5 on MPII val; the recipe of
# PoseDual's released file (xierc/Semi_Human_Pose experiments/mix_mpii_ai/
# res18/256x256_PoseDual_JointCut5.yaml) with SSPCM's modules. Data and
# schedule: ./_base_/sspcm_mpii_aic.py.
_base_ = ['./_base_/sspcm_mpii_aic.py']
