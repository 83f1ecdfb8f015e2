# Two commands a newcomer needs: `make dev` (serve the agent) and `make test`.
# Only python3 (3.11+) and make are required; everything else goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 2024
# Postgres tests use this server and skip (one line) when it is not reachable.
export DATABASE_URI ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install dev test lint format typecheck unit integration demo bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is required, $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the template with its dev tools

dev: install  ## serve the agent on http://127.0.0.1:$(PORT) (PORT=8123 make dev if 2024 is taken)
	$(BIN)/langgraph dev --no-browser --port $(PORT)

demo: install  ## against a running `make dev`: the whole approval story
	$(BIN)/python -m client demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit

integration: install
	$(BIN)/pytest tests/integration

test: lint typecheck  ## lint, type-check and run every test (offline)
	$(BIN)/pytest

bench: install  ## benchmarks: prints a table, writes bench/results.json (see BENCHMARKS.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .langgraph_api .pytest_cache .mypy_cache .ruff_cache
