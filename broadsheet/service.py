"""One process serving the site while a background thread refreshes the sources."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.context import Context, current, install
from broadsheet.nlp.embed import preload
from broadsheet.pipeline.mailing import send_due_digests
from broadsheet.pipeline.progress import Progress, Tally
from broadsheet.pipeline.runner import refresh
from broadsheet.web.app import create_app
from broadsheet.web.metrics import metrics_of, share_between_processes
from broadsheet.web.starting import Switch, starting_app

log = logging.getLogger(__name__)
STOP_WAIT = 60.0  # seconds a stopping server gives the refresh pass in hand to finish


class RefreshLoop(threading.Thread):
    """Runs a refresh pass every `interval` seconds until stopped.

    A thread with its own event loop, so slow publishers never delay a reader's page."""

    def __init__(self, engine: Engine, config: Config, interval: float, progress: Progress | None = None):
        super().__init__(name="broadsheet-refresh", daemon=True)
        self.engine, self.config, self.interval = engine, config, interval
        self.progress = progress or Progress()
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()

    def wake(self) -> None:
        """Run a pass now (a hub pushed new entries), without waiting for the interval."""
        self._wake_event.set()

    def _sleep(self) -> bool:
        """Wait for the interval or a wake-up; False once stopped."""
        self._wake_event.wait(self.interval)
        self._wake_event.clear()
        return not self._stop_event.is_set()

    def run(self) -> None:
        while self._sleep():
            try:
                report = asyncio.run(refresh(self.engine, self.config, self.progress))
                metrics_of(current()).record_refresh(report)
                log.info(
                    "refresh: %d feeds, %d new articles, %d failures",
                    report.sources_polled,
                    report.articles_saved,
                    report.sources_failed + report.articles_failed,
                )
            except Exception:  # the loop must outlive any single bad pass; the error is logged
                log.exception("refresh: pass failed")
            self.send_digests()

    def send_digests(self) -> None:
        """After each pass, the readers' digest emails that are due (each claimed first, so a second
        process doing the same sends nothing twice)."""
        try:
            report = send_due_digests(self.engine, self.config)
            if report.sent or report.failed:
                log.info("digests: %d emails sent, %d failed", report.sent, report.failed)
        except Exception:  # a mail server or database hiccup must not stop the refresh loop
            log.exception("digests: sending failed")

    def stop(self) -> None:
        """Ask the loop to finish after the current pass."""
        self._stop_event.set()
        self._wake_event.set()


def serve(
    engine: Engine, config: Config, warmup: Callable[[], object] | None = None, tally: Tally | None = None
) -> None:
    """Serve the site on config.host:config.port, refreshing sources in the background.

    With web_workers > 1 the site runs in that many processes (uvicorn's supervisor; SQLite in
    WAL mode serves readers in parallel) while this process alone refreshes the sources. With a
    `warmup` (the demo's first collection), one process answers at once with its progress
    (`tally`) and opens the site when the warmup is done."""
    interval = config.refresh_interval
    if config.web_workers > 1:  # /metrics adds up what every process counted (web/metrics.py)
        share_between_processes(config.data_dir)
    context = install(current().derive(config, engine))  # models kept; caches and the work queue its own
    asked_work_to_jobs(context, engine, config)
    loop = RefreshLoop(engine, config, interval) if interval > 0 else None
    try:
        if config.web_workers > 1:
            _serve_workers(config, warmup, loop)
        elif warmup is None:
            _start(loop)
            uvicorn.run(_site(engine, config, context, loop), **_uvicorn_options(config))
        else:
            site = Switch(starting_app(tally or Tally()))
            threading.Thread(
                target=_open_when_warm,
                args=(site, warmup, engine, config, context, loop),
                name="broadsheet-warmup",
                daemon=True,
            ).start()
            uvicorn.run(site, **_uvicorn_options(config))
    finally:
        # SIGTERM or Ctrl-C: let the pass in hand finish (a killed one is finished by the next)
        if loop and loop.is_alive():
            loop.stop()
            loop.join(STOP_WAIT)
        if warmup is not None:
            context.close()  # the switch does not pass lifespan events on to the site it opened


