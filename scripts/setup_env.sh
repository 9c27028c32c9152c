#!/usr/bin/env bash
# One-stop CPU set-up of the OpenMMLab stack + mmpose_kd into a project-local
# virtual environment (.venv).  Idempotent: when the stamp in .venv matches this
# script and pyproject.toml, it only re-links the package and exits in seconds.
# Facts behind each step: ../shared/ENVIRONMENT.md (measured on this machine kind).
set -euo pipefail
export NO_ALBUMENTATIONS_UPDATE=1  # albumentations: no update check on import
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
PY=${PYTHON:-python3.11}
WHEELS=$ROOT/.cache/wheels          # our own built wheels (mmcv, xtcocotools) survive a venv rebuild
STAMP=$VENV/.mmpose_kd_setup
want=$(cat "$0" pyproject.toml | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  echo "[setup] environment up to date ($VENV)"
  exit 0
fi
t0=$(date +%s)
log() { echo "[setup $(( $(date +%s) - t0 ))s] $*"; }

[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1 \
  && log "expected: about 3 minutes (the built mmcv wheel is reused)" \
  || log "expected: about 13 minutes on 2 cores when mmcv must be built (11 of them), about 3 when pip's cache holds its wheel"
PIPI="$VENV/bin/python -m pip install --disable-pip-version-check -q"
# setuptools<70: mmcv's setup.py and mmengine need pkg_resources (see below).
# numpy<2.4: numpy 2.4 turned int() of a one-element array into a TypeError,
# and mmpose 1.3.2's visualizer (draw_circles) does exactly that, so
# MMPoseInferencer(vis_out_dir=...) dies on numpy 2.4 (tests/test_stack).
# ninja: lets the mmcv build below compile on both cores (without it
# setuptools compiles one file at a time and MAX_JOBS has no effect).
$PIPI -U pip wheel "setuptools<70" cython "numpy>=1.24,<2.4" ninja

# torch/torchvision: the registry has no CPU torchvision, and its torchvision
# does not import against the local torch+cpu wheel; the registry's CUDA pair
# runs fine on the CPU.  Set the machine's pip configuration (find-links to
# the +cpu wheel) aside so pip takes the matching pair.
if ! "$VENV/bin/python" -c "import torch, torchvision.ops; assert torch.__version__.startswith('2.13.0') and '+cpu' not in torch.__version__" 2>/dev/null; then
  log "installing torch 2.13.0 + torchvision 0.28.0"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $PIPI "torch==2.13.0" "torchvision==0.28.0"
fi

# mmengine/mmcv/mmpose/mmdet are installed with --no-deps: mmengine and mmcv
# pull opencv-python (needs a screen's libGL), mmpose pulls chumpy (fails to
# build, never imported).  Their real runtime dependencies are listed here.
# mmcv's setup.py and mmengine's get_installed_path (used by mmpose.apis)
# import pkg_resources, which setuptools>=70 dropped. torch's metadata asks
# for setuptools>=77 (only for building C++ extensions, which we do not do
# after mmcv), so pip prints a conflict warning here: expected and harmless.
$PIPI "setuptools<70"
log "installing runtime dependencies"
# yapf: mmengine formats configs with it; pinned to the lint version below.
# opencv: pinned because training pixels depend on it: cv2.warpAffine (every
# TopdownAffine crop) gives other bytes in 4.14.0.94 than in 5.0.0.93
# (measured 2026-12-01: README, SSPCM "Any head", body-17); the README's
# figures from 2026-12-01 on were measured with 5.0.0.93.
$PIPI addict "pyyaml" rich termcolor "yapf==0.32.0" regex packaging "Pillow" \
  "opencv-python-headless==5.0.0.93" matplotlib scipy json-tricks munkres \
  pycocotools shapely terminaltables six tqdm "pytest>=7" "pytest-timeout" \
  "numpy>=1.24,<2.4"
# albumentations<2: the stock RTMPose/RTMW pipelines use mmpose's Albumentation
# step with 1.x argument names (CoarseDropout max_holes/max_height...), which
# 2.x renamed.  NO_ALBUMENTATIONS_UPDATE=1 (set by mmpose_kd, the Makefile and
# tests) stops its import-time update check over the network.
$PIPI "albumentations==1.4.24" "numpy>=1.24,<2.4"
$PIPI --no-deps "mmengine==0.10.7"

mkdir -p "$WHEELS"
# mmcv: only 2.1.0 satisfies mmdet 3.3.0 and mmpose 1.3.2; the registry has
# only its sdist, so build it once with the CPU ops (648 s on 2 cores with
# ninja, measured cold on 2026-11-30; 25 min without ninja)
# against the torch above, and keep the wheel for later runs.
if ! ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  log "mmcv 2.1.0 wheel: from pip's cache, or built with CPU ops on $(nproc) cores with ninja (about 11 minutes on 2 cores, once)"
  MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=2 "$VENV/bin/python" -m pip wheel -q \
    --no-build-isolation --no-deps -w "$WHEELS" "mmcv==2.1.0"
fi
# xtcocotools 1.14.3's wheel was compiled against numpy 1 and fails under
# numpy 2 ("dtype size changed"): build it from source against our numpy.
if ! ls "$WHEELS"/xtcocotools-1.14.3-*.whl >/dev/null 2>&1; then
  log "building xtcocotools 1.14.3 from source"
  "$VENV/bin/python" -m pip wheel -q --no-binary xtcocotools --no-build-isolation \
    --no-deps -w "$WHEELS" "xtcocotools==1.14.3"
fi
$PIPI --no-deps "$WHEELS"/mmcv-2.1.0-*.whl "$WHEELS"/xtcocotools-1.14.3-*.whl
$PIPI --no-deps "mmpose==1.3.2" "mmdet==3.3.0"

# ONNX export and its checks (tools/export_onnx.py; pyproject extra 'deploy').
# onnxscript: torch's exporter needs it.  rtmlib asks for opencv-python and
# opencv-contrib-python (screen libraries); without them it imports with the
# headless OpenCV above, so it is installed with --no-deps.
$PIPI "onnx==1.23.2" "onnxruntime==1.32.0" "onnxscript==0.7.2" "numpy>=1.24,<2.4"
$PIPI --no-deps "rtmlib==0.0.16"

# `make lint` (pyproject extra 'lint'; settings in setup.cfg): the linter
# versions mmpose pins in its pre-commit config.  yapf 0.32 needs toml to
# read pyproject.toml.
$PIPI "flake8==5.0.4" "isort==5.11.5" "yapf==0.32.0" "codespell==2.1.0" "toml==0.10.2"

log "installing mmpose_kd (editable)"
$PIPI --no-deps --no-build-isolation -e .

"$VENV/bin/python" - <<'PY'
import torch, torchvision.ops, mmcv.ops, mmdet, mmpose, mmengine, xtcocotools, albumentations, onnxruntime, rtmlib, mmpose_kd
import flake8, isort, yapf, codespell_lib, toml
print('[setup] torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmpose', mmpose.__version__,
      '| mmdet', mmdet.__version__, '| mmengine', mmengine.__version__)
PY
echo "$want" > "$STAMP"
log "done"
