# Two commands a newcomer needs: `make dev` (serve the agent) and `make test`.
# Only python3 (3.11+) and make are required; everything else goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# `make dev` serves on PORT (refused if busy), or on 2024, or, if 2024 is taken, on the next free port
# (server/dev.py); `make serve` the same way (server/serve.py).
PORT   ?=
# The v2 event-streaming protocol's routes, off for `make dev` and `make serve`: langgraph-api 0.16.7
# drops langgraph.json's `http.disable_event_streaming`, and aegra reads only this. server/auth.py
# refuses every run the protocol starts anyway (docs/contract.md, "No run steers around the approval").
V2_OFF := FF_V2_EVENT_STREAMING=false
# Postgres tests use this server and skip (one line) when it is not reachable.
export DATABASE_URI ?= postgresql://postgres@127.0.0.1:5432/test

# aegra (a Postgres-backed Agent Protocol server) gets a venv of its own: its newest
# release needs Python 3.12; on 3.11 the last one that installs is 0.6.
# The first Python 3.12+ that runs (pyenv installs count even when not selected), else $(PYTHON).
AEGRA_PYTHON ?= $(or $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3; do $$p -c 'import sys; assert sys.version_info >= (3, 12)' \
	2>/dev/null && $$p -c 'import sys; print(sys.executable)' && break; done),$(PYTHON))
AEGRA_VENV   := .venv-aegra
AEGRA_STAMP  := $(AEGRA_VENV)/.installed
AEGRA_PKGS    = $(shell $(AEGRA_PYTHON) -c 'import sys; print("aegra-cli==0.11.0 aegra-api==0.11.0" if sys.version_info >= (3, 12) else "aegra-cli==0.6.0 aegra-api==0.6.0 greenlet")')
export AEGRA_BIN := $(CURDIR)/$(AEGRA_VENV)/bin/aegra

.PHONY: install aegra js dev serve test lint format typecheck unit integration demo bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is required, $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the template with its dev tools

$(AEGRA_STAMP): pyproject.toml
	$(AEGRA_PYTHON) -m venv $(AEGRA_VENV)
	$(AEGRA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AEGRA_VENV)/bin/python -m pip install --quiet -e . $(AEGRA_PKGS)
	@touch $(AEGRA_STAMP)

aegra: $(AEGRA_STAMP)  ## a venv with aegra and the template, for the multi-instance tests

dev: install  ## serve the agent on http://127.0.0.1:2024 (or PORT, or the next free port)
	@PORT="$(PORT)" $(V2_OFF) exec $(BIN)/python -m server.dev

# `make serve`: the crash-safe local server (aegra on PostgreSQL, runs queued in Redis).
SERVE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/agent
SERVE_REDIS_URL    ?= redis://127.0.0.1:6379/0

serve: install aegra  ## a local server that a kill -9 loses nothing on: aegra, PostgreSQL, Redis (graph agent_interrupt)
	@$(BIN)/python -m server.preflight
	@$(BIN)/python -m harness.postgres "$(SERVE_DATABASE_URL)"
	@PORT="$(PORT)" $(V2_OFF) DATABASE_URL="$(SERVE_DATABASE_URL)" REDIS_BROKER_ENABLED=true \
		REDIS_URL="$(SERVE_REDIS_URL)" exec $(BIN)/python -m server.serve $(AEGRA_BIN)

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

integration: install aegra
	$(BIN)/pytest tests/integration

JS_DIRS := client/js tests/js tests/e2e/axe
JS_DEPS := $(JS_DIRS:%=%/node_modules/.package-lock.json)

%/node_modules/.package-lock.json: %/package-lock.json
	@command -v npm >/dev/null || { echo "error: node and npm (node 20+) are needed for the JS tests"; exit 1; }
	npm ci --prefix $* --no-audit --no-fund --loglevel=error

js: $(JS_DEPS)  ## the JS client's, the React snippet's and axe-core (e2e), from their package-lock.json

test: lint typecheck aegra js  ## lint, type-check and run every test (offline)
	$(BIN)/pytest

bench: install  ## benchmarks: prints a table, writes bench/results.json (see BENCHMARKS.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(AEGRA_VENV) .langgraph_api .pytest_cache .mypy_cache .ruff_cache $(JS_DIRS:%=%/node_modules)