def _uvicorn_options(config: Config) -> dict:
    # Proxy headers are read by the site itself, from configured proxies only. asyncio's own event
    # loop, not uvloop (uvicorn's pick when installed): pages render in the loop on SQLite
    # (web/site.py Site.page), and under uvloop a one-process site at 50 connections left some
    # readers waiting seconds (p99 1.4 to 3.4 s against 0.46 to 0.56 s on asyncio's loop, at about
    # the same throughput; /healthz and cached pages equal within noise).
    return {"host": config.host, "port": config.port, "log_level": "warning", "proxy_headers": False, "loop": "asyncio"}


def _serve_workers(config: Config, warmup: Callable[[], object] | None, loop: RefreshLoop | None) -> None:
    """The site in `web_workers` processes (uvicorn's supervisor), each building its own context
    from the settings passed down in the environment; this process only refreshes."""
    if warmup:
        warmup()
    _start(loop)
    os.environ[WORKER_SETTINGS] = json.dumps(config.as_dict(reveal_secrets=True))
    uvicorn.run("broadsheet.service:worker_app", factory=True, workers=config.web_workers, **_uvicorn_options(config))


def _start(loop: RefreshLoop | None) -> None:
    if loop:
        loop.start()


def _site(engine: Engine, config: Config, context: Context, loop: RefreshLoop | None) -> FastAPI:
    app = create_app(engine, config, on_new_entries=pushed_entries_hook(engine, config, loop), context=context)
    preload(config.embeddings)
    return app


def _open_when_warm(
    site: Switch,
    warmup: Callable[[], object],
    engine: Engine,
    config: Config,
    context: Context,
    loop: RefreshLoop | None,
) -> None:
    """Run the warmup, then open the site (opened all the same when the warmup failed: readers
    see what was collected, and the refresh loop tries again)."""
    try:
        warmup()
    except Exception:
        log.exception("serve: the first collection failed; opening the site with what there is")
    site.swap(_site(engine, config, context, loop))
    _start(loop)
    if loop:
        loop.wake()  # what the warmup left for later (the demo's pictures) comes now, not in a minute


WORKER_SETTINGS = "BROADSHEET_WORKER_SETTINGS"


def worker_app() -> object:
    """The site in a uvicorn worker process, built from the settings its parent passed on.

    Pushed WebSub entries are stored here and fetched by the parent's next refresh pass."""
    from broadsheet.config import Config
    from broadsheet.store.db import make_engine

    config = Config(json.loads(os.environ[WORKER_SETTINGS]))
    engine = make_engine(config.resolved_database_url)
    app = create_app(engine, config, on_new_entries=pushed_entries_hook(engine, config, None))
    asked_work_to_jobs(app.state.context, engine, config)
    preload(config.embeddings)
    return app


def pushed_entries_hook(engine: Engine, config: Config, loop: RefreshLoop | None) -> Callable[[], None] | None:
    """Who fetches the pages of entries a hub pushed: the job engine's sweep at once, else this
    process's refresh loop (woken now), else the parent's next pass (a web worker process)."""
    from broadsheet.jobs.engine import job_engine

    if job_engine(config) == "procrastinate":
        from broadsheet.jobs.tasks import sweep_now

        return sweep_now(engine)
    return loop.wake if loop else None


def asked_work_to_jobs(context: Context, engine: Engine, config: Config) -> None:
    """With a job engine, the work a page view asks for (enrichment, related lists, digests) is
    queued as jobs for the workers; the web process itself then never writes."""
    from broadsheet.jobs.engine import job_engine

    if job_engine(config) == "procrastinate":
        from broadsheet.jobs.tasks import AskedWork

        context.work.sink = AskedWork(engine)
