# As sspcm_synthetic_tiny-resnet_joint.py, with the 'separate' update scheme:
# the four steps of an iteration (supervised; A teaches B; B teaches A;
# A, B, A', B' teach C through the PCM) are separate updates, one Adam per
# network (an OptimWrapperDict with keys A, B, C). Under DDP this scheme
# needs MMSeparateDistributedDataParallel (set below).
_base_ = ['./sspcm_synthetic_tiny-resnet_joint.py']

model = dict(update_scheme='separate')
optim_wrapper = dict(
    _delete_=True,
    constructor='SSPCMOptimWrapperConstructor',
    A=dict(optimizer=dict(type='Adam', lr=2e-3)),
    B=dict(optimizer=dict(type='Adam', lr=2e-3)),
    C=dict(optimizer=dict(type='Adam', lr=2e-3)))
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
