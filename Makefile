# mmpose_kd — the README's two commands live here.
#   make demo  : set up .venv (idempotent) and run the main job on the embedded synthetic data
#   make test  : set up .venv (idempotent) and run the whole test suite
PY := .venv/bin/python
WORK_DIR ?= work_dirs/dwpose_demo
# albumentations: no update check over the network on import
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: setup demo test clean
setup:
	bash scripts/setup_env.sh

demo: setup
	$(PY) tools/run_dwpose_demo.py --work-dir $(WORK_DIR)

test: setup
	$(PY) -m pytest tests -q -p no:cacheprovider

clean:
	rm -rf work_dirs .pytest_cache
