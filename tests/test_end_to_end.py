"""End to end: the demo newsroom on loopback, ingested by the real pipeline, read over real HTTP."""

import html
import re

import httpx
import pytest
from httpserver import AppServer

from broadsheet.demo.run import ingest_newsroom
from broadsheet.demo.server import start_newsroom
from broadsheet.demo.sites import FURNITURE_PHRASES
from broadsheet.extract.urls import url_id
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app


def _text(page: str) -> str:
    """Visible text of a served page, unescaped, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from broadsheet.config import load_config
    from broadsheet.store.db import open_database
    data = tmp_path_factory.mktemp("e2e")
    config = load_config(environ={}, data_dir=str(data), allow_private_addresses=True)
    engine = open_database(config.resolved_database_url)
    with start_newsroom() as newsroom:
        report = ingest_newsroom(engine, config, newsroom)
        with AppServer(create_app(engine, config)) as base:
            yield newsroom, engine, base, report


def test_every_live_article_is_ingested_without_failures(site):
    newsroom, engine, _, report = site
    live = [a for a in newsroom.articles if newsroom.is_live(a)]
    assert len(live) >= 48 and report.articles_saved == len(live)
    assert report.sources_failed == 0 and report.articles_failed == 0
    assert all(s.healthy and s.last_status == 200 for s in source_store.list_sources(engine))


def test_article_pages_show_the_whole_body_and_no_furniture(site):
    newsroom, _, base, _ = site
    with httpx.Client(base_url=base) as client:
        for article in (a for a in newsroom.articles if newsroom.is_live(a)):
            response = client.get(f"/articles/{url_id(newsroom.article_url(article.slug))}")
            assert response.status_code == 200, article.slug
            text = _text(response.text)
            for paragraph in article.paragraphs:
                assert " ".join(paragraph.split()) in text, (article.slug, paragraph[:60])
            body = _text(response.text.split('<div class="body">', 1)[1].split("</div>", 1)[0])
            assert body.startswith(" ".join(article.paragraphs[0].split())), article.slug
            lowered = body.lower()
            leaked = [phrase for phrase in FURNITURE_PHRASES if phrase.lower() in lowered]
            assert not leaked, (article.slug, leaked)
            assert article.title in text
            if article.byline:
                assert article.byline.removeprefix("By ") in text
            assert re.search(r'<time datetime="[^"]+"[^>]*>(\d+ (minute|hour|day)s? ago|just now)</time>', response.text)


def test_future_articles_are_not_shown_and_front_page_is_newest_first(site):
    newsroom, _, base, _ = site
    with httpx.Client(base_url=base) as client:
        future = [a for a in newsroom.articles if not newsroom.is_live(a)]
        assert future, "the demo should hold news that arrives later"
        assert client.get(f"/articles/{url_id(newsroom.article_url(future[0].slug))}").status_code == 404
        front = client.get("/").text
        times = re.findall(r'<time datetime="([^"]+)"', front)
        assert len(times) == 20 and times == sorted(times, reverse=True)
        assert 'rel="next" href="?page=2"' in front
        assert client.get("/?page=2").status_code == 200
        assert client.get("/?page=99").status_code == 404
        sources = client.get("/sources").text
        assert "Healthy" in sources and "The Northgate Herald" in sources
