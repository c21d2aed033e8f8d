"""End to end: the demo newsroom on loopback, ingested by the real pipeline, read over real HTTP."""

import html
import re

import httpx
import pytest
from httpserver import AppServer

from broadsheet.demo.run import ingest_newsroom
from broadsheet.demo.server import start_newsroom
from broadsheet.demo.sites import FURNITURE_PHRASES
from broadsheet.store import sources as source_store
from broadsheet.text.urls import url_id
from broadsheet.web.app import create_app


def _text(page: str) -> str:
    """Visible text of a served page, unescaped, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from broadsheet.config import load_config
    from broadsheet.store.db import open_database

    data = tmp_path_factory.mktemp("e2e")
    config = load_config(environ={}, data_dir=str(data), allow_private_addresses=True, page_cache_seconds=0.0)
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
            assert re.search(
                r'<time datetime="[^"]+"[^>]*>(\d+ (minute|hour|day)s? ago|just now)</time>', response.text
            )


def test_future_articles_are_not_shown_and_front_page_is_newest_first(site):
    newsroom, _, base, _ = site
    with httpx.Client(base_url=base) as client:
        future = [a for a in newsroom.articles if not newsroom.is_live(a)]
        assert future, "the demo should hold news that arrives later"
        assert client.get(f"/articles/{url_id(newsroom.article_url(future[0].slug))}").status_code == 404
        front = client.get("/latest").text
        times = re.findall(r'<time datetime="([^"]+)"', front)
        assert len(times) == 20 and times == sorted(times, reverse=True)
        assert 'rel="next" href="?page=2"' in front
        assert client.get("/latest?page=2").status_code == 200
        assert client.get("/latest?page=99").status_code == 404
        sources = client.get("/sources").text
        assert "Healthy" in sources and "The Northgate Herald" in sources


def test_front_page_ranks_stories_and_story_pages_show_full_coverage(site):
    import html5lib

    newsroom, engine, base, _ = site
    from broadsheet.store import stories as story_store

    with httpx.Client(base_url=base) as client:
        front = client.get("/")
        assert front.status_code == 200
        html5lib.HTMLParser(strict=True).parse(front.text)
        story_links = re.findall(r'<h2 class="card-title" id="story-[^"]+"><a href="/stories/([^"]+)">', front.text)
        assert len(story_links) >= 10
        # The leading story is broadly covered: several sources named on its card.
        first_card = front.text.split('class="story-card"')[1]
        assert re.search(r"[3-9] sources: ", first_card)
        wire = next(a for a in newsroom.articles if a.wire_of and newsroom.is_live(a))
        original_id = url_id(newsroom.article_url(wire.wire_of))
        story_id = story_store.understood(engine, original_id).story_id
        page = client.get(f"/stories/{story_id}")
        assert page.status_code == 200
        html5lib.HTMLParser(strict=True).parse(page.text)
        text = _text(page.text)
        assert "Coverage by source" in text and "Also published by" in text
        assert 'id="comments-heading"' in page.text and "AI features" in text
        feed = client.get(f"/stories/{story_id}/feed.atom")
        assert feed.status_code == 200 and b"<entry>" in feed.content
        section = client.get("/sections/business")
        assert section.status_code == 200 and 'aria-current="page">Business<' in section.text
        assert client.get("/sections/astrology").status_code == 404
        assert client.get("/stories/nope").status_code == 404


def test_merged_story_ids_redirect(site):
    _, engine, base, _ = site
    from broadsheet.store import stories as story_store
    from broadsheet.store.schema import story_redirects

    [first, _second] = story_store.latest_stories(engine, limit=2)
    with engine.begin() as conn:  # as if `second` had been merged into `first`
        conn.execute(story_redirects.insert().values(old_id="gone-story-id", new_id=first.id))
    with httpx.Client(base_url=base) as client:
        moved = client.get("/stories/gone-story-id")
        assert moved.status_code == 301 and moved.headers["location"] == f"/stories/{first.id}"


def test_api_stories_entities_and_comments(site):
    _newsroom, _engine, base, _ = site
    with httpx.Client(base_url=base) as client:
        stories = client.get("/api/stories", params={"limit": 5}).json()
        assert len(stories["items"]) == 5 and stories["page"]["next_offset"] == 5
        first = stories["items"][0]
        detail = client.get(f"/api/stories/{first['id']}").json()
        assert detail["title"] == first["title"] and sum(len(g["articles"]) for g in detail["coverage"]) >= 1
        assert client.get("/api/stories/missing").status_code == 404
        entities = client.get("/api/entities", params={"limit": 5}).json()["items"]
        assert entities and entities[0]["article_count"] >= entities[-1]["article_count"]
        one = client.get(f"/api/entities/{entities[0]['id']}").json()
        assert one["name"] == entities[0]["name"] and one["articles"]
        thread = client.get("/api/comments", params={"target": f"story:{first['id']}"})
        assert thread.status_code == 200 and thread.json()["items"] == []
        assert client.get("/api/comments", params={"target": "nonsense"}).status_code == 422
        spec = client.get("/api/openapi.json").json()
        assert {"/api/stories", "/api/stories/{story_id}", "/api/entities", "/api/comments"} <= set(spec["paths"])
