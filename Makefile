# Dying ReLU, a course: build, test and run the book.
#
#   make book    build the HTML book into _build/html (every notebook executed, warnings are errors)
#   make pdf     the print edition, _build/dying-relu-course.pdf (LaTeX/xelatex; checked with pdftotext)
#   make test    everything: ruff, library tests, book build, outputs and claims of every chapter, browser tests
#   make nbval   every chapter re-run under nbval (outputs compared where the CPU cannot change them) and its claims
#   make matrix  every chapter and its claims under the other numeric profiles (avx2, baseline, threads2, seeds)
#   make lab     JupyterLab on your own copies of the chapters, in workspace/
#   make reset CHAPTER=3    fresh copy of one chapter in workspace/ (3, 03 or a name start; old copy kept)
#   make notebook NB=03     re-run a chapter notebook in place to refresh its committed outputs
#   make bench   print issue 7's performance figures (benchmarks/run.py; BENCH_ARGS="--torch-python ...")
#   make torch   add PyTorch (CPU build) to .venv for the dying_relu.torch tests (else they are skipped)
#   make clean   remove build outputs and caches (keeps .venv and workspace/)
#
# `make book` and `make test` do their own set-up on a fresh machine: create .venv, install
# requirements.txt and the library (editable), fetch the widget scripts and the browser tests'
# axe-core from the npm registry. `make pdf` also needs Debian's TeX packages ($(TEX_PACKAGES)
# below; .ci/run installs them).

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
TEST_STAMP := _testassets/.stamp
# Debian packages for `make pdf` (about 150 MB to download). Not texlive-fonts-extra (1.4 GB): the
# one package the LaTeX class wants from it, bbm, is replaced by assets/latex/bbm.sty.
TEX_PACKAGES := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex \
  latexmk fonts-freefont-otf xindy texlive-plain-generic poppler-utils
PDF := _build/dying-relu-course.pdf
CHROMIUM := $(shell command -v chromium 2>/dev/null)
# JupyterLab refuses to run as root without --allow-root (containers, CI machines)
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv torch webassets testassets book pdf print-tex-packages test lint unit nbval outputs matrix browser labtest bench lab reset notebook notebooks clean distclean

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'

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

# axe-core for the browser tests' accessibility check, from npm (injected by Playwright, never
# served by the book).
$(TEST_STAMP): scripts/fetch_test_assets.sh
	bash scripts/fetch_test_assets.sh

testassets: $(TEST_STAMP)

venv: $(VENV_STAMP) $(WEB_STAMP) $(TEST_STAMP)

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
# The claims each chapter checks are recorded in _build/claims/book (a failed claim does not stop
# the build; `make outputs` fails on it).
BOOK_CLAIMS := _build/claims/book
book: venv
	@echo ">>> building the book (every notebook executed; warnings are errors)"
	@rm -rf $(BOOK_CLAIMS); start=$$(date +%s); \
	DYING_RELU_CLAIMS_REPORT=$(CURDIR)/$(BOOK_CLAIMS) $(BIN)/jupyter-book build . -W -n --keep-going --all; \
	echo ">>> book built in $$(( $$(date +%s) - start )) s: open _build/html/index.html"

# The print edition. LaTeX is built from the notebooks as `make book` last executed them
# (_build/jupyter_execute/), so the PDF shows the same numbers as the HTML book and no notebook runs
# twice; when those are missing or older than a chapter, the library or the configuration,
# `make book` runs first. Then scripts/check_pdf.py reads the PDF back with pdftotext (and the LaTeX
# log, for claims-table cells wider than their columns).
pdf: venv
	@for tool in xelatex latexmk pdftotext; do command -v $$tool >/dev/null || { \
	  echo "ERROR: '$$tool' not found. The print edition needs Debian's TeX packages:" >&2; \
	  echo "       apt-get install -y $(TEX_PACKAGES)" >&2; exit 1; }; done
	@$(PY) scripts/build_pdf.py --fresh || $(MAKE) book
	@start=$$(date +%s); \
	$(PY) scripts/build_pdf.py --out $(PDF); \
	echo ">>> PDF built in $$(( $$(date +%s) - start )) s: $(PDF)"
	$(PY) scripts/check_pdf.py $(PDF)

print-tex-packages:
	@echo $(TEX_PACKAGES)

