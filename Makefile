# PerfGate's two commands:  `make suites` runs every suite, `make test` runs the tests.
# Both create .venv with everything needed on first use; only Python 3.10+ and make are required.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RESULTS ?= results
PROCESSES ?= 2
# Durations in the suites are multiplied by this; 1 runs them at full length.
PERF_TIME_SCALE ?= 0.05
ROBOT_ARGS ?=

export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: suites nightly soak test lint pytest atest smoke docs install node-fixtures memory-real clean

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The Node test fixtures' npm packages (the `ws` and `socket.io` servers of tests/wsload), exactly as locked;
# needs node and npm (.ci/run installs them).
NODE_WS := tests/fixtures/node-ws
NODE_SIO := tests/fixtures/node-socketio
node-fixtures: $(NODE_WS)/node_modules/.package-lock.json $(NODE_SIO)/node_modules/.package-lock.json

$(NODE_WS)/node_modules/.package-lock.json: $(NODE_WS)/package-lock.json
	cd $(NODE_WS) && npm ci --no-audit --no-fund

$(NODE_SIO)/node_modules/.package-lock.json: $(NODE_SIO)/package-lock.json
	cd $(NODE_SIO) && npm ci --no-audit --no-fund

suites: install
	$(BIN)/pabot --processes $(PROCESSES) --pabotlibport 0 --outputdir $(RESULTS) --xunit xunit.xml \
	  --variable PERF_TIME_SCALE:$(PERF_TIME_SCALE) --exclude soakORstress $(ROBOT_ARGS) suites

nightly: install
	$(BIN)/pabot --processes $(PROCESSES) --pabotlibport 0 --outputdir $(RESULTS) --xunit xunit.xml \
	  --variable PERF_TIME_SCALE:1 --include nightly $(ROBOT_ARGS) suites

soak: install
	$(BIN)/pabot --processes $(PROCESSES) --pabotlibport 0 --outputdir $(RESULTS) --xunit xunit.xml \
	  --variable PERF_TIME_SCALE:1 --include soak $(ROBOT_ARGS) suites

test: install lint pytest atest smoke

lint: install
	$(BIN)/ruff check libraries tests atest benchmarks resources baselines
	$(BIN)/ruff format --check libraries tests atest benchmarks resources baselines
	$(BIN)/mypy
	$(BIN)/robocop check suites resources
	$(BIN)/robotidy --check suites resources
	# Acceptance tests quote whole error messages and walk through flows step by step.
	$(BIN)/robocop check --ignore DOC02 --ignore LEN06 --ignore LEN08 atest

pytest: install node-fixtures
	$(BIN)/pytest -q

atest: install node-fixtures
	$(BIN)/robot --outputdir $(RESULTS)/atest --xunit xunit.xml $(ROBOT_ARGS) atest

# Leak verdicts on a real Node gateway over 1 to 10 minutes, the slow ones included (~35 min).
memory-real: install
	$(BIN)/pytest -q -s -m 'slow or not slow' --timeout 900 tests/memory/test_node_gateway.py

smoke: install
	$(MAKE) --no-print-directory suites RESULTS=$(RESULTS)/smoke ROBOT_ARGS="--include smoke"

docs: install
	for lib in GatewayLibrary LoadLibrary MemoryLibrary BaselineLibrary; do $(BIN)/libdoc --pythonpath libraries $$lib docs/$$lib.html; done
	$(BIN)/libdoc --pythonpath libraries resources/suite.resource docs/suite.html

clean:
	rm -rf $(VENV) $(RESULTS)/*
