# Two commands for a new machine: `make run` and `make test`. Nothing else is needed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check lint imports typecheck unit lock demo clean chromium pdfsig softhsm axe bench

run: $(VENV)/.run-installed
	$(BIN)/thidua up

# Two workers (pytest-xdist): a file whose tests share a system (a fixture of module scope) goes whole to one worker,
# every other test on its own (`--dist loadscope` as tests/scheduling.py defines the scope); the longest first, in the
# order tests/conftest.py gives, not xdist's own (most tests first). The slowest tests are listed at the end.
# HYPOTHESIS_PROFILE=thorough make test: the property tests and the API fuzz try many more examples.
test: $(VENV)/.test-installed lint imports typecheck chromium pdfsig softhsm axe
	$(BIN)/pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=15

# The fast loop: lint, import layers, types, and the tests that need nothing running. No unit test uses the
# Schemathesis or AnyIO pytest plugins: left out, each process starts without importing (and rewriting) them.
check: $(VENV)/.test-installed lint imports typecheck pdfsig
	$(BIN)/pytest -n 2 -q -p no:schemathesis -p no:anyio tests/unit

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

imports: $(VENV)/.test-installed
	$(BIN)/lint-imports

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

unit: $(VENV)/.test-installed pdfsig
	$(BIN)/pytest tests/unit

demo: $(VENV)/.run-installed
	$(BIN)/thidua demo

# Issue 20's table, every row beside its baselines (bench/suite.py; about half an hour on two cores, needs PostgreSQL on
# 127.0.0.1:5432): not part of `make test`. BENCH_ARGS=--quick for a few minutes, e.g. `make bench BENCH_ARGS=--quick`.
bench: $(VENV)/.run-installed
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.run-installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.run-installed

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium package for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; \
	  else sudo apt-get install -y -q chromium || { sudo apt-get update -q && sudo apt-get install -y -q chromium; }; fi; }

# The browser tests check every console page with axe-core, the npm package pinned (with its integrity) in
# package-lock.json: `npm ci` installs exactly that into node_modules/, which only the tests read.
axe: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's npm package for the browser tests' axe-core"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q npm || { apt-get update -q && apt-get install -y -q npm; }; \
	  else sudo apt-get install -y -q npm || { sudo apt-get update -q && sudo apt-get install -y -q npm; }; fi; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# The signature tests check signed documents with poppler's pdfsig too (Debian's poppler-utils package).
pdfsig:
	@command -v pdfsig >/dev/null || { \
	  echo "Installing Debian's poppler-utils package (pdfsig) for the signature tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q poppler-utils || { apt-get update -q && apt-get install -y -q poppler-utils; }; \
	  else sudo apt-get install -y -q poppler-utils || { sudo apt-get update -q && sudo apt-get install -y -q poppler-utils; }; fi; }

# The token tests sign through a software PKCS#11 token (Debian's softhsm2: softhsm2-util and libsofthsm2.so).
softhsm:
	@command -v softhsm2-util >/dev/null || { \
	  echo "Installing Debian's softhsm2 package for the PKCS#11 token tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q softhsm2 || { apt-get update -q && apt-get install -y -q softhsm2; }; \
	  else sudo apt-get install -y -q softhsm2 || { sudo apt-get update -q && sudo apt-get install -y -q softhsm2; }; fi; }

# Re-pin after changing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules
