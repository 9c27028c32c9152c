#!/usr/bin/env bash
# Usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
#   GPUS=16 GPUS_PER_NODE=8 tools/slurm_train.sh p1 dwpose-s1 CONFIG work_dirs/s1
# srun starts one tools/train.py --launcher slurm per task (GPUS tasks,
# GPUS_PER_NODE per node); each task's rank, world size, local rank and the
# master's address come from SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID and the
# first host of SLURM_NODELIST (MASTER_ADDR/MASTER_PORT win when set; the port
# defaults to 29500).
# Environment: GPUS (tasks, default 8), GPUS_PER_NODE (default 8),
# CPUS_PER_TASK (default 5), SRUN_ARGS (extra srun options), GRES (default
# gpu:$GPUS_PER_NODE; set it empty on a CPU-only partition: then GPUS counts
# processes and the backend is gloo).
set -e
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
GRES=${GRES-gpu:${GPUS_PER_NODE}}
DIR=$(cd "$(dirname "$0")" && pwd)
PYTHONPATH="$DIR/..":${PYTHONPATH:-} \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    ${GRES:+--gres=${GRES}} \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    python -u "$DIR/train.py" "${CONFIG}" --work-dir="${WORK_DIR}" \
    --launcher slurm "${@:5}"
