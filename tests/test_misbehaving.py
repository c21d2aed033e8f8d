"""Misbehaving publishers on 127.0.0.1: each failure is recorded on the right row, nothing is lost,
and no bad server stops the rest of the pass."""

import asyncio
import gzip
from datetime import UTC, datetime, timedelta

import pytest
from fixtures_html import article_page, rss_feed
from httpserver import Reply

from broadsheet.ingest.fetch import Fetcher
from broadsheet.ingest.schedule import GONE_INTERVAL
from broadsheet.pipeline.progress import Progress
from broadsheet.pipeline.runner import RefreshReport, fetch_policy, poll_due_sources, refresh
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store

HTML = {"Content-Type": "text/html; charset=utf-8"}


def gzip_bomb(inflated: int = 1 << 30) -> bytes:
    """About 1 MB of gzip that inflates to `inflated` bytes of zeros (1 MiB members back to back)."""
    member = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    return member * (inflated >> 20)


def feed_with(title: str, link: str, encoding: str = "utf-8", declared: str | None = "utf-8") -> bytes:
    declaration = f' encoding="{declared}"' if declared else ""
    return (
        f'<?xml version="1.0"{declaration}?><rss version="2.0"><channel><title>{title}</title>'
        f"<item><title>{title}</title><link>{link}</link></item></channel></rss>"
    ).encode(encoding)


@pytest.fixture
def world(server, engine, config):
    good_page = server.url("/page/ok")
    routes = {
        "/robots.txt": Reply(200, b"User-agent: *\nDisallow: /private/\n"),
        "/page/ok": Reply(200, article_page().encode(), HTML),
        "/429": Reply(429, b"", {"Retry-After": "120"}),
        "/503": Reply(503, b"", {"Retry-After": "300"}),
        "/500": Reply(500, b"oops"),
        "/404": Reply(404, b"missing"),
        "/410": Reply(410, b"gone"),
        "/loop": Reply(302, b"", {"Location": "/loop2"}),
        "/loop2": Reply(302, b"", {"Location": "/loop"}),
        "/huge": Reply(200, b"<rss>" + b" " * (20 << 20)),
        "/bomb": Reply(200, gzip_bomb(), {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}),
        "/drip": Reply(200, rss_feed([("Drip", good_page)]), drip=1.0),
        "/cp1252": Reply(200, feed_with("Café “Quay” news", good_page, "cp1252", declared="utf-8")),
        "/sjis": Reply(
            200,
            feed_with("港の天気は晴れです。明日は雨が降るでしょう。港の天気", good_page, "shift_jis", None),
            {"Content-Type": "application/rss+xml"},
        ),
        "/invalid": Reply(200, b"<rss><channel><title>Bad</title><item><title>x</title></channel>"),
        "/html": Reply(200, b"<!doctype html><html><body>Not a feed</body></html>", HTML),
        "/private/feed": Reply(200, rss_feed([("Hidden", good_page)])),
        "/good": Reply(200, rss_feed([("Good", good_page), ("Blocked page", server.url("/private/page"))])),
    }
    server.routes.update(routes)
    ids = {}
    for path in [p for p in routes if not p.startswith(("/page", "/robots", "/loop2"))]:
        source, _ = source_store.add_source(engine, server.url(path))
        ids[path] = source.id
    started = datetime.now(UTC)
    report = asyncio.run(refresh(engine, config.replace(fetch_timeout=2.0, max_body_bytes=10_000_000)))
    return ids, report, started


def test_every_failure_is_recorded_and_the_rest_goes_on(world, engine):
    ids, report, started = world
    now = datetime.now(UTC)
    state = {path: source_store.get_source(engine, sid) for path, sid in ids.items()}
    expect = {
        "/429": (429, "429"),
        "/503": (503, "503"),
        "/500": (500, "500"),
        "/404": (404, "404"),
        "/410": (410, "410"),
        "/loop": (None, "redirect loop"),
        "/huge": (None, "larger than 10,000,000 bytes"),
        "/bomb": (None, "larger than 10,000,000 bytes"),
        "/drip": (None, "took longer than 2 s"),
        "/invalid": (None, "not a valid"),
        "/html": (None, "HTML page, not a feed"),
        "/private/feed": (None, "robots.txt"),
    }
    for path, (status, message) in expect.items():
        source = state[path]
        assert source.error_count == 1 and message in source.last_error, (path, source.last_error)
        assert source.last_status == status, path
        assert source.next_check_at > now, path
    # Retry-After counts from the fetch, which came after `started` (however long the pass took)
    assert state["/429"].next_check_at >= started + timedelta(seconds=120)
    assert state["/503"].next_check_at >= started + timedelta(seconds=300)
    assert state["/410"].state == "gone" and state["/410"].next_check_at >= started + GONE_INTERVAL
    for path in ("/cp1252", "/sjis", "/good"):
        assert state[path].healthy, (path, state[path].last_error)
    assert state["/cp1252"].title == "Café “Quay” news"
    assert state["/sjis"].title.startswith("港の天気は晴れです")
    # The page behind robots.txt is kept as a failed entry, to be retried, not dropped.
    [blocked] = article_store.failing_articles(engine)
    assert "robots.txt" in blocked.last_error and blocked.next_try_at > now
    assert report.articles_saved == 1 and report.sources_failed == len(expect)


def test_ten_thousand_item_feed_loses_nothing(server, engine, config):
    items = [(f"Item {i}", server.url(f"/a/{i}")) for i in range(10_000)]
    server.routes["/big"] = Reply(200, rss_feed(items))
    source_store.add_source(engine, server.url("/big"))

    async def poll():
        async with Fetcher(fetch_policy(config)) as fetcher:
            report = RefreshReport()
            await poll_due_sources(engine, config, fetcher, Progress(), report, "test:0:owner")
            return report

    report = asyncio.run(poll())
    assert report.new_entries == 10_000 and report.sources_failed == 0
    assert len(article_store.due_pending(engine, limit=20_000)) == 10_000
    assert asyncio.run(poll()).new_entries == 0  # not yet due: nothing re-added
