"""The bar for running at scale: three `broadsheet worker` processes and one `broadsheet serve` on
PostgreSQL over a 500-article loopback newsroom of 10 publishers, a worker SIGKILLed (and restarted)
at every eighth of the way. Every article is found exactly once, stories are as good as one embedded
process makes of the same articles, and every page is served."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from sqlalchemy import text

from bench.cluster import (
    Cluster,
    finished,
    free_port,
    fresh_database,
    postgres_reachable,
    progress,
    service_env,
    wait_until,
)
from bench.newsroom import generate, start_newsroom
from bench.stories import bcubed
from broadsheet.config import load_config
from broadsheet.pipeline.runner import refresh
from broadsheet.store.db import open_database
from broadsheet.store.sources import add_source
from broadsheet.text.urls import url_id

pytestmark = pytest.mark.skipif(
    not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 (db test) is not reachable"
)

ARTICLES, PUBLISHERS, WORKERS, KILLS = 500, 10, 3, 7
TIMEOUT = 600  # seconds for the whole run on a loaded machine: a limit for a hang, not a speed test


@pytest.fixture(scope="module")
def newsroom():
    room = start_newsroom(generate(ARTICLES, PUBLISHERS), PUBLISHERS)
    yield room
    room.stop()


def _add_sources(engine, room) -> None:
    for feed in room.feed_urls():
        add_source(engine, feed)


def _stories(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, story_id FROM articles WHERE status = 'ok'")).all())


def _embedded_stories(room, tmp_path) -> dict[str, str]:
    """The same newsroom through the embedded runner (one process, SQLite): the baseline."""
    config = load_config(
        environ={},
        data_dir=str(tmp_path / "embedded"),
        allow_private_addresses=True,
        per_host_delay=0.0,
        embeddings="off",
    )
    engine = open_database(config.resolved_database_url)
    try:
        _add_sources(engine, room)
        asyncio.run(refresh(engine, config))
        return _stories(engine)
    finally:
        engine.dispose()


def _kill_and_restart(cluster: Cluster, engine, victims) -> int:
    """SIGKILL a worker at each eighth of the work (stored + placed + enriched), starting a new one each time."""
    kills = 0
    for step in range(1, KILLS + 1):
        wait_until(
            lambda step=step: sum(progress(engine)) >= 3 * ARTICLES * step / (KILLS + 1),
            TIMEOUT,
            f"progress {step}/{KILLS + 1} (now {progress(engine)})",
        )
        live = cluster.live("worker")
        cluster.kill(live[next(victims) % len(live)])
        cluster.start("worker", "--concurrency", "3")
        kills += 1
    return kills


def _check_pages(base: str, stories: dict[str, str]) -> list[str]:
    """Every page that did not answer 200: the front page, each story, each article."""
    paths = (
        ["/"] + [f"/stories/{s}" for s in sorted(set(stories.values()))] + [f"/articles/{a}" for a in sorted(stories)]
    )
    with httpx.Client(base_url=base, timeout=30) as client:
        return [f"{p}: {status}" for p in paths if (status := client.get(p).status_code) != 200]


def test_workers_survive_sigkill_and_match_one_process(newsroom, tmp_path):
    expected = {url_id(newsroom.url(item)): item.story for item in newsroom.items}
    baseline = _embedded_stories(newsroom, tmp_path)
    assert set(baseline) == set(expected)
    with fresh_database("bs_workers") as url:
        engine = open_database(url)
        cluster = Cluster(service_env(url, schedule_tick=2), tmp_path)
        try:
            _add_sources(engine, newsroom)
            port = free_port()
            cluster.start("serve", "--port", str(port))
            for _ in range(WORKERS):
                cluster.start("worker", "--concurrency", "3")
            assert _kill_and_restart(cluster, engine, itertools.count()) == KILLS
            wait_until(lambda: finished(engine, ARTICLES), TIMEOUT, "every article stored, placed and enriched")
            assert len(cluster.live("worker")) == WORKERS
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT id, url, status FROM articles")).all()
            assert sorted(r.id for r in rows) == sorted(expected)  # each article exactly once
            assert {r.status for r in rows} == {"ok"}
            stories = _stories(engine)
            ids = sorted(expected)
            labels = [expected[i] for i in ids]
            workers_f1 = bcubed(labels, [stories[i] for i in ids])[2]
            single_f1 = bcubed(labels, [baseline[i] for i in ids])[2]
            print(
                f"\nBCubed F1: {workers_f1:.3f} with {WORKERS} workers and {KILLS} SIGKILLs, {single_f1:.3f} in one process"
            )
            assert workers_f1 >= single_f1 - 0.02, (
                f"BCubed F1 {workers_f1:.3f} with workers, {single_f1:.3f} in one process"
            )
            wait_until(lambda: _answers(f"http://127.0.0.1:{port}/"), 60, "the site to answer")
            assert _check_pages(f"http://127.0.0.1:{port}", stories) == []
        finally:
            cluster.close()
            engine.dispose()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
