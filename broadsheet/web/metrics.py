"""/metrics in Prometheus's text format: what the desk holds, read from the database at scrape time
(sources by health, each source's consecutive errors and last fetch, articles by status, the queue
of work per stage), and what the processes did (refresh passes, feed and page fetches, stage
latencies, pages served).

Why two kinds: the site may run in several web processes (service.py, web_workers) and the
pipeline in others (`broadsheet worker`, on other machines). Every gauge is therefore computed from
the database, which all of them share, so any process a scrape reaches gives the same answer and no
process keeps state another must know. Counters and latencies cannot be read back from the database;
they are prometheus-client counters, and when the site runs in several processes `serve` turns on
prometheus-client's multiprocess mode (share_between_processes): each process writes its counts to
a file under the data folder and any worker's scrape adds them all up. Work done by `broadsheet
worker` processes elsewhere shows up in the gauges (queues, source health), not in these counters."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadsheet.context import Context
from broadsheet.pipeline.enrich import VERSION as ENRICH_VERSION
from broadsheet.pipeline.runner import RefreshReport
from broadsheet.store import sources as source_store
from broadsheet.store import work as work_store
from broadsheet.store.schema import articles
from broadsheet.web.site import Site, site_of

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own switch
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


def share_between_processes(data_dir: str) -> Path:
    """Multiprocess mode for this process and the ones it starts next: counts kept as files in a
    folder emptied now (a previous run's counts are not this run's)."""
    folder = Path(data_dir) / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(folder)
    # prometheus-client chose in-memory values when it was imported; metrics made from now on use files.
    prometheus_values.ValueClass = prometheus_values.get_value_class()
    return folder


class Metrics:
    """One process's counters (kept in its Context: `metrics_of`)."""

    def __init__(self) -> None:
        self.folder = os.environ.get(MULTIPROCESS_ENV)
        self.registry = CollectorRegistry()
        own = None if self.folder else self.registry  # in multiprocess mode the files are the registry
        self.passes = Counter("broadsheet_refresh_passes", "Refresh passes run.", registry=own)
        self.fetches = Counter(
            "broadsheet_fetches",
            "Feeds and article pages fetched, by kind and outcome.",
            ["kind", "outcome"],
            registry=own,
        )
        self.stage_seconds = Histogram(
            "broadsheet_stage_seconds",
            "Time a refresh pass spent in each stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=own,
        )
        self.pages = Counter(
            "broadsheet_pages_served",
            "Responses served, by kind (page, feed, api, other) and status class.",
            ["kind", "status"],
            registry=own,
        )

    def record_refresh(self, report: RefreshReport) -> None:
        """Count what one refresh pass did."""
        self.passes.inc()
        self.fetches.labels("feed", "ok").inc(report.sources_polled - report.sources_failed)
        self.fetches.labels("feed", "failed").inc(report.sources_failed)
        self.fetches.labels("article", "ok").inc(report.articles_saved)
        self.fetches.labels("article", "failed").inc(report.articles_failed)
        for stage, seconds in report.seconds.items():
            self.stage_seconds.labels(stage).observe(seconds)

    def exposition(self, engine: Engine) -> bytes:
        """Everything, in Prometheus's text format."""
        scrape = CollectorRegistry()
        scrape.register(DatabaseCollector(engine))
        if self.folder:
            MultiProcessCollector(scrape, self.folder)
        else:
            scrape.register(self.registry)
        return generate_latest(scrape)


def metrics_of(context: Context) -> Metrics:
    """The process's metrics, made on first use."""
    return context.shared("metrics", "", Metrics)


class DatabaseCollector:
    """Gauges computed from the database when scraped: the same from every process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        listed = source_store.list_sources(self.engine)
        states = GaugeMetricFamily("broadsheet_sources", "Followed sources, by health.", labels=["state"])
        for state in ("healthy", "failing", "unhealthy", "gone"):
            states.add_metric([state], sum(1 for s in listed if s.state == state))
        errors = GaugeMetricFamily(
            "broadsheet_source_errors", "Consecutive failed fetches of each source.", labels=["source_id", "source"]
        )
        fetched = GaugeMetricFamily(
            "broadsheet_source_last_fetch_timestamp_seconds", "When each source was last fetched.", labels=["source_id"]
        )
        for source in listed:
            errors.add_metric([str(source.key), source.title or source.feed_url], source.error_count)
            if source.last_fetched_at:
                fetched.add_metric([str(source.key)], source.last_fetched_at.timestamp())
        yield from (states, errors, fetched, *self._articles())

    def _articles(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily("broadsheet_articles", "Stored articles, by status.", labels=["status"])
        with self.engine.connect() as conn:
            counts: dict[str, int] = dict(
                conn.execute(select(articles.c.status, func.count()).group_by(articles.c.status)).all()
            )
        for status in ("ok", "pending", "error"):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        queue = GaugeMetricFamily("broadsheet_queue_depth", "Articles waiting for each stage.", labels=["stage"])
        for stage, count in work_store.waiting_counts(self.engine, ENRICH_VERSION).items():
            queue.add_metric([stage], count)
        yield queue


def _kind(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.endswith((".atom", ".json", ".opml")):
        return "feed"
    return "other" if path.startswith(("/static/", "/metrics", "/healthz")) else "page"


class CountPages:
    """ASGI middleware: every response counted by kind and status class (2xx, 3xx, 4xx, 5xx)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.metrics.pages.labels(_kind(scope["path"]), f"{message['status'] // 100}xx").inc()
            await send(message)

        await self.app(scope, receive, counted)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, site: Site = Depends(site_of)) -> Response:
    body = metrics_of(request.app.state.context).exposition(site.engine)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
