"""Work that a read asked for but must not do itself: enrich an article, rank its related list again,
store a story's digest (summary, timeline, what each source adds), remember that a signed-in reader
opened an article (its item is "user_id:article_id").

A GET renders what is stored and calls `request_work`; the work is done elsewhere, by the handlers
`pipeline/asked.py` registers. Embedded, that is
one background thread owned by the process's context (and the refresh loop, which drains the same
queue); at scale, the job engine: set `WorkQueue.sink` to a function that enqueues a job, and every
request goes there instead. Requests for the same article and kind fold into one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from broadsheet.context import Context

log = logging.getLogger(__name__)
KINDS = ("enrich", "related", "digest", "read")
BATCH = 100  # articles handled per call of a handler
THREAD_NAME = "broadsheet-work"  # the context's background thread (tests tell its statements from a request's)


HANDLERS: dict[str, Callable[[Context, list[str]], None]] = {}  # filled by pipeline/asked.py (register)


def register(kind: str, handler: Callable[[Context, list[str]], None]) -> None:
    """Say who does a kind of work; the pipeline registers its handlers when it is imported, so
    this low module never reaches up to the pipeline."""
    if kind not in KINDS:
        raise ValueError(f"work: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    HANDLERS[kind] = handler


class WorkQueue:
    """Requested work, done by one background thread of the context (or handed to `sink`)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.sink: Callable[[str, str], None] | None = None  # the job engine's enqueue, when there is one
        self._pending: dict[tuple[str, str], None] = {}  # ordered set: first asked, first done
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def request(self, kind: str, article_id: str) -> None:
        """Ask for work on an article; returns at once."""
        if kind not in KINDS:
            raise ValueError(f"work: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        if self.sink is not None:
            self.sink(kind, article_id)
            return
        with self._cond:
            if self._stopping:
                return  # shutting down: the next pass or view asks again
            self._pending[(kind, article_id)] = None
            if self._thread is None:
                # A daemon: unfinished work is asked for again later, so it never holds a process open;
                # close() (shutdown) still finishes what is pending.
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _take(self) -> dict[str, list[str]]:
        """Everything pending, by kind (the caller holds the condition)."""
        taken: dict[str, list[str]] = {}
        for kind, article_id in list(self._pending)[: BATCH * len(KINDS)]:
            taken.setdefault(kind, []).append(article_id)
            del self._pending[(kind, article_id)]
        self._busy += 1
        return taken

    def _do(self, taken: dict[str, list[str]]) -> None:
        try:
            for kind, ids in taken.items():
                try:
                    HANDLERS[kind](self.context, ids)  # KeyError: nobody imported pipeline/asked.py
                except Exception:  # the work is asked for again on a later view or pass
                    log.exception("work: %s of %d articles failed", kind, len(ids))
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if not self._pending:
                    return
                taken = self._take()
            self._do(taken)

    def drain(self) -> None:
        """Do what is pending now, in the caller's thread (the refresh loop between passes)."""
        while True:
            with self._cond:
                if not self._pending:
                    return
                taken = self._take()
            self._do(taken)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending or in hand; False when the timeout came first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish what is pending, then end the thread (shutdown)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
