"""Shared fixtures: a fresh database, settings, and a loopback HTTP server.

The database is SQLite in the test's folder, or, with BROADSHEET_TEST_DATABASE=postgresql, a new
PostgreSQL database per test, copied from one migrated template made once per session (a copy
takes a fraction of a second; migrating takes seconds)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The suite runs the understand stage on its cheap route (lexical signals); tests that need MiniLM
# install it themselves (understand.configure), so most tests never load torch.
os.environ.setdefault("BROADSHEET_EMBEDDINGS", "off")

import evaluation
from databases import postgres_database, template_copy
from httpserver import TestServer

from broadsheet.config import load_config
from broadsheet.store.db import open_database

TEST_DATABASE = os.environ.get("BROADSHEET_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"BROADSHEET_TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}")


def pytest_report_header() -> str:
    """Say which database the suite's fixtures use."""
    return f"broadsheet test database: {TEST_DATABASE}"


def pytest_terminal_summary(terminalreporter) -> None:
    """Every evaluation figure this run measured (tests/evaluation.toml holds the baseline)."""
    lines = evaluation.report()
    if lines:
        terminalreporter.section("evaluation figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def database_template():
    """PostgreSQL runs only: one migrated database that every test's database is copied from."""
    if TEST_DATABASE != "postgresql":
        yield None
        return
    with postgres_database() as url:
        open_database(url).dispose()
        yield url


@pytest.fixture
def database_url(database_template):
    """The test's own database URL (None: SQLite in the test's data folder)."""
    if database_template is None:
        yield None
        return
    with template_copy(database_template) as url:
        yield url


@pytest.fixture
def config(tmp_path, database_url):
    """Settings for a test: data in tmp_path, loopback fetching allowed, quick timeouts."""
    return load_config(
        environ={},
        data_dir=str(tmp_path),
        database_url=database_url,
        allow_private_addresses=True,
        fetch_timeout=3.0,
        per_host_delay=0.0,
        page_cache_seconds=0.0,
        min_poll_interval=60,
    )


@pytest.fixture
def engine(config):
    """A migrated database: SQLite in a temporary folder, or a fresh PostgreSQL database."""
    engine = open_database(config.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def server():
    """A loopback HTTP server whose routes the test fills in."""
    with TestServer() as srv:
        yield srv


@pytest.fixture
def ahead_items(monkeypatch) -> list[list[str]]:
    """The ids of the articles each entity thread was started on."""
    from broadsheet.pipeline import enrich

    started: list[list[str]] = []
    real = enrich.EntitiesAhead

    def noting(items):
        started.append(sorted(a.id for a in items))
        return real(items)

    monkeypatch.setattr(enrich, "EntitiesAhead", noting)
    return started
