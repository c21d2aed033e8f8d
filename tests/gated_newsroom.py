"""The demo newsroom with a gate: count what is requested, hold requests of a kind after a number."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from broadsheet.demo.server import Newsroom
from broadsheet.demo.sites import request_key

WAIT = 180.0  # seconds a condition may take on a loaded machine before a test gives up


def _key(base_url: str, url: str) -> str:
    """One resource of one site: base URL and the site's own route key (several sites serve /rss)."""
    parts = urlsplit(url)
    return base_url + request_key(parts.path + (f"?{parts.query}" if parts.query else ""))


class Gate:
    """Serves the first `limit` feeds or pages of a kind, then holds every further one until opened."""

    def __init__(self, newsroom: Newsroom) -> None:
        self.kinds: dict[str, str] = {}  # "base URL + path?query" -> feed | page
        for app in newsroom._apps.values():  # the demo's own sites, wrapped in place
            self.kinds[_key(app.base_url, app.feed_url)] = "feed"
            self.kinds.update({_key(app.base_url, app.article_url(a)): "page" for a in app.articles})
            app.respond = self._wrap(app.base_url, app.respond)
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.paths: Counter = Counter()  # requests per resource, to see what was fetched twice
        self.limits: dict[str, int] = {}
        self.opened = threading.Event()

    def _wrap(self, base_url: str, respond: Callable) -> Callable:
        def gated(target: str, now: datetime):
            key = _key(base_url, target)
            kind = self.kinds.get(key, "other")
            with self.lock:
                self.counts[kind] += 1
                self.paths[key] += 1
                held = kind in self.limits and self.counts[kind] > self.limits[kind]
            if held:
                self.opened.wait(WAIT)
            return respond(target, now)

        return gated

    def hold(self, kind: str | None, limit: int) -> None:
        """Start counting afresh; hold every `kind` after `limit` of them (None: hold nothing)."""
        with self.lock:
            self.counts.clear()
            self.paths.clear()
            self.limits = {kind: limit} if kind else {}
            self.opened.clear()

    def holding(self, kind: str) -> bool:
        """Whether a request of this kind is being held."""
        with self.lock:
            return kind in self.limits and self.counts[kind] > self.limits[kind]

    def open(self) -> None:
        """Let everything through."""
        with self.lock:
            self.limits = {}
        self.opened.set()
