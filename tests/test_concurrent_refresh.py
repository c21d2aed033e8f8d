"""Two and four `broadsheet refresh` on one SQLite file at the same moment (issues 12 and 13).

Every process exits 0 without an error, each feed and each article page is fetched by one process
only (leases), every article is stored once and placed in exactly one story, and no story is left
without articles (a story placed twice would leave one behind)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest
from gated_newsroom import WAIT, Gate
from sqlalchemy import func, select

from broadsheet.demo.content import load_articles
from broadsheet.demo.run import add_newsroom_sources
from broadsheet.demo.server import start_newsroom
from broadsheet.store.db import open_database
from broadsheet.store.schema import articles, stories


@pytest.fixture(scope="module")
def newsroom():
    """The demo newsroom without its "future" articles."""
    present = [a for a in load_articles() if a.minutes_ago > 0]
    with start_newsroom(articles=present, started_at=datetime.now(UTC).replace(microsecond=0)) as room:
        yield room, Gate(room)


def _start(count: int, url: str, data_dir: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "BROADSHEET_DATA_DIR": data_dir,
        "BROADSHEET_ALLOW_PRIVATE_ADDRESSES": "true",
        "BROADSHEET_PER_HOST_DELAY": "0",
        "BROADSHEET_FETCH_TIMEOUT": "60",
    }
    command = [sys.executable, "-m", "broadsheet", "--database", url, "refresh"]
    return [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(count)]


@pytest.mark.parametrize("count", [2, 4])
def test_concurrent_refreshes_share_the_work(count, newsroom, tmp_path, config):
    room, gate = newsroom
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = open_database(url)
    asyncio.run(add_newsroom_sources(engine, config.replace(database_url=url), room))
    gate.hold(None, 0)
    processes = _start(count, url, str(tmp_path))
    outputs = []
    try:
        for proc in processes:
            outputs.append(proc.communicate(timeout=WAIT)[0].decode())
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
    for proc, output in zip(processes, outputs):
        assert proc.returncode == 0 and "Traceback" not in output and "locked" not in output, output
    live = {room.article_url(a.slug) for a in room.articles}
    assert {gate.paths[key] for key in gate.kinds} == {1}, {k: gate.paths[k] for k in gate.kinds if gate.paths[k] != 1}
    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.url, articles.c.story_id, articles.c.status)).all()
        story_ids = set(conn.execute(select(stories.c.id)).scalars())
        placed_stories = {r.story_id for r in rows}
        assert conn.execute(select(func.count()).select_from(articles)).scalar_one() == len(rows)
    urls = Counter(r.url for r in rows)
    assert set(urls) == live and max(urls.values()) == 1
    assert all(r.status == "ok" and r.story_id for r in rows)
    assert story_ids == placed_stories, "every story holds articles and every article's story exists"
    engine.dispose()
