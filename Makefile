# The two commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test torch

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

test: install-test
	$(BIN)/python -m pytest -q
