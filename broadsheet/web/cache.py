"""Micro-caching of anonymous pages: the same front page is rendered once per few seconds,
not once per reader. When a copy expires, the reader who finds it still gets it at once and a
background task renders the new one (stale-while-revalidate: no reader waits for a re-render and
a popular page never stampedes). Article pages may be kept longer than the front page (their
text does not change): a comment posted, edited or hidden through this process drops the page at
once, and bumps a generation counter every web process shares (`SharedGeneration`, in the database):
each process reads it at most once a second and drops its pages when it moved, so a comment, a
moderation action or a new article reaches every worker within about a second. Readers with a
session (their name in the header, their comment forms) always get a fresh page, and no response
that sets a cookie is ever stored."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from cachetools import LRUCache

Scope = dict
Message = dict
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

log = logging.getLogger(__name__)
FIRST_FILL_WAIT = 5.0  # seconds a request waits for an identical first rendering before rendering itself
STALE_FACTOR = 6  # an expired page may be served for this many TTLs more while it is being re-rendered
CHANGES = ("/comments", "/moderation")  # forms whose success changes pages other processes cache
CHECK_INTERVAL = 1.0  # seconds between reads of the shared generation counter
SKIP_PREFIXES = (
    "/static/",
    "/websub/",
    "/healthz",
    "/login",
    "/register",
    "/logout",
    "/moderation",
    "/comments",
    # Reader apps and a reader's own pages: personal, whoever signs the request.
    "/reader/",
    "/accounts/",
    "/fever",
    "/saved",
    "/account",
)


class SharedGeneration:
    """A counter all web processes share; `moved()` says whether it changed since this process looked."""

    def __init__(
        self,
        read: Callable[[], int],
        bump: Callable[[], None],
        interval: float = CHECK_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.read, self.bump, self.interval, self.clock = read, bump, interval, clock
        self.seen: int | None = None
        self.checked = float("-inf")

    def due(self) -> bool:
        """Whether the counter should be read again (at most once per interval)."""
        return self.clock() - self.checked >= self.interval

    def moved(self) -> bool:
        """Read the counter; True when another process (or this one) changed it since the last read."""
        self.checked = self.clock()
        try:
            value = self.read()
        except Exception:  # the database busy or away: keep serving; the next check tries again
            log.warning("cache: reading the shared generation failed", exc_info=True)
            return False
        changed = self.seen is not None and value != self.seen
        self.seen = value
        return changed


class PageCache:
    """ASGI middleware: cache 200 GET responses of anonymous requests for `ttl` seconds (LRU)."""

    def __init__(
        self,
        app: ASGIApp,
        ttl: float,
        max_entries: int = 4096,
        session_cookies: tuple[str, ...] = (),
        longer: dict[str, float] | None = None,
        shared: SharedGeneration | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.app, self.ttl, self.max_entries = app, ttl, max_entries
        self.shared, self.clock = shared, clock
        self.longer = {prefix: seconds for prefix, seconds in (longer or {}).items() if seconds > ttl}
        self.session_cookies = tuple(name.encode() + b"=" for name in session_cookies)
        # Least recently used first out; expiry is ours (an expired page is still served while it
        # is re-rendered), so the cache only bounds the count.
        self.entries: LRUCache[bytes, tuple[float, int, list, bytes]] = LRUCache(max_entries)
        self.refreshing: set[bytes] = set()
        self.filling: dict[bytes, asyncio.Event] = {}
        self.tasks: set[asyncio.Task] = set()  # background re-renders (held so they are not collected)

    def _ttl(self, path: str) -> float:
        return next((seconds for prefix, seconds in self.longer.items() if path.startswith(prefix)), self.ttl)

    @staticmethod
    def _key(scope: Scope) -> bytes:
        """Everything a cached response may depend on: path and query, and the scheme and Host (a
        trusted host becomes the base of a feed's links), so one client's Host never reaches another's."""
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        return (
            scope["path"].encode()
            + b"?"
            + scope.get("query_string", b"")
            + b"\x00"
            + scope.get("scheme", "http").encode()
            + b"://"
            + host
        )

    def _cacheable(self, scope: Scope) -> bool:
        if self.ttl <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return False
        if scope["path"].startswith(SKIP_PREFIXES):
            return False
        for name, value in scope["headers"]:
            if name == b"cookie" and any(cookie in value for cookie in self.session_cookies):
                return False  # a signed-in reader: personal page
            if name == b"authorization":
                return False  # a reader app or an API key (/api/me): the reader's own answer
        return True

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if self.ttl <= 0:  # no cache here: nothing to keep fresh
            await self.app(scope, receive, send)
            return
        if not self._cacheable(scope):
            if scope["type"] == "http" and scope["method"] == "POST" and (self.entries or self.shared):
                await self.app(scope, receive, self._purging(scope, send))
            else:
                await self.app(scope, receive, send)
            return
        if self.shared is not None and self.shared.due() and await asyncio.to_thread(self.shared.moved):
            self.entries.clear()  # another process changed something: every page may show it
        key = self._key(scope)
        hit = self.entries.get(key)
        now = self.clock()
        if hit and hit[0] + self._ttl(scope["path"]) * STALE_FACTOR > now:
            # Fresh, or stale but recent: served now; a stale copy is re-rendered in the background.
            if hit[0] <= now and key not in self.refreshing:
                self._refresh_in_background(scope, key)
            await self._replay(scope, send, hit)
            return
        if hit is None and key in self.filling:  # first rendering under way: wait for it, briefly
            try:
                await asyncio.wait_for(self.filling[key].wait(), FIRST_FILL_WAIT)
            except TimeoutError:
                pass
            hit = self.entries.get(key)
            if hit is not None:
                await self._replay(scope, send, hit)
                return
        self.refreshing.add(key)
        done = self.filling.setdefault(key, asyncio.Event())
        try:
            await self._fill(scope, receive, send, key)
        finally:
            self.refreshing.discard(key)
            self.filling.pop(key, None)
            done.set()

    def _purging(self, scope: Scope, send: Callable) -> Callable:
        """Wrap `send` so that a form that changed a page (a comment posted, edited, hidden) drops
        that page from this process's cache: the redirect after the form names it."""

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status", 500) < 400:
                location = next((v for k, v in message.get("headers", []) if k == b"location"), b"")
                target = location.split(b"#", 1)[0].split(b"?", 1)[0]
                changed = True
                if target.startswith((b"/articles/", b"/stories/")):
                    self.purge(target)
                elif scope["path"].endswith(("/hide", "/restore")):
                    self.purge(b"/articles/", b"/stories/")  # moderated from the queue: the page is not named
                else:
                    changed = False
                if changed and self.shared is not None and scope["path"].startswith(CHANGES):
                    # Announced before the redirect, so the reader's next page is fresh in every process.
                    await asyncio.to_thread(self.shared.bump)
            await send(message)

        return wrapped

    def purge(self, *prefixes: bytes) -> None:
        """Drop every cached page whose path starts with one of these."""
        for key in [k for k in self.entries if k.split(b"?", 1)[0].startswith(prefixes)]:
            del self.entries[key]

    def _refresh_in_background(self, scope: Scope, key: bytes) -> None:
        self.refreshing.add(key)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            return None

        async def run() -> None:
            try:
                headers = [(k, v) for k, v in scope["headers"] if k not in (b"if-none-match", b"if-modified-since")]
                await self._fill({**scope, "headers": headers}, receive, discard, key)
            except Exception:  # the stale copy stays; the next reader tries again
                log.exception("cache: re-rendering %s failed", scope["path"])
            finally:
                self.refreshing.discard(key)

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _replay(self, scope: Scope, send: Callable, hit: tuple) -> None:
        _, status, headers, body = hit
        etag = next((v for k, v in headers if k == b"etag"), None)
        wanted = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if etag and wanted and etag in wanted:
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"x-cache", b"hit")]})
        await send({"type": "http.response.body", "body": body})

    async def _fill(self, scope: Scope, receive: Callable, send: Callable, key: bytes) -> None:
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._store(key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key: bytes, start: dict, body: bytes) -> None:
        headers = list(start.get("headers", []))
        if start.get("status") != 200 or any(name == b"set-cookie" for name, _ in headers):
            return
        path = key.split(b"?", 1)[0].decode("latin-1")
        self.entries[key] = (self.clock() + self._ttl(path), 200, headers, body)
