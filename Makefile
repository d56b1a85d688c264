# Dying ReLU, a course: build, test and run the book.
#
#   make book    build the HTML book into _build/html (every notebook executed, warnings are errors)
#   make test    everything: ruff, library tests, nbval and claims on every chapter, book build, browser tests
#   make matrix  every chapter and its claims under the other numeric profiles (avx2, baseline, threads2, seeds)
#   make lab     JupyterLab on your own copies of the chapters, in workspace/
#   make reset CHAPTER=03   fresh copy of one chapter in workspace/ (the old copy is kept, renamed)
#   make notebook NB=03     re-run a chapter notebook in place to refresh its committed outputs
#   make bench   print issue 7's performance figures (benchmarks/run.py; BENCH_ARGS="--torch-python ...")
#   make torch   add PyTorch (CPU build) to .venv for the dying_relu.torch tests (else they are skipped)
#   make clean   remove build outputs and caches (keeps .venv and workspace/)
#
# `make book` and `make test` do their own set-up on a fresh machine: create .venv, install
# requirements.txt and the library (editable), fetch the widget scripts from the npm registry.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory
.NOTPARALLEL:

# Progress bars (tqdm, via dying_relu.progress) are for live readers: keep them out of the book
# build, nbval and refreshed outputs. `make lab` switches them back on.
export DYING_RELU_QUIET ?= 1

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
VENV_STAMP := $(VENV)/.dying-relu-installed.stamp
WEB_STAMP := _webassets/vendor/.stamp
CHROMIUM := $(shell command -v chromium 2>/dev/null)
# JupyterLab refuses to run as root without --allow-root (containers, CI machines)
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv torch webassets book test lint unit nbval matrix browser bench lab reset notebook notebooks clean distclean

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------- set-up (internal)
# Re-run only when requirements.txt or pyproject.toml change.
$(VENV_STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || { echo ">>> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo ">>> installing requirements.txt and the dying_relu library (editable) into $(VENV)"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

# Widget scripts for the static book (require.js, @jupyter-widgets/html-manager), from npm.
$(WEB_STAMP): scripts/fetch_web_assets.sh scripts/web/widgets-config.js
	bash scripts/fetch_web_assets.sh

webassets: $(WEB_STAMP)

venv: $(VENV_STAMP) $(WEB_STAMP)

# Optional (Chapter 5): PyTorch for tests/test_torch_adapter.py, which are skipped, saying so,
# without it. Only this version: its CPU build is a local file here; others would pull CUDA.
TORCH_VERSION := 2.13.0
torch: venv
	@echo ">>> installing torch==$(TORCH_VERSION) (CPU build) into $(VENV)"
	@start=$$(date +%s); \
	$(PY) -m pip install --quiet --disable-pip-version-check "torch==$(TORCH_VERSION)"; \
	echo ">>> torch $$($(PY) -c 'import torch; print(torch.__version__)') installed in $$(( $$(date +%s) - start )) s"

# ---------------------------------------------------------------- the book
# --all: rebuild every page, so warnings from unchanged pages are not hidden by Sphinx's cache.
book: venv
	@echo ">>> building the book (every notebook executed; warnings are errors)"
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build . -W -n --keep-going --all; \
	echo ">>> book built in $$(( $$(date +%s) - start )) s: open _build/html/index.html"

# ---------------------------------------------------------------- tests
# Runs every step even if an earlier one fails (so one run reports everything), except that the
# browser tests need a fresh book: they do not run when the build fails. Exits non-zero if any failed.
test: venv
	@start=$$(date +%s); failed=""; \
	for step in lint unit nbval book; do \
	  t0=$$(date +%s); \
	  if $(MAKE) $$step; then echo ">>> $$step: ok ($$(( $$(date +%s) - t0 )) s)"; \
	  else echo ">>> $$step: FAILED"; failed="$$failed $$step"; fi; \
	done; \
	case "$$failed" in \
	  *book*) echo ">>> browser: NOT RUN (the book did not build)"; failed="$$failed browser";; \
	  *) t0=$$(date +%s); \
	     if $(MAKE) browser; then echo ">>> browser: ok ($$(( $$(date +%s) - t0 )) s)"; \
	     else echo ">>> browser: FAILED"; failed="$$failed browser"; fi;; \
	esac; \
	if [ -n "$$failed" ]; then \
	  echo ">>> make test: FAILED:$$failed ($$(( $$(date +%s) - start )) s)"; exit 1; fi; \
	echo ">>> make test: all passed in $$(( $$(date +%s) - start )) s"

lint: venv
	@echo ">>> ruff check ."
	$(BIN)/ruff check .

