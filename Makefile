# FitLens: `make run` opens the demo, `make test` runs the suite headless.
# Both set up on first use (a virtual environment in .venv, the project installed
# into it with its dev extra, Qt's system libraries checked).

# python3.11, else python3 (checked to be 3.11 below)
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3.11)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.fitlens-installed
# Qt's runtime needs these shared libraries on a bare Debian/Ubuntu.
APT_PACKAGES := libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
QT_LIBS := libGL.so.1 libEGL.so.1 libfontconfig.so.1 libxkbcommon.so.0 libdbus-1.so.3
# /sbin is not on a normal user's PATH on Debian
LDCONFIG := $(shell command -v ldconfig 2>/dev/null || echo /sbin/ldconfig)

.PHONY: setup run test bench lint contracts clean system-libs

setup: system-libs $(STAMP)

system-libs:
	@missing=""; for lib in $(QT_LIBS); do \
	  $(LDCONFIG) -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Qt system libraries (missing:$$missing)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null || exit 1; \
	  else \
	    echo "Qt needs system libraries that are missing:$$missing"; \
	    echo "run: sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "FitLens needs Python 3.11 ($(PYTHON) is not; set PYTHON=/path/to/python3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(PY) main.py --demo

test: setup contracts
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: setup
	@missed=""; for b in bench/bench_*.py; do echo "== $$b"; \
	  QT_QPA_PLATFORM=offscreen $(PY) $$b || missed="$$missed $$b"; echo; done; \
	if [ -n "$$missed" ]; then echo "targets missed in:$$missed"; exit 1; fi

lint: setup contracts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# the import contracts of .importlinter (layers gui > retrain > analysis; no Qt or
# TensorFlow where they do not belong), every import counted, also inside functions
contracts: setup
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
