"""Backup and restore of a whole desk: every table the site keeps (sources, articles, stories,
entities, users, sessions, comments, reports, the site's secrets, cached digests and answers), as
one gzip file of JSON lines that any database can read back: SQLite to PostgreSQL and back.

Line one is a header (format, Broadsheet version, schema revision, time); then one line per row,
`{"table": ..., "row": {...}}`, tables in dependency order so a restore inserts parents first.
Values that JSON cannot hold are tagged: bytes as {"$b64": ...}, times as {"$time": ISO 8601}.
Left out: rate-limit hits and login attempts (throttling state that must not outlive its window).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, Table, func, insert, select, text

from broadsheet import __version__
from broadsheet.errors import InputError
from broadsheet.store import recent_index
from broadsheet.store.db import Reader, connected, current_revision
from broadsheet.store.schema import articles, login_attempts, metadata, rate_hits, sources, users

FORMAT = "broadsheet-backup/1"
SKIPPED = {rate_hits.name, login_attempts.name}
BATCH = 500  # rows per INSERT on restore


@dataclass
class BackupReport:
    """Rows written or restored per table."""

    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
        if "$time" in value:
            return datetime.fromisoformat(value["$time"])
    return value


def backup(engine: Engine, path: Path) -> BackupReport:
    """Write every table to `path` (gzip JSON lines), read in one snapshot of the database."""
    report = BackupReport()
    with gzip.open(path, "wt", encoding="utf-8") as out, engine.connect() as conn:
        header = {
            "format": FORMAT,
            "version": __version__,
            "revision": current_revision(engine),
            "created": datetime.now().astimezone().isoformat(),
            "database": engine.dialect.name,
        }
        out.write(json.dumps(header) + "\n")
        for table in tables():
            count = 0
            for row in conn.execution_options(stream_results=True, yield_per=BATCH).execute(select(table)):
                out.write(
                    json.dumps(
                        {"table": table.name, "row": {k: _encode(v) for k, v in row._mapping.items()}},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                count += 1
            report.rows[table.name] = count
    return report


def _lines(stream: IO[str], path: Path) -> Iterator[dict]:
    for number, line in enumerate(stream, start=1):
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"restore: {path} line {number} is not JSON ({exc.msg})") from exc


def _check_header(header: dict, path: Path) -> None:
    if header.get("format") != FORMAT:
        raise InputError(f"restore: {path} is not a Broadsheet backup (no {FORMAT} header)")


def _check_empty(db: Reader) -> None:
    with connected(db) as conn:
        held = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (sources, articles, users)
        }
    if any(held.values()):
        found = ", ".join(f"{n} {name}" for name, n in held.items() if n)
        raise InputError(f"restore: the database is not empty ({found}); restore into a new database")


def restore(engine: Engine, path: Path) -> BackupReport:
    """Load a backup into an empty, migrated database, in one transaction (all or nothing)."""
    if not path.is_file():
        raise InputError(f"restore: {path} does not exist")
    _check_empty(engine)
    known = {t.name: t for t in tables()}
    report = BackupReport()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream, engine.begin() as conn:
            rows = _lines(stream, path)
            _check_header(next(rows, {}), path)
            for table in reversed(list(known.values())):  # rows the migrations seeded give way to the backup's
                conn.execute(table.delete())
            recent_index.suspend(conn)  # the newest articles are indexed once, after the rows
            pending: list[dict] = []
            current: Table | None = None
            for item in rows:
                table = known.get(item.get("table", ""))
                if table is None:
                    raise InputError(f"restore: {path} holds a table this version does not know: {item.get('table')!r}")
                if table is not current and pending and current is not None:
                    conn.execute(insert(current), pending)
                    pending = []
                current = table
                pending.append({k: _decode(v) for k, v in item["row"].items() if k in table.c})
                report.rows[table.name] = report.rows.get(table.name, 0) + 1
                if len(pending) >= BATCH:
                    conn.execute(insert(table), pending)
                    pending = []
            if pending and current is not None:
                conn.execute(insert(current), pending)
            _reset_sequences(conn, engine)
            recent_index.rebuild(conn)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"restore: {path} cannot be read as a gzip backup ({exc})") from exc
    return report


def _reset_sequences(conn: Any, engine: Engine) -> None:
    """PostgreSQL: serial ids continue after the restored ones (SQLite does this by itself)."""
    if engine.dialect.name != "postgresql":
        return
    for table in tables():
        key = [c for c in table.primary_key.columns]
        if len(key) == 1 and key[0].autoincrement is not False and str(key[0].type) == "INTEGER":
            name = key[0].name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
                    f"COALESCE((SELECT max({name}) FROM {table.name}), 0) + 1, false)"
                )
            )