# pytest exits 5 when it collects no tests (no library tests or no chapters yet): not a failure.
unit: venv
	@echo ">>> library and notebook-hygiene tests: pytest tests/ (browser tests run after the build)"
	env -u DYING_RELU_SEED_OFFSET $(PY) -m pytest tests/ --ignore=tests/browser -q || [ $$? -eq 5 ]

# nbval with the claims strict (scripts/matrix.py): CPU-independent outputs are compared exactly,
# the rest (training runs, Monte Carlo estimates, timings) through the claims they back.
# The environment passes through unchanged, so `NPY_DISABLE_CPU_FEATURES=... make nbval` reruns a
# profile by hand. CHAPTERS=02,03 restricts it to some chapters.
CHAPTERS ?=
nbval: venv
	@echo ">>> nbval: every chapter re-run; outputs compared exactly where the CPU cannot change them, claims checked"
	$(PY) scripts/matrix.py --profiles native --chapters "$(CHAPTERS)"

# The numeric-profile matrix (not part of `make test`; .ci/run calls both): every chapter and its
# claims under AVX2 and x86-64-v2 kernels, two BLAS threads, and shifted seeds.
MATRIX_PROFILES ?= avx2,baseline,threads2,seeds
matrix: venv
	@echo ">>> numeric-profile matrix: $(MATRIX_PROFILES)"
	$(PY) scripts/matrix.py --profiles "$(MATRIX_PROFILES)" --chapters "$(CHAPTERS)"

# Needs the built book (make book). Skips, saying why, when Debian's chromium is missing.
define NO_CHROMIUM_BANNER

************************************************************************
*  BROWSER TESTS SKIPPED: 'chromium' is not installed (not on PATH).    *
*  Install Debian's chromium to run them: apt-get install -y chromium   *
************************************************************************

endef
export NO_CHROMIUM_BANNER

browser: venv
	@if [ -z "$(CHROMIUM)" ]; then echo "$$NO_CHROMIUM_BANNER"; fi
	@echo ">>> browser tests over _build/html (screenshots in _build/screenshots/)"
	@status=0; $(PY) -m pytest tests/browser -q -rs -p no:cacheprovider || status=$$?; \
	if [ -z "$(CHROMIUM)" ]; then echo "$$NO_CHROMIUM_BANNER"; fi; \
	exit $$status

# ---------------------------------------------------------------- benchmarks (not part of make test)
# Timings depend on the machine and its load; benchmarks/README.md records the latest figures.
BENCH_ARGS ?=
bench: venv
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# ---------------------------------------------------------------- live use
lab: venv
	@mkdir -p workspace
	@for nb in chapters/*.ipynb; do \
	  [ -e "$$nb" ] || continue; \
	  dest="workspace/$$(basename "$$nb")"; \
	  if [ -e "$$dest" ]; then echo "keeping your copy $$dest"; \
	  else cp "$$nb" "$$dest"; echo "copied $$nb -> $$dest"; fi; \
	done
	cd workspace && DYING_RELU_QUIET=0 ../$(BIN)/jupyter lab $(LAB_ARGS)

# make reset CHAPTER=03 (any unique start of a file name in chapters/)
reset:
	@if [ -z "$(CHAPTER)" ]; then echo "usage: make reset CHAPTER=03" >&2; exit 2; fi
	@shopt -s nullglob; matches=(chapters/$(CHAPTER)*.ipynb); \
	if [ $${#matches[@]} -ne 1 ]; then \
	  echo "CHAPTER=$(CHAPTER) must match exactly one chapters/*.ipynb (found: $${matches[*]:-none})" >&2; exit 2; fi; \
	src="$${matches[0]}"; name="$$(basename "$$src" .ipynb)"; dest="workspace/$$name.ipynb"; \
	mkdir -p workspace; \
	if [ -e "$$dest" ]; then \
	  stamp="$$(date +%Y%m%d-%H%M%S)"; backup="workspace/$$name.bak-$$stamp.ipynb"; n=1; \
	  while [ -e "$$backup" ]; do backup="workspace/$$name.bak-$$stamp-$$n.ipynb"; n=$$((n + 1)); done; \
	  mv "$$dest" "$$backup"; echo "your old copy is kept as $$backup"; \
	fi; \
	cp "$$src" "$$dest"; echo "fresh copy: $$dest"

# make notebook NB=03 (or NB=chapters/03_dead_neurons.ipynb); make notebooks re-runs them all
notebook: venv
	@if [ -z "$(NB)" ]; then echo "usage: make notebook NB=03" >&2; exit 2; fi
	$(PY) scripts/run_notebook.py $(NB)

notebooks: venv
	$(PY) scripts/run_notebook.py --all

# ---------------------------------------------------------------- cleaning
clean:
	rm -rf _build _webassets .pytest_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./workspace -prune -o \
	  \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

# also removes the virtual environment (never workspace/: that is your work)
distclean: clean
	rm -rf $(VENV) lib/*.egg-info
