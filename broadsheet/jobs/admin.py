"""What `broadsheet jobs` shows and does: jobs per kind and state, retrying and cancelling."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import procrastinate
import psycopg
from procrastinate import utils

from broadsheet.config import Config
from broadsheet.errors import InputError
from broadsheet.jobs.engine import conninfo, ensure_schema, job_engine

_COUNTS = """
    SELECT task_name,
           count(*) FILTER (WHERE status = 'todo') AS queued,
           count(*) FILTER (WHERE status = 'doing') AS running,
           count(*) FILTER (WHERE status = 'failed') AS failed,
           count(*) FILTER (WHERE attempts > 0) AS retried,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled
      FROM procrastinate_jobs GROUP BY task_name ORDER BY task_name"""


@dataclass(frozen=True)
class KindCounts:
    """Jobs of one kind by state (finished successful jobs are deleted by the workers)."""

    kind: str
    queued: int
    running: int
    failed: int
    retried: int
    cancelled: int


@dataclass(frozen=True)
class FailedJob:
    """A job that ran out of attempts."""

    id: int
    kind: str
    args: dict
    attempts: int


@contextlib.contextmanager
def _app(config: Config) -> Iterator[procrastinate.App]:
    if job_engine(config) != "procrastinate":
        raise InputError('jobs: no job engine is configured (job_engine is "embedded": refreshes run in-process)')
    ensure_schema(config)
    connector = procrastinate.SyncPsycopgConnector(
        conninfo=conninfo(config.resolved_database_url), min_size=1, max_size=1
    )
    with procrastinate.App(connector=connector).open() as app:
        yield app


def job_counts(config: Config) -> list[KindCounts]:
    """Queued, running, failed, retried and cancelled jobs per kind."""
    with _app(config), psycopg.connect(conninfo(config.resolved_database_url)) as conn:
        return [KindCounts(*row) for row in conn.execute(_COUNTS)]


def failed_jobs(config: Config) -> list[FailedJob]:
    """Every failed job, oldest first."""
    with _app(config) as app:
        return [
            FailedJob(j.id or 0, j.task_name, j.task_kwargs, j.attempts)
            for j in app.job_manager.list_jobs(status="failed")
        ]


def retry(config: Config, job_id: int | None = None, all_failed: bool = False) -> int:
    """Queue a failed job (or every failed job) again; returns how many were queued."""
    if (job_id is None) == (not all_failed):
        raise InputError("jobs: give a job id or --all-failed")
    with _app(config) as app:
        ids = [job_id] if job_id is not None else [j.id for j in app.job_manager.list_jobs(status="failed")]
        for one in ids:
            found = app.job_manager.list_jobs(id=one)
            if not found or found[0].status != "failed" or found[0].id is None:
                raise InputError(f"jobs: job {one} is not a failed job (see `broadsheet jobs`)")
            app.job_manager.retry_job_by_id(found[0].id, retry_at=utils.utcnow())
        return len(ids)


def cancel(config: Config, job_id: int) -> str:
    """Cancel a queued job, or ask a running one to stop; returns what happened."""
    with _app(config) as app:
        found = app.job_manager.list_jobs(id=job_id)
        if not found:
            raise InputError(f"jobs: there is no job {job_id}")
        if found[0].status not in ("todo", "doing"):
            raise InputError(f"jobs: job {job_id} is {found[0].status}, not queued or running")
        app.job_manager.cancel_job_by_id(job_id, abort=found[0].status == "doing")
        return "cancelled" if found[0].status == "todo" else "asked to stop"
