"""The one context a process builds at start-up: settings, the database engine, models and caches.

Everything a process keeps between requests or passes lives here, built once and passed down:
loaded models (embedder, NER), per-database state (the understand stage, the vector index), caches
(passage indexes, LLM generators), the extraction process pool and the queue of work that reads asked for but must not do
themselves. `serve`, `demo`, `refresh` and the web workers each build one context and install it;
library code reaches it through `current()` when no caller passed one, so the old per-module
registries are gone and a test can install a fresh context of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from broadsheet.config import Config, load_config
from broadsheet.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from broadsheet.work import WorkQueue

log = logging.getLogger(__name__)
T = TypeVar("T")
MODELS = (
    "embedder",
    "ner-model",
    "ner-model-lock",
    "section-prototypes",
)  # kinds that depend on no database or setting


class Context:
    """Settings, engine, models and caches of one process."""

    def __init__(self, config: Config | None = None, engine: Engine | None = None) -> None:
        self.config = config or load_config()
        self._engine = engine
        self._lock = threading.Lock()
        self._shared: dict[tuple[str, Hashable], object] = {}
        self._building: dict[tuple[str, Hashable], threading.Lock] = {}
        self._work: WorkQueue | None = None
        self._closers: list[Callable[[], None]] = []

    def derive(self, config: Config, engine: Engine | None = None) -> Context:
        """A context for other settings or another database that keeps this one's loaded models."""
        fresh = Context(config, engine)
        with self._lock:
            fresh._shared.update({slot: value for slot, value in self._shared.items() if slot[0] in MODELS})
        return fresh

    @property
    def engine(self) -> Engine:
        """The database engine the context was built with (commands open it; this low module does not)."""
        if self._engine is None:
            raise ConfigError("context: this process's context was built without a database")
        return self._engine

    def shared(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The object of this kind and key, built once per context (another thread waits for it)."""
        slot = (kind, key)
        with self._lock:
            if slot in self._shared:
                return self._shared[slot]  # type: ignore[return-value]
            building = self._building.setdefault(slot, threading.Lock())
        with building:  # one builder per slot; a slow model load never blocks other slots
            with self._lock:
                if slot in self._shared:
                    return self._shared[slot]  # type: ignore[return-value]
            value = build()
            with self._lock:
                self._shared[slot] = value
                self._building.pop(slot, None)
            return value

    def put(self, kind: str, key: Hashable, value: T) -> T:
        """Install an object (a chosen embedder for tests and benchmarks)."""
        with self._lock:
            self._shared[(kind, key)] = value
        return value

    def peek(self, kind: str, key: Hashable) -> object | None:
        """The object if it was built already, else None (never builds)."""
        with self._lock:
            return self._shared.get((kind, key))

    def drop(self, kind: str, keep: Callable[[Hashable], bool] | None = None) -> None:
        """Forget objects of a kind (all, or those whose key `keep` refuses)."""
        with self._lock:
            for slot in [s for s in self._shared if s[0] == kind and not (keep and keep(s[1]))]:
                del self._shared[slot]

    def kept(self, kind: str, key: Hashable, build: Callable[[], T], limit: int) -> T:
        """Like `shared`, for a cache: at most `limit` objects of the kind, the oldest dropped first."""
        if self.peek(kind, key) is None:
            while self.count(kind) >= limit:
                oldest = self.oldest(kind)

                def younger(k: Hashable, oldest: Hashable | None = oldest) -> bool:
                    return k != oldest

                self.drop(kind, keep=younger)
        return self.shared(kind, key, build)

    def take(self, kind: str) -> list[object]:
        """Remove the objects of a kind and hand them over (to be shut down by the caller)."""
        with self._lock:
            slots = [s for s in self._shared if s[0] == kind]
            return [self._shared.pop(s) for s in slots]

    def count(self, kind: str) -> int:
        """How many objects of a kind are kept (bounded caches)."""
        with self._lock:
            return sum(1 for s in self._shared if s[0] == kind)

    def oldest(self, kind: str) -> Hashable | None:
        """The key of the kind's oldest object (caches drop it first)."""
        with self._lock:
            return next((s[1] for s in self._shared if s[0] == kind), None)

    @property
    def work(self) -> WorkQueue:
        """Work that reads asked for (enrichment, related lists), done off the request."""
        with self._lock:
            if self._work is None:
                from broadsheet.work import WorkQueue

                self._work = WorkQueue(self)
            return self._work

    def request_work(self, kind: str, article_id: str) -> None:
        """Ask for work ("enrich", "related", "digest"): queued, never done by the caller."""
        self.work.request(kind, article_id)

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run this when the context closes (stop a thread, close a client)."""
        self._closers.append(closer)

    def close(self) -> None:
        """Stop the context's threads, finish queued work and release what it holds."""
        if self._work is not None:
            self._work.stop()
        for closer in reversed(self._closers):
            try:
                closer()
            except Exception:  # closing the rest matters more than one failure
                log.exception("context: closing failed")
        self._closers.clear()


_installed: list[Context] = []  # the context of this process (one slot; see install)
_install_lock = threading.Lock()


def install(context: Context) -> Context:
    """Make this the process's context (start-up of every command, and tests)."""
    with _install_lock:
        _installed[:] = [context]
    return context


def close_installed() -> None:
    """Close the process's context, if one was made (exit)."""
    with _install_lock:
        found = list(_installed)
    for context in found:
        context.close()


def current() -> Context:
    """The process's context; one is built from the settings when nothing installed one."""
    with _install_lock:
        if not _installed:
            _installed.append(Context())
        return _installed[0]


def request_work(kind: str, item: str, context: Context | None = None) -> None:
    """Ask for work on an article ("enrich" or "related") or a digest ("digest", an
    `explain.digest_item`), to be done off the request by the process's context."""
    (context or current()).request_work(kind, item)
