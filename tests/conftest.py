"""Shared fixtures: a fresh SQLite database, settings, and a loopback HTTP server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The suite runs the understand stage on its cheap route (lexical signals); tests that need MiniLM
# install it themselves (understand.configure), so most tests never load torch.
os.environ.setdefault("BROADSHEET_EMBEDDINGS", "off")

from httpserver import TestServer  # noqa: E402

from broadsheet.config import load_config  # noqa: E402
from broadsheet.store.db import open_database  # noqa: E402



@pytest.fixture
def config(tmp_path):
    """Settings for a test: data in tmp_path, loopback fetching allowed, quick timeouts."""
    return load_config(environ={}, data_dir=str(tmp_path), allow_private_addresses=True, fetch_timeout=3.0, per_host_delay=0.0, page_cache_seconds=0.0,
                       min_poll_interval=60)


@pytest.fixture
def engine(config):
    """A migrated SQLite database in a temporary folder."""
    engine = open_database(config.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def server():
    """A loopback HTTP server whose routes the test fills in."""
    with TestServer() as srv:
        yield srv
