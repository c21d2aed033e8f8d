"""A refresh killed with SIGKILL at any point, then a normal refresh: the same desk as a run never killed.

Each kill point is a condition on the database (feeds polled, pages stored, articles placed, lists
ranked), optionally with the newsroom holding back every feed or page after the first few, so the
killed process is caught exactly there. The test runs a fixed handful of points per database;
BROADSHEET_RECOVERY_POINTS=20 draws that many random points instead (the bar of issue 13).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from databases import Unavailable, fresh_database
from gated_newsroom import WAIT, Gate
from sqlalchemy import func, select

from broadsheet.demo.content import load_articles
from broadsheet.demo.run import add_newsroom_sources
from broadsheet.demo.server import Newsroom, start_newsroom
from broadsheet.pipeline.runner import refresh
from broadsheet.store.coverage import top_stories
from broadsheet.store.db import open_database
from broadsheet.store.schema import articles, sources

SAVE_BATCH = 50  # the runner stores fetched pages in batches of this size


@dataclass(frozen=True)
class Point:
    """Where to kill: hold `gate` after `limit` requests, and kill once `stage` reaches `count`."""

    stage: str  # polled | stored | placed | enriched | ranked
    count: int
    gate: str | None = None
    limit: int = 0

    def __str__(self) -> str:
        held = f", holding {self.gate}s after {self.limit}" if self.gate else ""
        return f"{self.stage} >= {self.count}{held}"


def progress_of(engine) -> dict[str, int]:
    """How far a refresh got, read from the rows."""
    ok = articles.c.status == "ok"
    queries = {
        "polled": select(func.count()).select_from(sources).where(sources.c.last_fetched_at.is_not(None)),
        "stored": select(func.count()).select_from(articles).where(ok),
        "placed": select(func.count()).select_from(articles).where(articles.c.story_id.is_not(None)),
        "enriched": select(func.count()).select_from(articles).where(articles.c.enriched.is_not(None)),
        "ranked": select(func.count()).select_from(articles).where(articles.c.related_at.is_not(None)),
    }
    with engine.connect() as conn:
        return {name: conn.execute(query).scalar_one() for name, query in queries.items()}


def desk(engine, now: datetime) -> dict:
    """The deterministic outcome: stories as sets of URLs, copies, sections, the front page."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                articles.c.id, articles.c.url, articles.c.story_id, articles.c.duplicate_of, articles.c.section
            ).where(articles.c.status == "ok")
        ).all()
    url_of = {r.id: r.url for r in rows}
    members: dict[str, set[str]] = {}
    for row in rows:
        members.setdefault(row.story_id, set()).add(row.url)
    front = [(frozenset(members.get(card.story.id, ())), card.section) for card in top_stories(engine, 20, now=now)]
    return {
        "stories": {frozenset(urls) for urls in members.values()},
        "unplaced": sorted(r.url for r in rows if r.story_id is None),
        "copies": {(r.url, url_of.get(r.duplicate_of)) for r in rows if r.duplicate_of},
        "sections": {r.url: r.section for r in rows},
        "front": front,
    }


def _difference(found: object, expected: object) -> str:
    if isinstance(expected, dict):
        return str({k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v})
    if isinstance(expected, set):
        return f"only after the kill {found - expected}, only never killed {expected - found}"
    return f"{found} != {expected}"


@pytest.fixture(scope="module")
def newsroom():
    """The demo newsroom without its "future" articles (the same desk however long the test runs)."""
    started = datetime.now(UTC).replace(microsecond=0)
    present = [a for a in load_articles() if a.minutes_ago > 0]
    with start_newsroom(articles=present, started_at=started) as room:
        yield room, Gate(room)


def _config(tmp_path: Path, url: str):
    from broadsheet.config import load_config

    return load_config(
        environ={},
        data_dir=str(tmp_path),
        database_url=url,
        allow_private_addresses=True,
        fetch_timeout=WAIT,
        per_host_delay=0.0,
        min_poll_interval=3600,
    )


def _prepared(tmp_path: Path, url: str, room: Newsroom):
    config = _config(tmp_path, url)
    engine = open_database(url)
    asyncio.run(add_newsroom_sources(engine, config, room))  # discovery, as `sources add` does
    return config, engine