# ---------------------------------------------------------------- tests
# Runs every step even if an earlier one fails (so one run reports everything), except that the
# browser tests need a fresh book: they do not run when the build fails. Exits non-zero if any failed.
# nbval's comparison runs over the notebooks the book build executed (`make outputs`), so every
# chapter is executed once; `make nbval` runs nbval with its own kernel.
test: venv
	@start=$$(date +%s); failed=""; \
	for step in lint unit labtest book; do \
	  t0=$$(date +%s); \
	  if $(MAKE) $$step; then echo ">>> $$step: ok ($$(( $$(date +%s) - t0 )) s)"; \
	  else echo ">>> $$step: FAILED"; failed="$$failed $$step"; fi; \
	done; \
	case "$$failed" in \
	  *book*) echo ">>> outputs, browser: NOT RUN (the book did not build)"; failed="$$failed outputs browser";; \
	  *) for step in outputs browser; do \
	       t0=$$(date +%s); \
	       if $(MAKE) $$step; then echo ">>> $$step: ok ($$(( $$(date +%s) - t0 )) s)"; \
	       else echo ">>> $$step: FAILED"; failed="$$failed $$step"; fi; \
	     done;; \
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
	env -u DYING_RELU_SEED_OFFSET $(PY) -m pytest tests/ --ignore=tests/browser --ignore=tests/lab -q || [ $$? -eq 5 ]

# nbval with the claims strict (scripts/matrix.py): CPU-independent outputs are compared exactly,
# the rest (training runs, Monte Carlo estimates, timings) through the claims they back.
# The environment passes through unchanged, so `NPY_DISABLE_CPU_FEATURES=... make nbval` reruns a
# profile by hand. CHAPTERS=02,03 restricts it to some chapters.
CHAPTERS ?=
nbval: venv
	@echo ">>> nbval: every chapter re-run; outputs compared exactly where the CPU cannot change them, claims checked"
	$(PY) scripts/matrix.py --profiles native --chapters "$(CHAPTERS)"

# After `make book`: nbval's comparison of the committed outputs with the executed copies the build
# kept (tests/nbreplay.py), then the claims the build recorded: all must hold.
outputs: venv
	@echo ">>> outputs: committed vs freshly executed (nbval's rules, no second execution), and the claims"
	$(PY) -m pytest -p tests.nbreplay --nbreplay=_build/jupyter_execute \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -q -p no:cacheprovider chapters/
	$(PY) scripts/matrix.py --check-reports $(BOOK_CLAIMS)

# The numeric-profile matrix (not part of `make test`; .ci/run calls both): every chapter and its
# claims under AVX2 and x86-64-v2 kernels, two BLAS threads, and shifted seeds.
MATRIX_PROFILES ?= avx2,baseline,threads2,seeds
# two profiles at once on a 2-core machine (threads2 always runs alone)
MATRIX_JOBS ?= 2
matrix: venv
	@echo ">>> numeric-profile matrix: $(MATRIX_PROFILES)"
	$(PY) scripts/matrix.py --profiles "$(MATRIX_PROFILES)" --chapters "$(CHAPTERS)" --jobs $(MATRIX_JOBS)

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

# A real JupyterLab in headless Chromium (tests/lab): the live fixture, chapter 1's pending list,
# and a mini-book built from the fixture; chapter 1 is run whole (Run All, its live explorer, the
# dead-neuron lab; LAB_FULL=0 skips the Run All). Skips without chromium (fails with REQUIRE_BROWSER=1).
labtest: venv
	@if [ -z "$(CHROMIUM)" ]; then echo "$$NO_CHROMIUM_BANNER"; fi
	LAB_FULL=$${LAB_FULL:-1} $(PY) -m pytest tests/lab -q -rs -p no:cacheprovider

# ---------------------------------------------------------------- benchmarks (not part of make test)
# Timings depend on the machine and its load; benchmarks/README.md records the latest figures.
BENCH_ARGS ?=
bench: venv
	$(PY) benchmarks/run.py $(BENCH_ARGS)

# ---------------------------------------------------------------- live use
lab: venv
	@$(PY) scripts/workspace.py prepare
	cd workspace && DYING_RELU_QUIET=0 DYING_RELU_LIVE=1 JUPYTERLAB_SETTINGS_DIR=.jupyterlab-settings \
	  ../$(BIN)/jupyter lab --LabApp.extension_manager=readonly $(LAB_ARGS)

# make reset CHAPTER=3 (or 03, 03_dead, dead_neurons: one chapter); refuses while the chapter is
# open in a running JupyterLab (close its tab first)
reset: venv
	@if [ -z "$(CHAPTER)" ]; then echo "usage: make reset CHAPTER=3   (close the chapter's tab in JupyterLab first)" >&2; exit 2; fi
	@$(PY) scripts/workspace.py reset "$(CHAPTER)"

# make notebook NB=03 (or NB=chapters/03_dead_neurons.ipynb); make notebooks re-runs them all
notebook: venv
	@if [ -z "$(NB)" ]; then echo "usage: make notebook NB=03" >&2; exit 2; fi
	$(PY) scripts/run_notebook.py $(NB)

notebooks: venv
	$(PY) scripts/run_notebook.py --all

# ---------------------------------------------------------------- cleaning
clean:
	rm -rf _build _webassets _testassets .pytest_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./workspace -prune -o \
	  \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

# also removes the virtual environment (never workspace/: that is your work)
distclean: clean
	rm -rf $(VENV) lib/*.egg-info
