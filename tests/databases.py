"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database made from the `test` one."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("BROADSHEET_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class Unavailable(Exception):
    """The database server this test wants cannot be reached."""


def postgres_reachable() -> bool:
    """Whether the PostgreSQL of this machine answers."""
    try:
        engine = create_engine(ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database, empty or a copy of a template database (dropped afterwards); its URL."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"broadsheet_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except Exception as exc:
        admin.dispose()
        raise Unavailable(f"PostgreSQL not reachable at {ADMIN_URL}: {exc.__class__.__name__}") from exc
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def template_copy(template_url: str) -> Iterator[str]:
    """A new database copied from the (idle) database at template_url; its URL."""
    with postgres_database(template=template_url.rsplit("/", 1)[1]) as url:
        yield url


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new database of this kind ("sqlite" or "postgresql")."""
    if kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
