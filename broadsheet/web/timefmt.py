"""Times as readers like them: "14 minutes ago", with the exact time kept for <time>."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (
    (365 * 86400, "year"),
    (30 * 86400, "month"),
    (7 * 86400, "week"),
    (86400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    """Human relative time: "just now", "14 minutes ago", "3 days ago", "in 5 minutes"."""
    if when is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = int((now - when).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    for size, name in _UNITS:
        if seconds >= size:
            count = seconds // size
            label = f"{count} {name}{'s' if count != 1 else ''}"
            return f"in {label}" if future else f"{label} ago"
    return "just now"


def absolute_time(when: datetime | None) -> str:
    """Exact time for tooltips and screen readers, in UTC."""
    return when.strftime("%d %B %Y, %H:%M UTC") if when else ""


def iso_time(when: datetime | None) -> str:
    """Machine-readable time for <time datetime>."""
    return when.isoformat() if when else ""


def day_date(when: datetime | None) -> str:
    """The day something happened, for dated lines: "3 March" (with the year when not this year's)."""
    if when is None:
        return ""
    now = datetime.now(UTC)
    return f"{when.day} {when:%B}" + (f" {when.year}" if when.year != now.year else "")
