"""Users, passwords and server-side sessions.

Passwords are stored only as argon2id hashes. A session cookie carries a random token; the
database keeps only its SHA-256, so a copy of the database cannot be replayed as a login."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, Row, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from broadsheet.errors import InputError, NotFound
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import login_attempts, site_secrets, user_sessions, users
from broadsheet.store.upsert import upsert

ROLES = ("reader", "moderator", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 copes with more; the cap only stops absurd form posts
SESSION_LIFETIME = timedelta(days=30)
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,31}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# argon2id with argon2-cffi's defaults (RFC 9106 "low memory": t=3, m=64 MiB, p=4): ~0.1 s here.
_hasher = PasswordHasher()
_dummy_hash: str | None = None


class AccountError(InputError):
    """A bad account input; `field` names the form input it belongs to (None: the whole form)."""

    def __init__(self, sentence: str, field: str | None = None, status: int = 400):
        super().__init__(f"accounts: {sentence[0].lower()}{sentence[1:]}")
        self.sentence, self.field, self.status = sentence, field, status


@dataclass
class User:
    """A registered reader, moderator or admin."""

    id: int
    username: str
    email: str | None
    role: str
    created_at: datetime
    last_login_at: datetime | None = None

    @property
    def is_moderator(self) -> bool:
        """Moderators and admins may hide and restore comments."""
        return self.role in ("moderator", "admin")


@dataclass
class Session:
    """A logged-in browser: who it is and the token its forms must echo."""

    user: User
    csrf_token: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        role=row.role,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def user_from_row(row: Row[Any]) -> User:
    """A row holding the users table's columns as a User (for modules that join it to their own)."""
    return _user(row)


def now() -> datetime:
    """The store's clock: aware UTC."""
    return _now()


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def username_key(username: str) -> str:
    """The case-insensitive form usernames are unique in."""
    return username.strip().lower()


def validate_username(username: str) -> str:
    """The username trimmed, or an AccountError saying what is wrong with it."""
    name = (username or "").strip()
    if not name:
        raise AccountError("Choose a username.", "username")
    if not _USERNAME.fullmatch(name):
        raise AccountError(
            "A username is 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
            "username",
        )
    return name