def _environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BROADSHEET_DATA_DIR": str(tmp_path),
        "BROADSHEET_ALLOW_PRIVATE_ADDRESSES": "true",
        "BROADSHEET_FETCH_TIMEOUT": str(WAIT),
        "BROADSHEET_PER_HOST_DELAY": "0",
        "BROADSHEET_MIN_POLL_INTERVAL": "3600",
    }


def kill_refresh_at(point: Point, url: str, engine, gate: Gate, tmp_path: Path) -> bool:
    """Start `broadsheet refresh`, SIGKILL it once the point is reached; False when it finished first."""
    gate.hold(point.gate, point.limit)
    log = (tmp_path / "refresh.log").open("w+")  # a file: a full pipe would stall the process
    # Its own process group: the kill takes its extraction workers too, as a crash of the machine or
    # systemd's kill of the unit would (a killed parent's workers are otherwise left idle forever).
    proc = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "--database", url, "refresh"],
        env=_environment(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            reached = progress_of(engine)[point.stage] >= point.count and (not point.gate or gate.holding(point.gate))
            if reached or proc.poll() is not None:
                break
            time.sleep(0.01)  # polling the database for the condition, not waiting for time to pass
        else:
            raise AssertionError(f"recovery: the refresh never reached {point}")
        finished = proc.poll() is not None
        if finished:
            log.seek(0)
            assert proc.returncode == 0, log.read()
        _kill_group(proc)
        return not finished
    finally:
        _kill_group(proc)
        log.close()
        gate.open()


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its group."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(30)


def _points(total_pages: int, feeds: int, count: int, seed: int) -> list[Point]:
    """`count` kill points drawn at random over every stage of a refresh."""
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        stage = rng.choice(["polled", "fetching", "stored", "stored", "placed", "enriched", "ranked"])
        if stage == "polled":
            limit = rng.randint(1, feeds - 1)
            points.append(Point("polled", limit, "feed", limit))
        elif stage == "fetching":  # some pages fetched, the first batch perhaps stored
            limit = rng.randint(0, total_pages - 1)
            points.append(Point("stored", SAVE_BATCH if limit >= SAVE_BATCH else 0, "page", limit))
        elif stage in ("stored", "ranked"):
            points.append(Point(stage, rng.randint(1, total_pages)))
        else:
            points.append(Point(stage, 1))
    return points


QUICK = {
    "sqlite": [
        Point("polled", 3, "feed", 3),
        Point("stored", 0, "page", 20),
        Point("stored", SAVE_BATCH, "page", SAVE_BATCH + 5),
        Point("stored", 60),
        Point("ranked", 1),
    ],
    "postgresql": [Point("stored", SAVE_BATCH, "page", SAVE_BATCH + 5), Point("stored", 60)],
}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_killed_refresh_is_finished_by_the_next_one(kind, newsroom, tmp_path):
    room, gate = newsroom
    now = room.started_at + timedelta(minutes=1)
    try:
        with fresh_database(kind, tmp_path / "never-killed") as url:
            config, engine = _prepared(tmp_path, url, room)
            gate.hold(None, 0)
            asyncio.run(refresh(engine, config))
            expected, pages = desk(engine, now), progress_of(engine)["stored"]
            engine.dispose()
    except Unavailable as exc:
        pytest.skip(str(exc))
    assert not expected["unplaced"] and len(expected["stories"]) >= 10 and expected["copies"]
    wanted = int(os.environ.get("BROADSHEET_RECOVERY_POINTS", "0"))
    seed = int(os.environ.get("BROADSHEET_RECOVERY_SEED", "13"))
    points = _points(pages, len(room.sites), wanted, seed) if wanted else QUICK[kind]
    killed = 0
    for number, point in enumerate(points):
        with fresh_database(kind, tmp_path / f"killed-{number}") as url:
            config, engine = _prepared(tmp_path, url, room)
            killed += kill_refresh_at(point, url, engine, gate, tmp_path)
            report = asyncio.run(refresh(engine, config))
            assert not report.errors, (str(point), report.errors)
            found = desk(engine, now)
            for key, value in expected.items():
                assert found[key] == value, f"after a kill at {point}: {key} differ: {_difference(found[key], value)}"
            engine.dispose()
    assert killed >= len(points) // 2, "most points must catch the refresh before it ends"
