"""Bounds for every number, date and section a request may carry (shared by the pages and the API).

No request may reach the database with a number it cannot bind (SQLite integers are 64-bit) or a
date that overflows when converted to UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from broadsheet.errors import InputError, NotFound
from broadsheet.nlp.sections import SECTIONS

MAX_ID = 2**63 - 1  # the largest integer SQLite (and a PostgreSQL bigint) can hold
MAX_OFFSET = 1_000_000_000  # far past any list; offset + limit still fits in 64 bits
MAX_PAGE = MAX_OFFSET // 1000
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # date filters are clamped here: nothing older exists
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_SECTIONS = {s.lower(): s for s in SECTIONS}
# Sections in any case, as a pattern OpenAPI tools understand (ECMA regexes have no (?i) flag).
SECTION_PATTERN = "^(" + "|".join("".join(f"[{c.upper()}{c.lower()}]" for c in s) for s in SECTIONS) + ")$"
# A section parameter's schema: one of the names (an enum for generated clients), or one in another case.
SECTION_SCHEMA = {"anyOf": [{"type": "string", "enum": list(SECTIONS)}, {"type": "string", "pattern": SECTION_PATTERN}]}
# RFC 3339 date-time (what OpenAPI's "date-time" means), or a full date.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?", re.ASCII)
TIME_SCHEMA = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}


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
    """The section a filter names, ignoring case ("business" -> "Business"); None for none. The web's
    forms are lenient (blank or unknown: no filter, so a shared link stays usable); the API is `strict`
    and refuses anything but a section name, blank included, with a 400 naming the sections."""
    if value is None:
        return None
    found = _SECTIONS.get(value.lower() if strict else value.strip().lower())
    if found is None and strict:
        raise InputError(f"api: section must be one of {', '.join(SECTIONS)}")
    return found


def bounded_time(value: datetime | None) -> datetime | None:
    """A date filter as aware UTC, clamped to 1900..2200 (a naive time is UTC; one that cannot be
    converted, like 9999-12-31T23:59:59-23:59, lies past the end of any list)."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        utc = aware.astimezone(UTC)
    except OverflowError:
        return LATEST if aware.year > 2000 else EARLIEST
    return min(max(utc, EARLIEST), LATEST)


def parse_time(raw: str | None, name: str) -> datetime | None:
    """An RFC 3339 date-time or a date from the query string, bounded (see bounded_time); InputError
    when it is neither (pydantic alone would take "0" as 1970)."""
    if raw is None:
        return None
    if not _TIME.fullmatch(raw):
        raise InputError(f"api: {name} must be a date (2026-11-26) or a date-time (2026-11-26T08:00:00Z)")
    text = raw.upper().replace("Z", "+00:00")
    leap = len(text) > 10 and text[17:19] == "60"
    try:
        value = datetime.fromisoformat(text[:17] + "59" + text[19:] if leap else text)
        utc = value.astimezone(UTC) if value.tzinfo else value
        if leap and (utc.hour, utc.minute) != (23, 59):  # RFC 3339: a leap second ends a UTC day
            raise ValueError("second 60 only ends a UTC day")
    except ValueError as exc:
        raise InputError(f"api: {name} is not a real date or time ({exc})") from exc
    except OverflowError:
        pass  # past either end of time: bounded below
    return bounded_time(value)
