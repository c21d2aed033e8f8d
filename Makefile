# The two commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-postgresql install install-test torch

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned: the CPU build lies on this machine's disk; left to resolve on its own,
# pip would fetch a multi-GB CUDA build for sentence-transformers.
torch: $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0

install: torch
	$(BIN)/pip install -q -e .

install-test: torch
	$(BIN)/pip install -q -e '.[test]'

demo: install
	$(BIN)/broadsheet demo

# The suite's database follows BROADSHEET_TEST_DATABASE: sqlite (default) or postgresql (127.0.0.1:5432,
# user postgres, database `test`; each test gets a fresh database copied from a migrated template).
test: install-test
	$(BIN)/python -m pytest -q

test-postgresql:
	BROADSHEET_TEST_DATABASE=postgresql $(MAKE) test
