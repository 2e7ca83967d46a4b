# mmfutils: `make docs` builds the documentation site, `make test` runs every notebook as a test.
# Both create (or reuse) the project virtualenv .venv with everything they need, and install npm (the site's
# KaTeX and fonts) and Chromium (the browser tests) with apt-get when they are missing and we are root.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MKL_VENV := build/mkl-venv
PYTEST_FLAGS ?=
PORT ?= 8000
# E402 in __init__.py: nbdev writes `__version__` above the module docstring and imports.
RUFF_FLAGS := --isolated --select E4,E7,E9,F,B,UP --target-version py310 --per-file-ignores "mmfutils/__init__.py:E402"

.PHONY: venv mkl tools export clean-nbs readme docs serve test test-quick lint sync-check core-check bench compat clean

$(STAMP): setup.py settings.ini
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[dev]"
	touch $@

venv: $(STAMP)

$(MKL_VENV)/.installed: $(STAMP)
	rm -rf $(MKL_VENV) && $(BIN)/python -m venv $(MKL_VENV)
	echo "import site; site.addsitedir('$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')')" \
	  > "$$($(MKL_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/project_venv.pth"
	$(MKL_VENV)/bin/python -m pip install --quiet mkl-service
	touch $@

mkl: $(MKL_VENV)/.installed  ## build/mkl-venv: .venv plus mkl-service and the MKL (~1 GB, ~1.5 min), for tests/test_package.py's MKL test

tools:  ## npm and chromium from Debian, when missing
	@for p in npm chromium; do command -v $$p >/dev/null && continue; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$p; \
	  else echo "make: $$p is missing: sudo apt-get install $$p"; fi; done

export: $(STAMP)  ## notebooks -> mmfutils/
	$(BIN)/nbdev_export

clean-nbs: $(STAMP)  ## strip notebook metadata nbdev does not keep
	$(BIN)/nbdev_clean

readme: export  ## README.md from nbs/index.ipynb, offline
	$(BIN)/python .ci/readme.py

docs: readme tools  ## the site: run each notebook once (tests/test_notebooks.py), then render _docs/ (.ci/docs.py)
	$(BIN)/python -m pytest tests/test_notebooks.py -q -p no:cacheprovider --nb-flags=slow -k "not lint"
	$(BIN)/python .ci/docs.py

serve:  ## serve _docs/ at http://127.0.0.1:8000/ (PORT=...), after `make docs`
	@test -f _docs/index.html || { echo "no site in _docs/: run make docs first"; exit 1; }
	$(BIN)/python -m http.server --directory _docs --bind 127.0.0.1 $(PORT)

test: export tools mkl  ## every notebook, every cell (`#| slow` ones asked for, as `nbdev_test --flags slow`), with coverage
	$(BIN)/python -m pytest tests --nb-flags=slow --cov=mmfutils --cov-report=term-missing:skip-covered $(PYTEST_FLAGS)

test-quick: export  ## the same without cells flagged `#| slow` (nbdev_test's default) and without the site
	$(BIN)/python -m pytest tests $(PYTEST_FLAGS)

lint: $(STAMP)  ## ruff, then the notebooks: a directive repeated in a cell, version history in prose or comments
	$(BIN)/ruff check $(RUFF_FLAGS) mmfutils tests setup.py .ci
	$(BIN)/python tests/test_notebooks.py --lint

sync-check: export clean-nbs readme  ## notebooks, package and README agree (no diff, no stray files)
	git diff --exit-code
	test -z "$$(git status --porcelain)" || { git status --porcelain; exit 1; }

core-check:  ## `pip install .` with the core requirements only, then import the light modules
	rm -rf .venv-core && $(PYTHON) -m venv .venv-core
	.venv-core/bin/python -m pip install --quiet --upgrade pip
	.venv-core/bin/python -m pip install --quiet .
	cd /tmp && $(CURDIR)/.venv-core/bin/python -c "import mmfutils, mmfutils.containers as c, mmfutils.interface as i; i.verifyObject(i.IObject, c.Container(a=1), tentative=True); i.describe_interface(i.IObject); print('core install works: mmfutils', mmfutils.__version__)"
	cd /tmp && $(CURDIR)/.venv-core/bin/python -c "import numpy as np, mmfutils.math.bases as b; B = b.PeriodicBasis((16,), (2*np.pi,)); x = B.xyz[0]; assert abs(B.laplacian(np.sin(x)) + np.sin(x)).max() < 1e-12; print('bases work on numpy alone')"
	rm -rf .venv-core

bench: export  ## speed ratios, measured in one run (not a test)
	shopt -s nullglob; for b in tests/bench_*.py; do $(BIN)/python "$$b" || exit 1; done

compat: $(STAMP)  ## mmfutils 0.7.8's own test files, every module's, run against this package (test_animation needs ffmpeg)
	$(BIN)/python .ci/compat.py

clean:
	rm -rf _docs _proc .coverage .pytest_cache .venv-core build
