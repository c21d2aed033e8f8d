"""`broadsheet worker`: one process running pipeline jobs; start any number, on any machine
that reaches the PostgreSQL database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Sequence

from broadsheet.config import Config
from broadsheet.errors import ConfigError
from broadsheet.ingest.fetch import Fetcher
from broadsheet.jobs import tasks
from broadsheet.jobs.engine import ensure_schema, make_app, require_job_engine
from broadsheet.nlp.embed import load_embedder
from broadsheet.pipeline import understand
from broadsheet.pipeline.runner import fetch_policy
from broadsheet.store.db import open_database

log = logging.getLogger(__name__)
SHUTDOWN_GRACE = 60.0  # seconds a stopping worker lets its running jobs finish before aborting them


def check_queues(queues: Sequence[str]) -> list[str] | None:
    """The queues to listen to (None: all), refusing names no job uses."""
    unknown = sorted(set(queues) - set(tasks.QUEUES))
    if unknown:
        raise ConfigError(f"worker: unknown queue {', '.join(unknown)}; the queues are {', '.join(tasks.QUEUES)}")
    return list(queues) or None


def run_worker(config: Config, concurrency: int, queues: Sequence[str] = ()) -> None:
    """Run jobs until SIGTERM or SIGINT (running jobs are finished first)."""
    require_job_engine(config)
    if concurrency < 1:
        raise ConfigError("worker: --concurrency must be at least 1")
    asyncio.run(_work(config, concurrency, check_queues(queues)))


async def _work(config: Config, concurrency: int, queues: list[str] | None) -> None:
    ensure_schema(config)
    engine = open_database(config.resolved_database_url)
    understand.configure(engine, load_embedder(config.embeddings))  # the worker's own settings, not the environment's
    app = make_app(config, min_size=1, max_size=max(4, concurrency + 2))
    try:
        async with Fetcher(fetch_policy(config)) as fetcher:
            tasks.register(app, tasks.Context(engine, config, fetcher))
            async with app.open_async():
                await app.run_worker_async(
                    name=f"{socket.gethostname()}:{os.getpid()}",
                    concurrency=concurrency,
                    queues=queues or None,  # type: ignore[arg-type]  # Worker takes None (every queue); the typed options do not say so
                    delete_jobs="successful",
                    update_heartbeat_interval=tasks.HEARTBEAT,
                    stalled_worker_timeout=tasks.STALLED_AFTER,
                    shutdown_graceful_timeout=SHUTDOWN_GRACE,
                    fetch_job_polling_interval=1.0,
                )
    finally:
        engine.dispose()
