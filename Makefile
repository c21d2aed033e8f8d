# The two commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-postgresql install install-test install-lint lint format torch fuzz

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

install-lint: torch
	$(BIN)/pip install -q -e '.[test,lint]'

# The guardrails CI runs before the tests: lint and format (ruff), types (mypy), layers (import-linter).
LINTED := broadsheet tests bench fuzz
lint: install-lint
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-lint
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

demo: install
	$(BIN)/broadsheet demo

# The suite's database follows BROADSHEET_TEST_DATABASE: sqlite (default) or postgresql (127.0.0.1:5432,
# user postgres, database `test`; each test gets a fresh database copied from a migrated template).
test: install-test
	$(BIN)/python -m pytest -q

test-postgresql:
	BROADSHEET_TEST_DATABASE=postgresql $(MAKE) test

# Coverage-guided fuzzing (atheris): each target runs FUZZ_RUNS executions or FUZZ_SECONDS, whichever
# ends first; new inputs are kept in .fuzz/, seeds are read from ../shared/data when it is there.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 1800
FEED_SEEDS := $(wildcard ../shared/data/feeds)
PAGE_SEEDS := $(wildcard ../shared/data/extraction/readability-pages)

fuzz: install-test
	$(BIN)/pip install -q -e '.[fuzz]'
	mkdir -p .fuzz/feeds .fuzz/extract
	$(BIN)/python fuzz/fuzz_feeds.py .fuzz/feeds $(FEED_SEEDS) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -artifact_prefix=.fuzz/
	$(BIN)/python fuzz/fuzz_extract.py .fuzz/extract $(PAGE_SEEDS) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -artifact_prefix=.fuzz/
