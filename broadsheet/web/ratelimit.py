"""Rate limits every web process (and every machine) of a site shares, counted in the database.

Each limit allows `burst` actions per window of `burst × every` seconds (the same average rate as
the in-memory token bucket, without its per-process copies). Login throttling keeps its own limiter.
The limits themselves and the in-memory bucket (`RateLimiter`) live here too."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from broadsheet.errors import BroadsheetError
from broadsheet.store.db import retry_write
from broadsheet.store.ratehits import count_hit


@dataclass(frozen=True)
class Limit:
    """A token bucket: `burst` actions at once, then one more every `every` seconds."""

    burst: int
    every: float
    message: str


LIMITS: dict[str, Limit] = {
    "register-ip": Limit(5, 720, "Too many new accounts from your address"),
    "comment-user": Limit(5, 20, "You are commenting faster than this site allows"),
    "comment-ip": Limit(20, 5, "Too many comments from your address"),
    "report-user": Limit(10, 60, "You have sent many reports in a short time"),
    "api-password-user": Limit(5, 60, "You have changed your API password many times in a short time"),
}


class RateLimited(BroadsheetError):
    """An action was refused because it came too often."""

    status = 429

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


def wait_words(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, math.ceil(seconds))} seconds"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class RateLimiter:
    """In-memory token buckets keyed by (action, who). One per process: fine for one web process;
    several processes each allow the full rate (move the buckets to Redis to share them)."""

    def __init__(self, limits: dict[str, Limit], clock=time.monotonic):
        self.limits, self.clock = limits, clock
        self.buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self.lock = threading.Lock()

    def hit(self, action: str, who: str) -> None:
        """Spend one token of `who`'s bucket for `action`, or raise RateLimited."""
        limit, now = self.limits[action], self.clock()
        with self.lock:
            tokens, stamp = self.buckets.get((action, who), (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - stamp) / limit.every)
            if tokens < 1:
                self.buckets[(action, who)] = (tokens, now)
                wait = (1 - tokens) * limit.every
                raise RateLimited(f"{limit.message}. Please wait {wait_words(wait)} and try again.", wait)
            self.buckets[(action, who)] = (tokens - 1, now)
            if len(self.buckets) > 50_000:
                self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely (they behave like new ones)."""
        full = [
            key
            for key, (tokens, stamp) in self.buckets.items()
            if tokens + (now - stamp) / self.limits[key[0]].every >= self.limits[key[0]].burst
        ]
        for key in full:
            del self.buckets[key]


SHARED = ("register-ip", "comment-user", "comment-ip", "report-user")  # login-* stay with the login limiter


class SharedRateLimiter:
    """`hit(action, who)` like RateLimiter; the shared actions are counted in the database."""

    def __init__(
        self,
        engine: Engine,
        limits: dict[str, Limit],
        shared: Iterable[str] = SHARED,
        clock: Callable[[], float] = time.time,
    ):
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
            raise RateLimited(f"{limit.message}. Please wait {wait_words(wait)} and try again.", wait)
