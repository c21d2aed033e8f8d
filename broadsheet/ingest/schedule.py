"""When to poll a feed next: adaptive to its publishing rate, patient with failures.

Pure functions: the pipeline stores their answers on the source row.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from broadsheet.model import UNHEALTHY_AFTER  # shared with the health a source shows readers

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)
UNHEALTHY_INTERVAL = timedelta(hours=24)  # retried daily once unhealthy; never dropped
GONE_INTERVAL = timedelta(days=30)  # 410 Gone: checked monthly in case it comes back
RATE_WINDOW = timedelta(days=7)


def _clamp(value: timedelta, low: timedelta, high: timedelta) -> timedelta:
    return max(low, min(high, value))


def adaptive_interval(
    entry_times: Iterable[datetime | None], now: datetime, low: timedelta = MIN_INTERVAL, high: timedelta = MAX_INTERVAL
) -> timedelta:
    """Poll about twice per average gap between the feed's recent entries, within [low, high].

    A feed publishing every 10 minutes is polled every 5; one that posts weekly, daily.
    Undated feeds fall back to an hour."""
    dated = [t for t in entry_times if t is not None]
    recent = sorted(t for t in dated if now - RATE_WINDOW <= t <= now + timedelta(hours=1))
    if not dated:
        return _clamp(timedelta(hours=1), low, high)
    if len(recent) < 2:
        return high
    average_gap = (recent[-1] - recent[0]) / (len(recent) - 1)
    since_last = now - recent[-1]
    # A feed that has gone quiet for longer than its usual gap is polled less often.
    gap = max(average_gap, since_last / 2)
    return _clamp(gap / 2, low, high)


def jittered(delay: timedelta, spread: float = 0.1) -> timedelta:
    """Spread retries so feeds that failed together do not retry together."""
    return delay * random.uniform(1 - spread, 1 + spread)


def failure_delay(
    failures: int, base: timedelta, status: int | None = None, retry_after: float | None = None
) -> timedelta:
    """How long to wait after the n-th consecutive failure: exponential backoff with jitter,
    a day once unhealthy, a month once gone; a server's Retry-After is honoured when longer."""
    if status == 410:
        return GONE_INTERVAL
    if failures >= UNHEALTHY_AFTER:
        delay = UNHEALTHY_INTERVAL
    else:
        delay = _clamp(base * (2 ** max(0, failures - 1)), base, MAX_INTERVAL)
    delay = jittered(delay)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, GONE_INTERVAL)
