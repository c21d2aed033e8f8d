"""The passwords reader apps sign in with: one per reader, separate from the login password (a
phone app never holds the password that can change the account), hashed with argon2id like it.

Google Reader clients sign in once (ClientLogin) and then send a token derived from the password's
hash with a site secret, so a changed or removed API password ends every app's session at once.
Fever clients send md5("username:password") with every request: that digest is kept as their key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import Engine, delete, select

from broadsheet.store import users as user_store
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import api_passwords, users
from broadsheet.store.upsert import upsert
from broadsheet.store.users import AccountError, User, now, user_from_row


def fever_key(username: str, password: str) -> str:
    """The key a Fever client sends: md5 of "username:password" (the protocol's choice, not ours)."""
    return hashlib.md5(f"{username}:{password}".encode()).hexdigest()


def set_api_password(engine: Engine, user: User, password: str) -> None:
    """Set (or replace) a reader's API password after the login password's checks."""
    user_store.validate_password(password, user.username)
    row = {
        "user_id": user.id,
        "password_hash": user_store.hash_password(password),
        "fever_key": fever_key(user.username, password),
        "created_at": now(),
    }
    with engine.begin() as conn:
        upsert(conn, api_passwords, [row], key="user_id")


def remove_api_password(engine: Engine, user_id: int) -> None:
    """Remove a reader's API password: every app signed in with it is signed out."""
    with engine.begin() as conn:
        conn.execute(delete(api_passwords).where(api_passwords.c.user_id == user_id))


def api_password_set_at(db: Reader, user_id: int) -> datetime | None:
    """When the reader's API password was set (None: there is none)."""
    with connected(db) as conn:
        return conn.execute(
            select(api_passwords.c.created_at).where(api_passwords.c.user_id == user_id)
        ).scalar_one_or_none()


def _joined():
    return select(users, api_passwords.c.password_hash.label("api_hash")).join(
        api_passwords, api_passwords.c.user_id == users.c.id
    )


def check_api_password(db: Reader, username: str, password: str) -> User:
    """The reader these API credentials belong to, or one AccountError (401) that never says which part was wrong."""
    with connected(db) as conn:
        row = conn.execute(_joined().where(users.c.username_key == user_store.username_key(username or ""))).first()
    if row is None:
        user_store.waste_a_check(password)
    if row is None or not user_store.verify_password(row.api_hash, password or ""):
        raise AccountError("Wrong username or API password.", None, status=401)
    return user_from_row(row)


def _signature(secret: bytes, user_id: int, password_hash: str) -> str:
    return hmac.new(secret, f"reader-api:{user_id}:{password_hash}".encode(), hashlib.sha256).hexdigest()


def auth_token(db: Reader, secret: bytes, user: User) -> str:
    """The token a Google Reader client sends after ClientLogin: "username/signature"."""
    with connected(db) as conn:
        password_hash = conn.execute(
            select(api_passwords.c.password_hash).where(api_passwords.c.user_id == user.id)
        ).scalar_one()
    return f"{user.username}/{_signature(secret, user.id, password_hash)}"


def user_for_token(db: Reader, secret: bytes, token: str) -> User | None:
    """The reader a ClientLogin token stands for (None: unknown, or the API password changed since)."""
    username, _, signature = (token or "").strip().partition("/")
    if not username or not signature:
        return None
    with connected(db) as conn:
        row = conn.execute(_joined().where(users.c.username_key == user_store.username_key(username))).first()
    if row is None or not hmac.compare_digest(signature, _signature(secret, row.id, row.api_hash)):
        return None
    return user_from_row(row)


def user_for_fever_key(db: Reader, key: str) -> User | None:
    """The reader a Fever api_key belongs to (None: no such key)."""
    with connected(db) as conn:
        row = conn.execute(_joined().where(api_passwords.c.fever_key == (key or "").strip().lower())).first()
    return user_from_row(row) if row is not None else None
