"""`broadsheet demo`: the fictional newsroom, ingested through the real pipeline, then served."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from broadsheet.demo.server import Newsroom, start_newsroom
from broadsheet.pipeline.runner import RefreshReport, add_source_url, refresh

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from broadsheet.config import Config
    from broadsheet.terminal import State

console = Console(stderr=True)
DEMO_REFRESH_SECONDS = 60  # short, so the newsroom's "future" articles appear while you watch


def demo_config(state: State, port: int) -> Config:
    """Settings for the demo: its own fresh database, loopback fetching allowed, fast polling."""
    config = state.config(port=port, allow_private_addresses=True, min_poll_interval=DEMO_REFRESH_SECONDS)
    if not config.database_url:
        database = Path(config.data_dir).resolve() / "demo.db"
        for suffix in ("", "-wal", "-shm"):  # demo times are relative to now: start clean each run
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        config = config.replace(database_url=f"sqlite:///{database}")
    return config


async def add_newsroom_sources(engine: Engine, config: Config, newsroom: Newsroom) -> None:
    """Follow every demo publisher by its home page, so feed discovery runs for real."""
    for site in newsroom.sites:
        await add_source_url(engine, config, site.home_url)


def ingest_newsroom(
    engine: Engine, config: Config, newsroom: Newsroom, progress=None, pictures_too: bool = True
) -> RefreshReport:
    """Add the newsroom's sources and run one full refresh pass (its pictures too, unless told)."""
    asyncio.run(add_newsroom_sources(engine, config, newsroom))
    return asyncio.run(refresh(engine, config, progress, pictures_too=pictures_too))


def run_demo(state: State, port: int = 8000, newsroom_port: int = 0, serve_site: bool = True) -> None:
    """Start the newsroom and serve the site at once: it shows the collection's progress (as the
    terminal does, with a bar per stage) until the first pass is done, then the news."""
    from broadsheet.context import Context, install
    from broadsheet.pipeline.progress import Tally, Tee
    from broadsheet.service import serve
    from broadsheet.store.db import open_database
    from broadsheet.terminal import RichProgress, progress_bar

    config = demo_config(state, port)
    engine = open_database(config.resolved_database_url)
    install(Context(config, engine))  # the process's models and caches, kept when serving starts
    with start_newsroom(port=newsroom_port) as newsroom:
        console.print(
            f"Demo newsroom: {len(newsroom.sites)} publishers on " + ", ".join(site.base_url for site in newsroom.sites)
        )
        tally = Tally()

        def collect() -> RefreshReport:
            with progress_bar() as bar:
                # Serving, the site opens with the news and the refresh loop's first pass (at once)
                # brings the pictures; without a site, the one pass does everything.
                report = ingest_newsroom(
                    engine, config, newsroom, Tee(RichProgress(bar), tally), pictures_too=not serve_site
                )
            console.print(
                f"Ingested {report.articles_saved} articles from {report.sources_polled} feeds "
                f"({report.sources_failed + report.articles_failed} failures)."
            )
            if serve_site:
                console.print(f"The news is up at http://{config.host}:{config.port}  (Ctrl-C stops)")
            return report

        if not serve_site:
            collect()
            return
        console.print(f"Broadsheet answers at http://{config.host}:{config.port} while it collects the news")
        serve(engine, config.replace(refresh_interval=DEMO_REFRESH_SECONDS), warmup=collect, tally=tally)
