"""Reader apps' requests on a desk of many articles, half of them read: the Google Reader API's unread
counts, stream pages and id lists, Fever's items and unread ids, against the site's own JSON API page
of the same size (`/api/articles?limit=100`) as the baseline. In-process (FastAPI's test client), one
request at a time: the cost of each answer, not a load test.

Usage: .venv/bin/python bench/reading.py [--articles 20000] [--repeat 10] [--database URL]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from broadsheet.config import load_config
from broadsheet.context import Context
from broadsheet.model import Article
from broadsheet.store import apipasswords, reading
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.db import open_database, optimize
from broadsheet.web.app import create_app

START = datetime(2026, 1, 1, tzinfo=UTC)
APP_PASSWORD = "app password for phones"
LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"


def seed(engine, count: int) -> int:
    """`count` short articles over 50 sources in 5 folders; one reader who has read the older half."""
    sources = [
        source_store.add_source(engine, f"http://127.0.0.1:9/{i}.xml", title=f"Source {i}", folder=f"Folder {i % 5}")[0]
        for i in range(50)
    ]
    with engine.begin() as conn:
        for first in range(0, count, 2000):
            batch = [
                Article(
                    id=f"{n:032x}",
                    url=f"http://127.0.0.1:9/a/{n}",
                    title=f"Article {n}",
                    text="One paragraph.\n\nAnother paragraph.",
                    source_id=sources[n % 50].id,
                    source_name=sources[n % 50].title,
                    published_at=START + timedelta(minutes=n),
                )
                for n in range(first, min(count, first + 2000))
            ]
            article_store.save_articles(conn, batch)
    user = user_store.create_user(engine, "reader1", "a long login password")
    apipasswords.set_api_password(engine, user, APP_PASSWORD)
    reading.mark_read_before(engine, user.id, START + timedelta(minutes=count // 2))
    return user.id


def timed(label: str, request, repeat: int) -> None:
    """Median and worst time of one request, repeated (after one unmeasured warm-up)."""
    request()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = request()
        times.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.text[:200]
    print(f"{label:52s} {statistics.median(times) * 1000:8.1f} ms {max(times) * 1000:8.1f} ms")


def main() -> None:
    """Seed, then time each request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-reading-")
    config = load_config(environ={}, data_dir=folder, database_url=args.database, page_cache_seconds=0.0)
    engine = open_database(config.resolved_database_url)
    began = time.perf_counter()
    seed(engine, args.articles)
    optimize(engine)  # the statistics a served database has (open_database takes them): the planner needs them
    print(f"{args.articles} articles, half read, seeded in {time.perf_counter() - began:.1f} s ({engine.dialect.name})")
    client = TestClient(create_app(engine, config, context=Context(config, engine)))
    login = client.post("/accounts/ClientLogin", data={"Email": "reader1", "Passwd": APP_PASSWORD})
    auth = {"Authorization": "GoogleLogin auth=" + login.text.split("Auth=")[1].strip()}
    key = {"api_key": hashlib.md5(f"reader1:{APP_PASSWORD}".encode()).hexdigest()}
    print(f"{'request':52s} {'median':>11s} {'worst':>11s}")
    timed("baseline: /api/articles?limit=100", lambda: client.get("/api/articles?limit=100"), args.repeat)
    for label, path in [
        ("unread-count", "/reader/api/0/unread-count"),
        ("stream/contents reading list, n=100", f"/reader/api/0/stream/contents/{LIST}?n=100"),
        ("stream/contents unread only, n=100", f"/reader/api/0/stream/contents/{LIST}?n=100&xt={READ}"),
        ("stream/items/ids unread only, n=1000", f"/reader/api/0/stream/items/ids?s={LIST}&n=1000&xt={READ}"),
    ]:
        timed(label, lambda path=path: client.get(path, headers=auth), args.repeat)
    middle = args.articles // 2
    timed(
        "fever items since_id (50)", lambda: client.post(f"/fever/?api&items&since_id={middle}", data=key), args.repeat
    )
    timed(
        "fever unread_item_ids (up to 10,000)",
        lambda: client.post("/fever/?api&unread_item_ids", data=key),
        args.repeat,
    )
    began = time.perf_counter()
    marked = reading.mark_read_before(engine, 1, START + timedelta(minutes=args.articles))
    print(f"mark all as read: {marked} articles in {(time.perf_counter() - began) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
