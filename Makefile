# The first Python 3.11 or newer on the PATH (pyproject.toml allows them); PYTHON=...
# chooses another.
PYTHON ?= $(shell for candidate in python3 python3.14 python3.13 python3.12 python3.11; do \
	command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$candidate; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Exact versions of every dependency (time zone data included: it decides deadlines).
LOCK := requirements.lock

.PHONY: run test check bench bench-kill bench-steps bench-text lint typecheck record-histories clean lock

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "no Python 3.11 or newer found: install one, or set PYTHON=/path/to/python3"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	@touch $@

$(TEST_STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $(STAMP) $@

## lock: resolve pyproject.toml's dependencies afresh (newest releases) into requirements.lock
lock:
	@test -n "$(PYTHON)" || { echo "no Python 3.11 or newer found"; exit 1; }
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	{ sed -n '1,3p' $(LOCK); .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK) && rm -rf .lock-venv

## run: Temporal dev server (Web UI :8233), worker and API (:8000), in the foreground, on
## policies/360dialog.toml (a real contract; SLA_POLICY_FILE=... make run names another)
run: $(STAMP)
	SLA_POLICY_FILE="$${SLA_POLICY_FILE:-policies/360dialog.toml}" $(BIN)/python -m stack

## test: lint, type-check and the whole test suite
test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

## check: lint, type-check and the pure tests (no Temporal, no database server, no browser:
## tests/sla, tests/intake, tests/reports and the modules marked pure). pytest exits 5 when
## the marker selects no test, which fails the target too.
check: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -m pure -q

## record-histories: rewrite tests/histories (only for a deliberate, patched workflow change)
record-histories: $(TEST_STAMP)
	RECORD_HISTORIES=1 $(BIN)/pytest tests/workflows/test_replay.py tests/workflows/test_continue_as_new.py tests/e2e/test_tickets_api.py tests/e2e/test_duplicate_history.py -k "fresh_history_replays or life_cycle or duplicate_ticket_history or stuck_in_delivery"

## bench: the stack as users run it, measured against raw Temporal, then the text work on
## adversarial input (bench-text, with its defaults); writes BENCHMARKS.md
bench: $(TEST_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.text_work

## bench-kill: escalation lateness when the worker is killed mid-send; adds to BENCHMARKS.md
bench-kill: $(TEST_STAMP)
	$(BIN)/python -m bench.worker_kill $(BENCH_ARGS)

## bench-steps: the history events each step of a ticket's life adds; adds to BENCHMARKS.md
bench-steps: $(TEST_STAMP)
	$(BIN)/python -m bench.steps

## bench-text: masking and duplicate matching of 100 KB built to backtrack, and /health
## latency while the API takes such requests; adds to BENCHMARKS.md
bench-text: $(TEST_STAMP)
	$(BIN)/python -m bench.text_work $(BENCH_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
