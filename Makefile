# Two commands do all set-up on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILT := $(VENV)/.compiled
# what the installed package is built from (setup.py lists the compiled modules)
SOURCES := $(shell find calendars models streams -name '*.py' -o -name '*.yaml') \
	$(wildcard policies/*.yaml) setup.py pyproject.toml

.PHONY: demo test test-src lint bench clean build

# the dependencies (and a pure-Python copy of slawatch, replaced by the build below)
$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=68' wheel
	rm -rf build
	SLAWATCH_PURE_PYTHON=1 $(BIN)/pip install -q --no-build-isolation '.[dev]'
	touch $(STAMP)

# slawatch installed into the venv with its hot modules compiled by mypyc (setup.py), again
# whenever a source changed: offline, with the venv's mypy and the dependencies' types. The
# source tree never holds a compiled module.
$(BUILT): $(STAMP) $(SOURCES)
	rm -rf build  # setuptools' staging area: a deleted module must not survive in it
	$(BIN)/pip install -q --no-deps --no-build-isolation --force-reinstall .
	touch $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	$(BIN)/slawatch demo

# the tests run against the installed, compiled package (pytest --import-mode=append);
# `make test-src` runs them against the source tree instead (pure Python, no build)
test: $(BUILT)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-src: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BUILT)
	$(BIN)/python bench/bench_calendar.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build
