"""API keys: made and revoked by a reader on the account page, presented to the JSON API as
`Authorization: Bearer KEY`. Only a key's SHA-256 is stored (a random 256-bit key needs no slow hash:
nothing can be guessed from it), with its first characters to tell keys apart."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, func, select, update

from broadsheet.errors import InputError, NotFound
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import api_keys, users
from broadsheet.store.users import User, user_from_row

KEY_PREFIX = "bsk_"  # says what a leaked string is (secret scanners match on it)
MAX_KEYS = 20  # live keys per reader
MAX_NAME = 64


@dataclass(frozen=True)
class ApiKey:
    """A key as its owner sees it later: never the key itself."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def key_hash(key: str) -> str:
    """What the database keeps of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _key(row: Row[Any]) -> ApiKey:
    return ApiKey(row.id, row.name, row.prefix, row.created_at, row.revoked_at)


def create_key(engine: Engine, user_id: int, name: str) -> tuple[str, ApiKey]:
    """A new key for a reader: the key (shown once) and its stored description."""
    name = " ".join(name.split())[:MAX_NAME] or "API key"
    key, now = KEY_PREFIX + secrets.token_urlsafe(32), datetime.now(UTC)
    with engine.begin() as conn:
        live = conn.execute(
            select(func.count())
            .select_from(api_keys)
            .where(api_keys.c.user_id == user_id, api_keys.c.revoked_at.is_(None))
        ).scalar_one()
        if live >= MAX_KEYS:
            raise InputError(f"api keys: you have {live} keys; revoke one you no longer use first.")
        values = {"user_id": user_id, "name": name, "key_hash": key_hash(key), "prefix": key[:12], "created_at": now}
        key_id = conn.execute(api_keys.insert().values(**values).returning(api_keys.c.id)).scalar_one()
    return key, ApiKey(key_id, name, key[:12], now, None)


def list_keys(db: Reader, user_id: int) -> list[ApiKey]:
    """A reader's keys, newest first, revoked ones included."""
    query = select(api_keys).where(api_keys.c.user_id == user_id).order_by(api_keys.c.id.desc())
    with connected(db) as conn:
        return [_key(row) for row in conn.execute(query)]


def revoke_key(engine: Engine, user_id: int, key_id: int) -> None:
    """Revoke one of a reader's keys (NotFound for a key that is not theirs or already revoked)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.user_id == user_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        ).rowcount
    if not done:
        raise NotFound(f"api keys: you have no live key {key_id}")


def user_for_key(db: Reader, key: str) -> User | None:
    """The reader a live key belongs to, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    query = (
        select(users)
        .join(api_keys, api_keys.c.user_id == users.c.id)
        .where(api_keys.c.key_hash == key_hash(key), api_keys.c.revoked_at.is_(None))
    )
    with connected(db) as conn:
        row = conn.execute(query).first()
    return user_from_row(row) if row else None
