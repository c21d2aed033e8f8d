"""Engine creation (SQLite in WAL mode by default, or PostgreSQL) and migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from broadsheet.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL lets readers (the web site) work while the pipeline writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


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
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"store: no database driver for {parsed.drivername!r}; use sqlite:///PATH or "
                          "postgresql://USER@HOST/DB") from exc


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
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 0:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("PRAGMA optimize")


def current_revision_safe(engine: Engine) -> str | None:
    """current_revision, turning connection failures into a clear error."""
    try:
        return current_revision(engine)
    except OperationalError as exc:
        raise ConfigError(f"store: cannot open the database at {engine.url!r} ({exc.orig})") from exc
