"""The refresh pass against a loopback publisher that misbehaves in every way the skeleton must survive."""

import asyncio

from fixtures_html import ARTICLE_PARAGRAPHS, article_page, rss_feed
from httpserver import Reply

from broadsheet.pipeline.runner import add_source_url, refresh
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store


def _html(text: str, charset: str = "utf-8") -> Reply:
    return Reply(200, text.encode(charset, "xmlcharrefreplace"), {"Content-Type": f"text/html; charset={charset}"})


def test_refresh_ingests_good_articles_and_records_every_failure(server, engine, config):
    good = server.url("/news/ferry?utm_source=rss")
    legacy = server.url("/news/cafe")
    slow = server.url("/news/slow")
    server.routes.update(
        {
            "/good.xml": Reply(200, rss_feed([("Ferry returns", good), ("Café reopens", legacy), ("Slow page", slow)])),
            "/news/ferry": _html(article_page()),
            "/news/cafe": Reply(
                200,
                article_page(
                    "Café Brûlé reopens on the quay",
                    [p + " Crème brûlée for all." for p in ARTICLE_PARAGRAPHS],
                    charset="iso-8859-1",
                ).encode("cp1252"),
                {"Content-Type": "text/html"},
            ),
            "/news/slow": Reply(200, b"<html></html>", delay=5),
            "/missing.xml": Reply(404, b"nope"),
            "/page.html": _html("<!doctype html><html><body><p>Just a page</p></body></html>"),
            "/broken.xml": Reply(200, b"<rss><channel><title>Broken</tit"),
            "/nolinks.xml": Reply(
                200,
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>'
                b"<item><title>Orphan</title></item></channel></rss>",
            ),
        }
    )
    for path in ("/good.xml", "/missing.xml", "/page.html", "/broken.xml", "/nolinks.xml"):
        source_store.add_source(engine, server.url(path))
    report = asyncio.run(refresh(engine, config.replace(fetch_timeout=1.0)))

    assert report.sources_polled == 5 and report.articles_saved == 2 and report.articles_failed == 1
    health = {s.feed_url.rsplit("/", 1)[1]: s for s in source_store.list_sources(engine)}
    assert health["good.xml"].healthy and health["good.xml"].article_count == 2
    assert health["missing.xml"].last_status == 404 and "404" in health["missing.xml"].last_error
    assert "HTML page, not a feed" in health["page.html"].last_error
    assert health["broken.xml"].error_count == 1 and health["broken.xml"].next_check_at is not None
    assert health["nolinks.xml"].healthy and "has no link" in health["nolinks.xml"].last_error

    ferry = article_store.get_article(engine, _id(good))
    assert ferry.text.split("\n\n") == ARTICLE_PARAGRAPHS and ferry.byline == "Petra Lune"
    assert ferry.url == server.url("/news/ferry")  # tracking parameters gone
    assert "cookie" not in ferry.text.lower() and "sign up" not in ferry.text.lower()
    cafe = article_store.get_article(engine, _id(legacy))
    assert cafe.title == "Café Brûlé reopens on the quay" and "Crème brûlée" in cafe.text
    [failed] = article_store.failing_articles(engine)
    assert failed.url == slow and failed.error_count == 1 and "took longer" in failed.last_error
    assert failed.next_try_at is not None


def test_second_refresh_uses_conditional_get_and_adds_nothing(server, engine, config):
    link = server.url("/a")

    def feed(handler):
        if handler.headers.get("If-None-Match") == '"f1"':
            return Reply(304)
        return Reply(200, rss_feed([("A", link)]), {"ETag": '"f1"'})

    server.routes.update({"/feed": feed, "/a": _html(article_page())})
    source_store.add_source(engine, server.url("/feed"))
    assert asyncio.run(refresh(engine, config)).articles_saved == 1
    for source in source_store.list_sources(engine):  # make it due again
        source_store.record_success(engine, source.id, 200, source.last_fetched_at, etag='"f1"')
    second = asyncio.run(refresh(engine, config))
    assert second.articles_saved == 0 and second.sources_failed == 0
    assert source_store.list_sources(engine)[0].last_status == 304
    assert article_store.count_articles(engine) == 1


def test_add_source_discovers_feed_from_site_page(server, engine, config):
    server.routes.update(
        {
            "/": _html(
                '<html><head><link rel="alternate" type="application/rss+xml" title="RSS" href="/rss"></head></html>'
            ),
            "/rss": Reply(200, rss_feed([], title="Quay Gazette"), {"Content-Type": "application/rss+xml"}),
        }
    )
    source, created = asyncio.run(add_source_url(engine, config, server.url("/")))
    assert created and source.feed_url == server.url("/rss") and source.title == "Quay Gazette"


def _id(url: str) -> str:
    from broadsheet.text.urls import url_id

    return url_id(url)
