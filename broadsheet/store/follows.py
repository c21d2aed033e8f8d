"""What a signed-in reader follows (sources, sections, entities, storylines) and mutes (words,
sources, entities), and the one question every listing asks: which of these articles does this
reader not want to see? Writes are idempotent: following twice is following once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from broadsheet.errors import InputError
from broadsheet.model import Article
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import article_entities, follows, mutes

FOLLOW_KINDS = ("source", "section", "entity", "storyline")
MUTE_KINDS = ("word", "source", "entity")
MAX_WORD = 100
MAX_CHOICES = 500  # follows or mutes per reader: a form cannot grow a row set without end


class ChoiceError(InputError):
    """A follow or mute the site cannot keep (unknown kind, empty word, too many)."""


@dataclass(frozen=True)
class Choice:
    """One follow or mute: what kind of thing, its key, and the name shown for it."""

    kind: str
    target: str
    label: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class Interests:
    """A reader's follows grouped by kind, as ranking and digests use them."""

    sources: frozenset[int] = frozenset()
    sections: frozenset[str] = frozenset()
    entities: frozenset[int] = frozenset()
    storylines: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.sources or self.sections or self.entities or self.storylines)


@dataclass(frozen=True)
class Mutes:
    """A reader's mutes grouped by kind."""

    words: frozenset[str] = frozenset()
    sources: frozenset[int] = frozenset()
    entities: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.words or self.sources or self.entities)


def clean_word(word: str) -> str:
    """A muted word or phrase as kept: trimmed, single-spaced, lower-cased; refused when empty or long."""
    value = " ".join((word or "").split()).lower()
    if not value:
        raise ChoiceError("mute: type a word or phrase to mute.")
    if len(value) > MAX_WORD:
        raise ChoiceError(f"mute: a muted phrase is at most {MAX_WORD} characters.")
    return value


def _now() -> datetime:
    return datetime.now(UTC)


def _add(engine: Engine, table: Table, user_id: int, choice: Choice) -> None:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    row = {"user_id": user_id, "kind": choice.kind, "target": choice.target, "label": choice.label}
    statement = dialect.insert(table).values(**row, created_at=_now())
    with engine.begin() as conn:
        held = conn.execute(select(table.c.kind).where(table.c.user_id == user_id).limit(MAX_CHOICES)).all()
        if len(held) >= MAX_CHOICES:
            raise ChoiceError(f"following: at most {MAX_CHOICES} of these per reader; remove some first.")
        conn.execute(statement.on_conflict_do_nothing(index_elements=["user_id", "kind", "target"]))


def _remove(engine: Engine, table: Table, user_id: int, kind: str, target: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(table).where(table.c.user_id == user_id, table.c.kind == kind, table.c.target == str(target))
        )


def _list(db: Reader, table: Table, user_id: int) -> list[Choice]:
    query = select(table).where(table.c.user_id == user_id).order_by(table.c.kind, table.c.label, table.c.target)
    with connected(db) as conn:
        return [Choice(r.kind, r.target, r.label, r.created_at) for r in conn.execute(query)]


def follow(engine: Engine, user_id: int, kind: str, target: str | int, label: str) -> None:
    """Follow a source, section, entity or storyline (again: no change)."""
    if kind not in FOLLOW_KINDS:
        raise ChoiceError(f"follow: one can follow a {', '.join(FOLLOW_KINDS)}, not {kind!r}.")
    _add(engine, follows, user_id, Choice(kind, str(target), label))


def unfollow(engine: Engine, user_id: int, kind: str, target: str | int) -> None:
    """Stop following (nothing happens when it was not followed)."""
    _remove(engine, follows, user_id, kind, str(target))


def mute(engine: Engine, user_id: int, kind: str, target: str | int, label: str = "") -> None:
    """Mute a word or phrase, a source or an entity."""
    if kind not in MUTE_KINDS:
        raise ChoiceError(f"mute: one can mute a {', '.join(MUTE_KINDS)}, not {kind!r}.")
    key = clean_word(str(target)) if kind == "word" else str(target)
    _add(engine, mutes, user_id, Choice(kind, key, label or key))


def unmute(engine: Engine, user_id: int, kind: str, target: str | int) -> None:
    """Stop muting."""
    _remove(engine, mutes, user_id, kind, str(target))


def follows_of(engine: Engine, user_id: int) -> list[Choice]:
    """What a reader follows, by kind then name."""
    return _list(engine, follows, user_id)


def mutes_of(engine: Engine, user_id: int) -> list[Choice]:
    """What a reader mutes, by kind then name."""
    return _list(engine, mutes, user_id)


def _ids(items: Iterable[Choice], kind: str) -> frozenset[int]:
    return frozenset(int(c.target) for c in items if c.kind == kind and c.target.isdigit())


def interests(items: Sequence[Choice]) -> Interests:
    """Follows grouped by kind."""
    return Interests(
        sources=_ids(items, "source"),
        sections=frozenset(c.target for c in items if c.kind == "section"),
        entities=_ids(items, "entity"),
        storylines=frozenset(c.target for c in items if c.kind == "storyline"),
    )


def mute_set(items: Sequence[Choice]) -> Mutes:
    """Mutes grouped by kind."""
    return Mutes(
        words=frozenset(c.target for c in items if c.kind == "word"),
        sources=_ids(items, "source"),
        entities=_ids(items, "entity"),
    )


def _word_pattern(words: frozenset[str]) -> re.Pattern[str]:
    # Whole words only: muting "art" hides "Art fair", not "a startling result".
    return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words)), re.IGNORECASE)


def shows_word(article: Article, pattern: re.Pattern[str]) -> bool:
    """Whether a muted word is in what listings show of an article: its headline and first paragraph."""
    paragraphs = article.paragraphs
    return bool(pattern.search(article.title or "") or (paragraphs and pattern.search(paragraphs[0])))


def hidden_ids(db: Reader, found: Mutes, items: Iterable[Article]) -> set[str]:
    """The ids of these articles the reader's mutes hide: from a muted source, naming a muted entity,
    or showing a muted word in the headline or first paragraph."""
    items = list(items)
    if not found or not items:
        return set()
    hidden = {a.id for a in items if a.source_id is not None and a.source_id in found.sources}
    if found.words:
        pattern = _word_pattern(found.words)
        hidden |= {a.id for a in items if a.id not in hidden and shows_word(a, pattern)}
    if found.entities:
        hidden |= naming_entities(db, [a.id for a in items if a.id not in hidden], found.entities)
    return hidden


def naming_entities(db: Reader, article_ids: Sequence[str], entity_ids: Iterable[int]) -> set[str]:
    """Which of these articles name any of these entities."""
    wanted = sorted(set(entity_ids))
    if not article_ids or not wanted:
        return set()
    found: set[str] = set()
    with connected(db) as conn:
        for chunk in in_chunks(list(article_ids)):
            query = select(article_entities.c.article_id).where(
                article_entities.c.article_id.in_(chunk), article_entities.c.entity_id.in_(wanted)
            )
            found.update(conn.execute(query).scalars())
    return found


def without_hidden(db: Reader, found: Mutes, items: list[Article]) -> list[Article]:
    """These articles less the ones the mutes hide, in their order."""
    hidden = hidden_ids(db, found, items)
    return [a for a in items if a.id not in hidden] if hidden else items
