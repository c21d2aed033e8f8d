"""Readers' digests (not to be confused with `digests.py`, a story's stored summary): each reader's
choice of daily or weekly, by email or not, the secret token of their private Atom feed, the
signed token of their unsubscribe link, and what one issue holds: the top stories for them and
the news of what they follow, over the period, with their mutes left out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update

from broadsheet.model import Article
from broadsheet.store import follows as follow_store
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.db import Reader, connected
from broadsheet.store.follows import Choice, Mutes
from broadsheet.store.personal import for_you
from broadsheet.store.schema import article_entities, articles, reader_digests, stories, users
from broadsheet.store.upsert import upsert
from broadsheet.store.users import validate_email

FREQUENCIES = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
TOP_STORIES = 8  # stories at the head of an issue
PER_SUBJECT = 5  # articles under each followed subject


@dataclass
class DigestSettings:
    """How a reader gets their digest."""

    user_id: int
    frequency: str = "daily"
    email_enabled: bool = False
    feed_token: str | None = None
    last_sent_at: datetime | None = None
    last_error: str | None = None


@dataclass
class DigestItem:
    """One line of an issue: a story or an article, with where it is on the site."""

    title: str
    path: str  # /stories/ID or /articles/ID
    excerpt: str
    sources: list[str]
    when: datetime | None


@dataclass
class DigestSection:
    """A heading of an issue and its lines."""

    heading: str
    items: list[DigestItem]


@dataclass
class Digest:
    """One issue of a reader's digest, for the period from `start` to `end`."""

    user_id: int
    username: str
    frequency: str
    start: datetime
    end: datetime
    sections: list[DigestSection] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing happened in the period that the reader would want."""
        return not any(s.items for s in self.sections)


# --- settings and tokens -------------------------------------------------------------------------


def settings_of(db: Reader, user_id: int) -> DigestSettings:
    """A reader's digest settings (the defaults when they never chose)."""
    with connected(db) as conn:
        row = conn.execute(select(reader_digests).where(reader_digests.c.user_id == user_id)).first()
    return _settings(row) if row else DigestSettings(user_id)


def _settings(row: Any) -> DigestSettings:
    return DigestSettings(**{k: v for k, v in row._mapping.items() if k in DigestSettings.__dataclass_fields__})


def save_settings(engine: Engine, user_id: int, frequency: str, email_enabled: bool) -> None:
    """Keep a reader's choice of frequency and of email."""
    if frequency not in FREQUENCIES:
        raise follow_store.ChoiceError(f"digests: a digest is {' or '.join(FREQUENCIES)}, not {frequency!r}.")
    with engine.begin() as conn:
        row = {"user_id": user_id, "frequency": frequency, "email_enabled": bool(email_enabled)}
        upsert(conn, reader_digests, [row], key="user_id", update=["frequency", "email_enabled"])


def new_feed_token(engine: Engine, user_id: int) -> str:
    """A new secret address for the reader's digest feed; the old one stops working."""
    token = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        upsert(conn, reader_digests, [{"user_id": user_id, "feed_token": token}], key="user_id", update=["feed_token"])
    return token


def reader_of_feed(db: Reader, token: str) -> tuple[int, str, DigestSettings] | None:
    """(user id, username, settings) of a feed token, or None when no reader has it."""
    if not token or len(token) > 64:
        return None
    query = (
        select(reader_digests, users.c.username)
        .join(users, users.c.id == reader_digests.c.user_id)
        .where(reader_digests.c.feed_token == token)
    )
    with connected(db) as conn:
        row = conn.execute(query).first()
    if row is None or not hmac.compare_digest(row.feed_token, token):
        return None
    return row.user_id, row.username, _settings(row)


def set_email(engine: Engine, user_id: int, email: str) -> str | None:
    """Change a reader's email address (checked; empty removes it)."""
    address = validate_email(email)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(email=address))
    return address


def unsubscribe_token(secret: bytes, user_id: int) -> str:
    """The token of a reader's unsubscribe link: their id, signed with the site's key."""
    signature = hmac.new(secret, f"unsubscribe:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{user_id}.{signature}"


def unsubscribe_reader(secret: bytes, token: str) -> int | None:
    """The reader an unsubscribe token was made for, or None when it was not made by this site."""
    ident, _, _ = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 18:
        return None
    return int(ident) if hmac.compare_digest(token, unsubscribe_token(secret, int(ident))) else None


def stop_emails(engine: Engine, user_id: int) -> bool:
    """No more digest emails for this reader; True when they were on."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(reader_digests)
            .where(reader_digests.c.user_id == user_id, reader_digests.c.email_enabled.is_(True))
            .values(email_enabled=False)
        ).rowcount
    return bool(changed)


# --- sending: who is due, claimed once -----------------------------------------------------------


def period_start(frequency: str, now: datetime, hour: int) -> datetime:
    """When the current period began: today's (or yesterday's) `hour` o'clock UTC for a daily
    digest, the last Monday's for a weekly one."""
    start = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    if start > now:
        start -= timedelta(days=1)
    if frequency == "weekly":
        start -= timedelta(days=start.weekday())
    return start


