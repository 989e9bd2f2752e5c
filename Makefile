# microfunnel: every target bootstraps its own environment (uv in .uv/ if absent, the project in .venv/).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.uv/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DLT_PROJECT_DIR ?= $(CURDIR)/ingestion
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: import-graph setup demo test test-fast dev bench lint lint-sql format clean

$(CURDIR)/.uv/bin/uv:
	@echo "uv not found: installing uv $(UV_VERSION) into .uv/ with pip"
	@$(PYTHON) -m venv .uv && .uv/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode: imports read .pyc files even where PYTHONDONTWRITEBYTECODE is set (this machine:
# dlt, dbt and Dagster compiled from source at every start, 3.7 s of imports instead of 1.9 s).
$(VENV)/.synced: pyproject.toml uv.lock Makefile | $(UV)
	@$(UV) sync --frozen --extra spark --python $(PYTHON) --quiet --compile-bytecode
	@touch $@

setup: $(VENV)/.synced
	@mkdir -p $(DAGSTER_HOME) data

demo: setup  ## simulate the sandbox world, serve its APIs, run the whole graph, print a summary
	@$(BIN)/microfunnel demo

test: setup  ## the whole suite (offline), two workers, the 25 slowest tests listed at the end (817 tests: 16-45 min on the 2-core sandbox machine, quiet or busy, 2026-12-07; 18-22 min with the longest groups first)
	@$(BIN)/pytest -q -n 2 --durations=25

test-fast: setup  ## the pure tests only (no dbt, dlt loads, Dagster runs or HTTP servers): well under a minute
	@$(BIN)/pytest -q -m "not slow"

dev: setup  ## the Dagster UI on http://127.0.0.1:3000 with the graph loaded
	@$(BIN)/microfunnel dev

bench: setup  ## slow scale runs, with ratios against a baseline run side by side
	@$(BIN)/python -m bench $(BENCH)

lint: setup  ## ruff, import contracts, sqlfluff on the dbt SQL (the pre-commit hooks, on every file)
	@$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports
	@$(MAKE) --no-print-directory lint-sql

lint-sql: setup  ## sqlfluff (dbt templater) on models and data tests, macros as they expand; dbt_project/.sqlfluff
	@cd dbt_project && WAREHOUSE_PATH=$${SQLFLUFF_WAREHOUSE:-$$(mktemp -d)/lint.duckdb} \
		$(BIN)/sqlfluff lint --processes 1 models data-tests

format: setup
	@$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf data .dagster_home dbt_project/target dbt_project/logs .pytest_cache

import-graph: setup  ## the arrows between the layers, counted (the rules: [tool.importlinter] in pyproject.toml)
	@$(BIN)/python -m tests.support.import_graph
