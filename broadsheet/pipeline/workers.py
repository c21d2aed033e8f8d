"""CPU-bound extraction on all cores: a process pool shared by every refresh of the process.

Fetching is I/O and lives on the event loop; extraction is pure Python and lxml, so threads
would queue on the GIL. Small passes stay in a thread: starting workers costs more than it saves.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from broadsheet.context import Context, current

T = TypeVar("T")
POOL_THRESHOLD = 16  # pages in a pass below which a thread is cheaper than the pool
POOL = "extraction-pool"  # the context's slot: one pool per process, shut down when the context closes


def _warm() -> None:
    """Import the extraction stack once per worker, not on its first page."""
    import broadsheet.pipeline.stages  # noqa: F401


def worker_count(setting: int) -> int:
    """Workers to use: the setting, or one per core when it is 0."""
    return setting if setting > 0 else (os.cpu_count() or 1)


def get_pool(workers: int, context: Context | None = None) -> ProcessPoolExecutor:
    """The process's extraction pool, kept in its context (created on first use; forkserver, so no
    thread state is copied). Asked for another size, the old pool is shut down first."""
    context = context or current()
    if context.peek(POOL, workers) is None:
        _shut(context.take(POOL), wait=False)
    return context.shared(POOL, workers, lambda: _new_pool(workers, context))


def _new_pool(workers: int, context: Context) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("forkserver"), initializer=_warm
    )
    context.on_close(lambda: pool.shutdown(wait=True, cancel_futures=True))
    # A context nobody closed (a test, a library caller) still stops its workers before the
    # interpreter tears its modules down, instead of in a late garbage collection.
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool


def _shut(pools: list, wait: bool) -> None:
    for pool in pools:
        pool.shutdown(wait=wait, cancel_futures=True)


def shutdown_pool(context: Context | None = None) -> None:
    """Stop the workers (tests and a clean exit)."""
    _shut((context or current()).take(POOL), wait=True)


async def run_cpu(function: Callable[..., T], *args: object, use_pool: bool, workers: int) -> T:
    """Run a pure CPU-bound function off the event loop: in the pool when asked, else in a thread."""
    if use_pool and workers > 1:
        try:
            return await asyncio.get_running_loop().run_in_executor(get_pool(workers), function, *args)
        except BrokenProcessPool:
            # A worker died (killed, out of memory, or no importable __main__ for forkserver):
            # drop the pool so the next pass builds a fresh one, and finish this item in a thread.
            _discard_pool()
    return await asyncio.to_thread(function, *args)


def _discard_pool() -> None:
    _shut(current().take(POOL), wait=False)