@dataclass
class Recipient:
    """A reader whose digest email is due."""

    user_id: int
    username: str
    email: str
    frequency: str
    last_sent_at: datetime | None


def due_recipients(db: Reader, now: datetime, hour: int) -> list[Recipient]:
    """Readers with digest emails on and an address whose last email is older than their period."""
    query = (
        select(reader_digests, users.c.username, users.c.email)
        .join(users, users.c.id == reader_digests.c.user_id)
        .where(reader_digests.c.email_enabled.is_(True), users.c.email.isnot(None))
        .order_by(reader_digests.c.user_id)
    )
    with connected(db) as conn:
        rows = conn.execute(query).all()
    return [
        Recipient(r.user_id, r.username, r.email, r.frequency, r.last_sent_at)
        for r in rows
        if r.last_sent_at is None or r.last_sent_at < period_start(r.frequency, now, hour)
    ]


def claim(engine: Engine, recipient: Recipient, now: datetime, hour: int) -> bool:
    """Mark this period's email as sent before sending it, only if no other process did: the
    conditional update succeeds for one of them, so a reader never gets the same issue twice."""
    start = period_start(recipient.frequency, now, hour)
    with engine.begin() as conn:
        claimed = conn.execute(
            update(reader_digests)
            .where(reader_digests.c.user_id == recipient.user_id)
            .where(or_(reader_digests.c.last_sent_at.is_(None), reader_digests.c.last_sent_at < start))
            .values(last_sent_at=now)
        ).rowcount
    return bool(claimed)


def record_outcome(engine: Engine, recipient: Recipient, error: str | None) -> None:
    """After sending: the error is kept, and a failed email gives its claim back (tried next pass)."""
    values: dict = {"last_error": error}
    if error:
        values["last_sent_at"] = recipient.last_sent_at
    with engine.begin() as conn:
        conn.execute(update(reader_digests).where(reader_digests.c.user_id == recipient.user_id).values(**values))


# --- what an issue holds -----------------------------------------------------------------------------


def build_digest(engine: Engine, user_id: int, username: str, frequency: str, now: datetime | None = None) -> Digest:
    """One issue: the reader's top stories of the period, then the news of each thing they follow."""
    end = now or datetime.now(UTC)
    issue = Digest(user_id, username, frequency, end - FREQUENCIES[frequency], end)
    followed = follow_store.follows_of(engine, user_id)
    wanted = follow_store.interests(followed)
    found = follow_store.mute_set(follow_store.mutes_of(engine, user_id))
    labels = {(c.kind, c.target): c.label for c in followed}
    cards = for_you(engine, wanted, found, limit=TOP_STORIES * 3, now=end, labels=labels)
    top = [c for c in cards if c.story.last_seen and c.story.last_seen >= issue.start][:TOP_STORIES]
    shown = {c.lead.id for c in top if c.lead}
    issue.sections.append(
        DigestSection(
            "Top stories",
            [
                DigestItem(
                    c.story.title or (c.lead.title if c.lead else "Untitled"),
                    f"/stories/{c.story.id}",
                    _excerpt(c.lead),
                    c.sources[:4],
                    c.story.last_seen,
                )
                for c in top
            ],
        )
    )
    for choice in followed:
        items = _subject_news(engine, choice, found, issue.start, shown)
        if items:
            issue.sections.append(DigestSection(f"{choice.label} ({choice.kind})", items))
    return issue


def _excerpt(article: Article | None) -> str:
    paragraphs = article.paragraphs if article else []
    text = paragraphs[0] if paragraphs else ""
    return text if len(text) <= 240 else text[:239].rsplit(" ", 1)[0] + "…"


def _subject_news(engine: Engine, choice: Choice, found: Mutes, start: datetime, shown: set[str]) -> list[DigestItem]:
    """The period's newest original articles about one followed thing, less the muted and the shown."""
    when = func.coalesce(articles.c.published_at, articles.c.fetched_at)
    query = select(*ARTICLE_COLUMNS).where(articles.c.status == "ok", articles.c.duplicate_of.is_(None), when >= start)
    if choice.kind == "source":
        query = query.where(articles.c.source_id == int(choice.target))
    elif choice.kind == "section":
        query = query.where(articles.c.section == choice.target)
    elif choice.kind == "entity":
        query = query.join(article_entities, article_entities.c.article_id == articles.c.id).where(
            article_entities.c.entity_id == int(choice.target)
        )
    else:
        line = select(stories.c.id).where(stories.c.storyline_id == choice.target)
        query = query.where(articles.c.story_id.in_(line))
    with engine.connect() as conn:
        found_articles = [article_from_row(r) for r in conn.execute(query.order_by(when.desc()).limit(PER_SUBJECT * 4))]
    kept = follow_store.without_hidden(engine, found, [a for a in found_articles if a.id not in shown])
    shown.update(a.id for a in kept[:PER_SUBJECT])
    return [
        DigestItem(
            a.title or "Untitled",
            f"/articles/{a.id}",
            _excerpt(a),
            [a.source_name] if a.source_name else [],
            a.published_at,
        )
        for a in kept[:PER_SUBJECT]
    ]
