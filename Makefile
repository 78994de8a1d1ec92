# Two commands do all set-up on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILT := $(VENV)/.compiled
# the modules setup.py compiles with mypyc: models/_native.py NATIVE (a test checks the two)
NATIVE_SRC := calendars/days.py calendars/timeline.py calendars/calendar.py models/plan.py \
	models/ids.py streams/engine/state.py streams/engine/targets.py streams/engine/facts.py \
	streams/engine/signal.py streams/engine/timers.py streams/engine/rules.py \
	streams/engine/accounting.py streams/engine/rungs.py streams/engine/records.py \
	streams/engine/engine.py \
	streams/availability/downtime.py streams/availability/maintenance.py \
	streams/availability/engine.py streams/engine/processor.py streams/replay.py

.PHONY: demo test lint bench clean build

# the dependencies (the project itself installed as plain sources first)
$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'setuptools>=68' wheel
	SLAWATCH_PURE_PYTHON=1 $(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# the hot modules compiled with mypyc (setup.py), again whenever one of their sources
# changed: offline, with the venv's mypy and the dependencies' types
$(BUILT): $(STAMP) $(NATIVE_SRC) models/_native.py
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	$(BIN)/slawatch demo

test: $(BUILT)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BUILT)
	$(BIN)/python bench/bench_calendar.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build
	find . -name '*.so' -not -path './.venv/*' -delete
