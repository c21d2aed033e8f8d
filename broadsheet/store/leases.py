"""Leases: a source or an article page is worked on by one process at a time.

A lease names its owner ("host:pid:token") and runs until an expiry. A lease whose owner is a dead
process on this host is taken over at once (a killed refresh must not hold its work for the whole
lease); one held by another machine is respected until it expires.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, and_, or_, select, update

from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import retry_write

LEASE = timedelta(minutes=10)  # longer than any single poll or page fetch (timeouts are far shorter)


def new_owner() -> str:
    """An owner name for this process: host, pid and a token (a reused pid is another owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_alive(owner: str) -> bool:
    """Whether the process named by a lease owner still runs (owners on other hosts count as alive)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _take(conn: Connection, table: Table, ids: Sequence[str | int], owner: str, now: datetime) -> None:
    """Take free, expired and own leases, then those of dead owners on this host."""
    until = now + LEASE
    free = or_(table.c.lease_until.is_(None), table.c.lease_until < now, table.c.lease_owner == owner)
    conn.execute(update(table).where(table.c.id.in_(ids)).where(free).values(lease_owner=owner, lease_until=until))
    held = (
        conn.execute(
            select(table.c.lease_owner).where(table.c.id.in_(ids)).where(table.c.lease_owner != owner).distinct()
        )
        .scalars()
        .all()
    )
    for dead in [o for o in held if o and not owner_alive(o)]:
        conn.execute(
            update(table)
            .where(and_(table.c.id.in_(ids), table.c.lease_owner == dead))
            .values(lease_owner=owner, lease_until=until)
        )


def claim(engine: Engine, table: Table, ids: Sequence[str | int] | Sequence[int], owner: str) -> list:
    """Lease these rows to `owner`; returns the ids it now holds (others are another process's)."""
    held: list = []
    for chunk in in_chunks(list(ids)):

        def attempt(chunk: list = chunk) -> list:
            with engine.begin() as conn:
                _take(conn, table, chunk, owner, datetime.now(UTC))
                return list(
                    conn.execute(
                        select(table.c.id).where(table.c.id.in_(chunk)).where(table.c.lease_owner == owner)
                    ).scalars()
                )

        held += retry_write(attempt, "lease")
    wanted = set(held)
    return [i for i in ids if i in wanted]


def release_all(engine: Engine, table: Table, owner: str) -> None:
    """Give back every lease this owner holds in a table (end of a pass, or shutdown)."""

    def attempt() -> None:
        with engine.begin() as conn:
            conn.execute(update(table).where(table.c.lease_owner == owner).values(lease_owner=None, lease_until=None))

    retry_write(attempt, "lease release")
