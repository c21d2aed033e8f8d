"""Opening procrastinate on the site's PostgreSQL: which engine is configured, the connection
string, the job tables, and a transaction-scoped lock for writes that must not interleave.

Jobs live in the same database as the rows they concern, so a job is enqueued in the very
transaction that writes its rows (`tasks.defer`): either both are committed or neither is.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, make_url, text

from broadsheet.config import Config
from broadsheet.errors import ConfigError
from broadsheet.store.db import POSTGRES_EXTRA

if TYPE_CHECKING:
    import procrastinate

ENGINES = ("embedded", "procrastinate")
SCHEMA_LOCK = 0x62_73_6A_6F  # advisory lock id: one process at a time installs the job tables


def job_engine(config: Config) -> str:
    """The configured job engine, checked against the database it needs."""
    name = config.job_engine  # one of the setting's choices (config.py checks it)
    if name == "procrastinate" and not is_postgresql(config.resolved_database_url):
        raise ConfigError(
            "config: job_engine procrastinate keeps its jobs in PostgreSQL; "
            "set database_url to a postgresql:// URL or use job_engine embedded"
        )
    if name == "procrastinate":
        _require_postgres_extra()
    return name


def require_job_engine(config: Config) -> None:
    """For `broadsheet worker`: a job engine must be configured (and installed)."""
    if job_engine(config) != "procrastinate":
        raise ConfigError(
            'worker: no job engine is configured; set job_engine = "procrastinate" '
            "(with a PostgreSQL database_url), or use `broadsheet serve` / `refresh`"
        )


def _require_postgres_extra() -> None:
    """PostgreSQL's driver and the job engine are an extra: SQLite users do not install them."""
    for name in ("psycopg", "procrastinate"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise ConfigError(f"config: job_engine procrastinate needs {name}; {POSTGRES_EXTRA}") from exc


def is_postgresql(url: str) -> bool:
    """Whether a database URL points at PostgreSQL."""
    return make_url(url).get_backend_name() == "postgresql"


def conninfo(url: str) -> str:
    """A libpq connection string for an SQLAlchemy PostgreSQL URL (any driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(config: Config, **pool_args: Any) -> procrastinate.App:
    """A procrastinate app on the configured PostgreSQL (tasks are registered by the caller)."""
    import procrastinate

    connector = procrastinate.PsycopgConnector(conninfo=conninfo(config.resolved_database_url), **pool_args)
    return procrastinate.App(connector=connector)


def ensure_schema(config: Config) -> None:
    """Install procrastinate's tables once; concurrent first starts wait for each other."""
    import procrastinate
    import psycopg

    with psycopg.connect(conninfo(config.resolved_database_url), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone() == (None,):
                app = procrastinate.App(
                    connector=procrastinate.SyncPsycopgConnector(
                        conninfo=conninfo(config.resolved_database_url), min_size=1, max_size=1
                    )
                )
                with app.open():
                    app.schema_manager.apply_schema()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


def advisory_xact_lock(conn: Connection, key: str) -> None:
    """Hold a PostgreSQL lock named by `key` until the transaction ends (serialises one kind of write)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