def validate_password(password: str, username: str = "") -> None:
    """Refuse passwords that are too short, too long or the username itself."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"The password is too short: use at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"The password is too long: use at most {MAX_PASSWORD} characters.", "password")
    if username and password.strip().lower() == username.strip().lower():
        raise AccountError("The password must not be the username.", "password")


def validate_email(email: str | None) -> str | None:
    """The email trimmed (None when empty), or an AccountError when it cannot be an address."""
    value = (email or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise AccountError("That does not look like an email address (leave it empty if you prefer).", "email")
    return value


def validate_role(role: str) -> str:
    """One of reader, moderator, admin."""
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)}, not {role!r}.", "role")
    return role


def hash_password(password: str) -> str:
    """An argon2id hash (salted, with its parameters) of a password."""
    return _hasher.hash(password)


def create_user(engine: Engine, username: str, password: str, email: str | None = None, role: str = "reader") -> User:
    """Register a user after checking every input; a taken username (any case) is an AccountError."""
    name = validate_username(username)
    validate_password(password, name)
    address = validate_email(email)
    validate_role(role)
    created = _now()
    row = {
        "username": name,
        "username_key": username_key(name),
        "email": address,
        "role": role,
        "password_hash": hash_password(password),
        "created_at": created,
    }
    try:
        with engine.begin() as conn:
            new_id: int = conn.execute(users.insert().values(**row)).inserted_primary_key[0]  # type: ignore[index]
    except IntegrityError as exc:
        raise AccountError("That username is taken; choose another.", "username", status=409) from exc
    return User(id=new_id, username=name, email=address, role=role, created_at=created)


def find_user(db: Reader, username: str) -> User:
    """A user by name, ignoring case, or NotFound."""
    with connected(db) as conn:
        row = conn.execute(select(users).where(users.c.username_key == username_key(username))).first()
    if row is None:
        raise NotFound(f"users: no user named {username!r}")
    return _user(row)


def list_users(db: Reader) -> list[User]:
    """Every user, oldest first."""
    with connected(db) as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]


def set_role(engine: Engine, username: str, role: str) -> User:
    """Change a user's role (takes effect on their next request)."""
    validate_role(role)
    user = find_user(engine, username)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user.id).values(role=role))
    user.role = role
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches an argon2id hash made by `hash_password`."""
    return _verify(password_hash, password)


def waste_a_check(password: str) -> None:
    """Hash for nothing, so an unknown name takes as long as a wrong password (no timing oracle)."""
    global _dummy_hash
    _dummy_hash = _dummy_hash or _hasher.hash(secrets.token_urlsafe(16))
    _verify(_dummy_hash, password or "")


def authenticate(engine: Engine, username: str, password: str) -> User:
    """The user these credentials belong to; otherwise one error that never says which part was wrong."""
    global _dummy_hash
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username_key == username_key(username or ""))).first()
    if row is None:
        # Hash anyway so an unknown name takes as long as a wrong password (no timing oracle).
        _dummy_hash = _dummy_hash or _hasher.hash(secrets.token_urlsafe(16))
        _verify(_dummy_hash, password or "")
    if row is None or not _verify(row.password_hash, password or ""):
        raise AccountError("Wrong username or password.", None, status=401)
    changes: dict = {"last_login_at": _now()}
    if _hasher.check_needs_rehash(row.password_hash):  # parameters were raised since this hash was made
        changes["password_hash"] = _hasher.hash(password)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == row.id).values(**changes))
    return _user(row)


def start_session(engine: Engine, user_id: int) -> tuple[str, Session]:
    """A new session for a user: the token for the cookie, and the session (expired rows are purged)."""
    token, now = secrets.token_urlsafe(32), _now()
    csrf = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(user_sessions).where(user_sessions.c.expires_at < now))
        conn.execute(
            user_sessions.insert().values(
                id=_token_key(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        row = conn.execute(select(users).where(users.c.id == user_id)).one()
    return token, Session(user=_user(row), csrf_token=csrf, expires_at=now + SESSION_LIFETIME)


def session_for_token(db: Reader, token: str) -> Session | None:
    """The live session a cookie token stands for (None when unknown or expired)."""
    query = (
        select(users, user_sessions.c.csrf_token, user_sessions.c.expires_at)
        .join(user_sessions, user_sessions.c.user_id == users.c.id)
        .where(user_sessions.c.id == _token_key(token))
        .where(user_sessions.c.expires_at > _now())
    )
    with connected(db) as conn:
        row = conn.execute(query).first()
    return Session(user=_user(row), csrf_token=row.csrf_token, expires_at=row.expires_at) if row else None


def end_session(engine: Engine, token: str) -> None:
    """Log out: the session row is deleted, so the token is dead even if the cookie survives."""
    with engine.begin() as conn:
        conn.execute(delete(user_sessions).where(user_sessions.c.id == _token_key(token)))


def count_sessions(db: Reader, user_id: int) -> int:
    """Live sessions of one user."""
    with connected(db) as conn:
        return conn.execute(
            select(func.count())
            .select_from(user_sessions)
            .where(user_sessions.c.user_id == user_id)
            .where(user_sessions.c.expires_at > _now())
        ).scalar_one()


def site_secret(engine: Engine, name: str) -> bytes:
    """A random secret made on first use and shared by every process using this database."""
    with engine.begin() as conn:
        upsert(conn, site_secrets, [{"name": name, "value": secrets.token_hex(32)}], key="name", update=[])
        value = conn.execute(select(site_secrets.c.value).where(site_secrets.c.name == name)).scalar_one()
    return bytes.fromhex(value)


# --- login throttling --------------------------------------------------------------------------

# Failures allowed before any wait: per (account, address) enough for an owner's typos; per address
# enough for a household behind one router. Each failure past them doubles the wait, up to the cap.
FREE_FAILURES = {"pair": 3, "addr": 20}
MAX_LOGIN_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # a quiet day wipes the slate


def login_keys(username: str, address: str) -> dict[str, str]:
    """The throttle keys of one login attempt, by kind: the (account, address) pair and the address."""
    return {"pair": f"pair:{username_key(username)[:64]}|{address[:64]}", "addr": f"addr:{address[:64]}"}


def login_delay(excess: int) -> timedelta:
    """The wait after `excess` failures past the free ones: 1 s, 2 s, 4 s ... up to MAX_LOGIN_DELAY."""
    if excess <= 0:
        return timedelta(0)
    return min(MAX_LOGIN_DELAY, timedelta(seconds=2 ** min(excess - 1, 20)))


def login_wait(db: Reader, keys: dict[str, str], now: datetime | None = None) -> float:
    """Seconds before another login may be tried under these keys (0: now)."""
    now = now or _now()
    with connected(db) as conn:
        waits = (
            conn.execute(
                select(login_attempts.c.retry_at)
                .where(login_attempts.c.key.in_(list(keys.values())))
                .where(login_attempts.c.retry_at > now)
            )
            .scalars()
            .all()
        )
    return max(((w - now).total_seconds() for w in waits), default=0.0)


def record_login_failure(engine: Engine, keys: dict[str, str], now: datetime | None = None) -> None:
    """Count one failed login under each key and set when the next try is allowed."""
    now = now or _now()
    with engine.begin() as conn:
        conn.execute(delete(login_attempts).where(login_attempts.c.last_failure_at < now - FORGET_AFTER))
        for kind, key in keys.items():
            found = conn.execute(select(login_attempts.c.failures).where(login_attempts.c.key == key)).scalar()
            failures = (found or 0) + 1
            retry = now + login_delay(failures - FREE_FAILURES[kind]) if failures > FREE_FAILURES[kind] else None
            upsert(
                conn,
                login_attempts,
                [{"key": key, "failures": failures, "last_failure_at": now, "retry_at": retry}],
                key="key",
            )


def clear_login_failures(engine: Engine, keys: dict[str, str]) -> None:
    """Forget the failures of the (account, address) pair after a successful login."""
    with engine.begin() as conn:
        conn.execute(delete(login_attempts).where(login_attempts.c.key == keys["pair"]))
