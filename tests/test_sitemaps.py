import asyncio
from datetime import UTC, datetime, timedelta

from fixtures_html import article_page
from httpserver import Reply

from broadsheet.ingest.sitemaps import is_sitemap, parse_sitemap
from broadsheet.pipeline.runner import add_source_url, refresh
from broadsheet.store import articles as article_store

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def news_sitemap(base: str, items: list[tuple[str, str, datetime]]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{path}</loc><news:news><news:publication><news:name>Quay Gazette</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{when.isoformat()}"
        f"</news:publication_date><news:title>{title}</news:title></news:news></url>"
        for path, title, when in items
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls.encode() + b"</urlset>"
    )


def test_news_sitemap_entries_recent_only():
    data = news_sitemap(
        "http://q.invalid", [("/a", "Fresh", NOW - timedelta(hours=3)), ("/b", "Old", NOW - timedelta(days=40))]
    )
    assert is_sitemap(data)
    parsed = parse_sitemap(data, "http://q.invalid/news.xml", now=NOW)
    assert [(e.url, e.title) for e in parsed.entries] == [("http://q.invalid/a", "Fresh")]
    assert parsed.skipped == ["1 entries older than 7 days skipped"]


def test_sitemap_index_lists_newest_children_first():
    data = (
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>/s1.xml</loc><lastmod>2026-11-01</lastmod></sitemap>"
        b"<sitemap><loc>/s2.xml</loc><lastmod>2026-11-25</lastmod></sitemap></sitemapindex>"
    )
    assert parse_sitemap(data, "http://q.invalid/index.xml", now=NOW).sitemaps == [
        "http://q.invalid/s2.xml",
        "http://q.invalid/s1.xml",
    ]


def test_site_without_feed_link_found_at_common_path_and_sitemap_source_ingests(server, engine, config):
    now = datetime.now(UTC)
    server.routes.update(
        {
            "/": Reply(200, b"<html><head><title>No links here</title></head><body>Hi</body></html>"),
            "/sitemap_news.xml": Reply(200, news_sitemap(server.base, [("/story", "Berth reopens", now)])),
            "/story": Reply(200, article_page().encode(), {"Content-Type": "text/html; charset=utf-8"}),
        }
    )
    source, created = asyncio.run(add_source_url(engine, config, server.url("/")))
    assert created and source.feed_url == server.url("/sitemap_news.xml")
    report = asyncio.run(refresh(engine, config))
    assert report.articles_saved == 1
    [article] = article_store.latest_articles(engine)
    assert article.url == server.url("/story") and article.title.startswith("Tollbridge")
