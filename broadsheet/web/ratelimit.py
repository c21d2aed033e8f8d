"""Rate limits every web process (and every machine) of a site shares, counted in the database.

Each limit allows `burst` actions per window of `burst × every` seconds (the same average rate as
the in-memory token bucket, without its per-process copies). Login throttling keeps its own limiter."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from broadsheet.store.db import retry_write
from broadsheet.store.ratehits import count_hit
from broadsheet.web.accounts import Limit, RateLimited, RateLimiter, _wait_words

SHARED = ("register-ip", "comment-user", "comment-ip", "report-user")  # login-* stay with the login limiter


class SharedRateLimiter:
    """`hit(action, who)` like RateLimiter; the shared actions are counted in the database."""

    def __init__(self, engine: Engine, limits: dict[str, Limit], shared: Iterable[str] = SHARED,
                 clock: Callable[[], float] = time.time):
        self.engine, self.limits, self.clock = engine, limits, clock
        self.shared = set(shared)
        self.local = RateLimiter(limits)

    def hit(self, action: str, who: str) -> None:
        """Count one `action` by `who`, or raise RateLimited when the window is full."""
        if action not in self.shared:
            self.local.hit(action, who)
            return
        limit, now = self.limits[action], self.clock()
        window = limit.burst * limit.every
        slot = int(now // window)
        hits = retry_write(lambda: count_hit(self.engine, f"{action}:{who}", slot), "rate limit")
        if hits > limit.burst:
            wait = (slot + 1) * window - now
            raise RateLimited(f"{limit.message}. Please wait {_wait_words(wait)} and try again.", wait)
