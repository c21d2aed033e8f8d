"""Engine creation (SQLite in WAL mode by default, or PostgreSQL) and migrations."""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from broadsheet.errors import ConfigError

POSTGRES_EXTRA = "pip install 'broadsheet[postgres]'"  # PostgreSQL's driver is an extra: SQLite users skip it
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 60_000  # a writer waits this long for the one write lock before the retry below
WRITE_ATTEMPTS = 6  # whole write transactions tried again (with backoff) when SQLite stays busy
# Connections a process keeps, and may open beyond them under a burst. The web site runs at most
# web.app.WEB_THREADS page renders at once, each holding one connection at a time; the rest are for
# the process's background threads (queued work, the refresh loop, cache checks). Fewer than the
# renders that may run would make readers queue on the pool and time out after 30 s under load.
POOL_SIZE = 20
POOL_OVERFLOW = 20
MMAP_BYTES = 256 * 1024 * 1024  # SQLite: the database read through the OS page cache (see _sqlite_pragmas)
PLACEMENT_LOCK = 0x62726F61  # PostgreSQL advisory lock: story placement is one writer at a time
log = logging.getLogger(__name__)
T = TypeVar("T")


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    """WAL lets readers (the web site) work while the pipeline writes."""
    # The driver's own transaction handling is off: SQLAlchemy's "begin" event below says BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Reads straight from the OS page cache, shared by every connection, instead of copying each
    # page into each connection's own cache (the web site reads far more than it writes).
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Writers take SQLite's write lock when they begin, readers never.

    A deferred transaction that read first and writes later cannot wait for the lock: when another
    writer committed meanwhile, SQLite answers `database is locked` at once (its snapshot is stale).
    Taken up front (BEGIN IMMEDIATE), the lock is simply waited for, one writer at a time."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")


@contextlib.contextmanager
def _begin_writing(engine: Engine) -> Iterator[Connection]:
    """engine.begin() for SQLite: a transaction that holds the write lock from its start."""
    with engine.connect() as conn:
        conn.execution_options(writer=True)
        with conn.begin():
            yield conn


Reader = Engine | Connection
"""What a store read takes: the engine (the read opens a connection of its own) or a connection
its caller holds open. A web page opens one connection and passes it to every read it makes: one
pool checkout and one transaction instead of one per read, and every part of the page from the
same snapshot of the database."""


@contextlib.contextmanager
def connected(db: Reader) -> Iterator[Connection]:
    """A connection to read on: the caller's own, left open, or a new one from the engine."""
    if isinstance(db, Connection):
        yield db
    else:
        with db.connect() as conn:
            yield conn


def engine_behind(db: Reader) -> Engine:
    """The engine of a reader: for what is kept per database (a snapshot, a cache), not per connection."""
    return db if isinstance(db, Engine) else db.engine


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text or "deadlock detected" in text


def retry_write(action: Callable[[], T], what: str = "write") -> T:
    """Run a write transaction, running it again with growing random waits while the database is busy."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return action()
        except OperationalError as exc:
            if not _is_busy(exc) or attempt == WRITE_ATTEMPTS - 1:
                raise
            delay = min(8.0, 0.2 * 2**attempt) * (0.5 + random.random())  # jitter: writers spread out
            log.warning("store: %s found the database busy (%s); trying again in %.1f s", what, exc.orig, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def serialize_placement(conn: Connection) -> None:
    """Hold the placement lock until the caller's transaction ends (SQLite's write lock already does)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PLACEMENT_LOCK})")


def make_engine(url: str) -> Engine:
    """Create an engine for a database URL; SQLite files and folders are created as needed."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"store: {url!r} is not a database URL") from exc
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"store: cannot create the folder for {parsed.database} ({exc.strerror})") from exc
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **(
                {}
                if parsed.database in (None, "", ":memory:")
                else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
            ),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        engine.begin = functools.partial(_begin_writing, engine)  # type: ignore[method-assign]  # every begin() writes
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    except (NoSuchModuleError, ImportError) as exc:
        if parsed.drivername == "postgresql+psycopg":
            raise ConfigError(f"store: PostgreSQL needs its driver; {POSTGRES_EXTRA}") from exc
        raise ConfigError(
            f"store: no database driver for {parsed.drivername!r}; use sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from exc


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision(s) the database is at, comma-separated (None when empty)."""
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None


def head_revision() -> str:
    """The newest schema revision(s) this code knows, comma-separated.

    Independent features may add migrations on parallel branches; all heads are applied."""
    return ",".join(sorted(ScriptDirectory.from_config(_alembic_config()).get_heads()))


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (runs on first use and with `broadsheet migrate`)."""
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except OperationalError as exc:
        raise ConfigError(f"store: cannot open the database at {engine.url!r} ({exc.orig})") from exc


def open_database(url: str) -> Engine:
    """An engine with the schema migrated to head (and, on SQLite, planner statistics)."""
    engine = make_engine(url)
    if current_revision_safe(engine) != head_revision():
        migrate(engine)
    optimize(engine)
    return engine


def optimize(engine: Engine) -> None:
    """Refresh the query planner's statistics where they are stale.

    Without them SQLite picks the status index for every query on a 100,000-row table and
    scans it; `PRAGMA optimize` only re-analyses tables that changed a lot, so it is cheap."""
    if engine.dialect.name == "postgresql":
        _analyze_stale_postgres(engine)
        return
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        if _unanalyzed(conn):
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("PRAGMA optimize")


def _analyze_stale_postgres(engine: Engine) -> None:
    """ANALYZE the tables changed by more than a fifth since their statistics were taken.

    Autovacuum does this within a minute or so, but a desk bulk-loaded just before `serve` starts
    would be served meanwhile on an empty desk's statistics: searching 5,000 articles then tested
    every readable one for the match (26 ms a query against 7 ms with statistics)."""
    with engine.begin() as conn:
        stale = (
            conn.exec_driver_sql(
                """SELECT relname FROM pg_stat_user_tables
               WHERE schemaname = current_schema() AND n_mod_since_analyze > 50 + 0.2 * n_live_tup"""
            )
            .scalars()
            .all()
        )
        for table in stale:
            conn.exec_driver_sql(f'ANALYZE "{table}"')


def _unanalyzed(conn: Connection) -> bool:
    """No statistics yet, or only those of an empty desk (taken when the database was created):
    `PRAGMA optimize` does not take them again, and without them every story's articles are read
    by scanning all readable ones in the status index (tens of milliseconds a page)."""
    if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 0:
        return True
    return bool(
        conn.exec_driver_sql(
            "SELECT NOT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = 'articles') AND EXISTS (SELECT 1 FROM articles)"
        ).scalar()
    )


def current_revision_safe(engine: Engine) -> str | None:
    """current_revision, turning connection failures into a clear error."""
    try:
        return current_revision(engine)
    except OperationalError as exc:
        raise ConfigError(f"store: cannot open the database at {engine.url!r} ({exc.orig})") from exc
