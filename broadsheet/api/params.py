"""Bounds for every number, date and section a request may carry (shared by the pages and the API).

No request may reach the database with a number it cannot bind (SQLite integers are 64-bit) or a
date that overflows when converted to UTC."""

from __future__ import annotations

from datetime import datetime, timezone

from broadsheet.errors import InputError, NotFound
from broadsheet.nlp.section_lexicon import SECTIONS

MAX_ID = 2**63 - 1  # the largest integer SQLite (and a PostgreSQL bigint) can hold
MAX_OFFSET = 1_000_000_000  # far past any list; offset + limit still fits in 64 bits
MAX_PAGE = MAX_OFFSET // 1000
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)  # date filters are clamped here: nothing older exists
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
_SECTIONS = {s.lower(): s for s in SECTIONS}


def page_number(raw: str | None) -> int:
    """Page from the query string: non-numbers are the first page, a page past any list is NotFound."""
    text = (raw or "1").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text) > 12 or int(text) > MAX_PAGE:
        raise NotFound(f"web: page {text[:20]} is past the end")
    return max(1, int(text))


def optional_id(raw: str | None) -> int | None:
    """An id from a form or query string (ASCII digits within range), else None."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        return None
    return int(text)


def section_of(value: str | None, strict: bool = False) -> str | None:
    """The section a filter names, ignoring case ("business" -> "Business"); None for none. An unknown
    name is None, or an InputError naming the sections when `strict` (the API says what it refuses)."""
    if value is None or not value.strip():
        return None
    found = _SECTIONS.get(value.strip().lower())
    if found is None and strict:
        raise InputError(f"api: section must be one of {', '.join(SECTIONS)}")
    return found


def bounded_time(value: datetime | None) -> datetime | None:
    """A date filter as aware UTC, clamped to 1900..2200 (a naive time is UTC; one that cannot be
    converted, like 9999-12-31T23:59:59-23:59, lies past the end of any list)."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    try:
        utc = aware.astimezone(timezone.utc)
    except OverflowError:
        return LATEST if aware.year > 2000 else EARLIEST
    return min(max(utc, EARLIEST), LATEST)
