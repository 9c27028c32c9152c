# mmpose_kd — the README's two commands live here.
#   make demo  : set up .venv (idempotent) and run the main job on the embedded synthetic data
#   make test  : set up .venv (idempotent), lint, and run the whole test suite
#   make lint  : the OpenMMLab linters (settings: setup.cfg), failing on any finding
PY := .venv/bin/python
BIN := .venv/bin
# everything that holds Python (scripts/: codespell only)
LINT_PATHS := mmpose_kd tools tests configs scripts
WORK_DIR ?= work_dirs/dwpose_demo
# albumentations: no update check over the network on import
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: setup demo lint test clean
setup:
	bash scripts/setup_env.sh

demo: setup
	$(PY) tools/run_dwpose_demo.py --work-dir $(WORK_DIR)

# Runs every linter, then fails if any of them found something.
lint: setup
	@rc=0; \
	echo '[lint] flake8'; $(BIN)/flake8 $(LINT_PATHS) || rc=1; \
	echo '[lint] isort'; $(BIN)/isort --check-only --diff $(LINT_PATHS) || rc=1; \
	echo '[lint] yapf'; $(BIN)/yapf --diff --recursive $(LINT_PATHS) || rc=1; \
	echo '[lint] codespell'; $(BIN)/codespell $(LINT_PATHS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo '[lint] FAILED: fix the findings above (isort and yapf -i --recursive fix their own)' >&2; fi; \
	exit $$rc

test: setup lint
	$(PY) -m pytest tests -q -p no:cacheprovider

clean:
	rm -rf work_dirs .pytest_cache
