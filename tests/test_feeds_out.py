"""Every feed the site serves, in both formats, checked against the formats' own schemas: Atom
against RFC 4287's RELAX NG (tests/schemas/atom.rng), JSON Feed against a JSON Schema written from
the 1.1 specification (tests/schemas/jsonfeed-1.1.json). Both carry the cleaned full text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select

from broadsheet.model import Article
from broadsheet.pipeline import bulk
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store.schema import articles
from broadsheet.web.app import create_app

SCHEMAS = Path(__file__).parent / "schemas"
FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
PUBLISHED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


@pytest.fixture(scope="module")
def json_schema():
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / "jsonfeed-1.1.json").read_text()), validate_formats=True)


@pytest.fixture
def site(engine, config):
    """A story with a section (the fixture), and a source whose articles hold markup, an XML-illegal control character and entities."""
    bulk.import_jsonl(engine, FIXTURE)
    source, _ = source_store.add_source(engine, "http://pub.invalid/feed", title="Pub & Co")
    hostile = 'Ferry <script>alert(1)</script> & "quotes"\x0b here.\n\nSecond <b>paragraph</b>.'
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id=f"p{i}",
                    url=f"http://pub.invalid/{i}",
                    title=f"Ferry news {i} <i>&</i>",
                    source_id=source.id,
                    source_name="Pub & Co",
                    published_at=PUBLISHED - timedelta(hours=i),
                    text=hostile,
                    language="en",
                )
                for i in range(3)
            ],
        )
    with engine.connect() as conn:
        story = conn.execute(select(articles.c.story_id).where(articles.c.story_id.isnot(None))).scalar()
    # Cached pages on (nothing here changes after start): max-age says the same seconds
    with TestClient(create_app(engine, config.replace(page_cache_seconds=30))) as client:
        yield client, story, source.id


def _feeds(story: str, source_id: int) -> list[str]:
    """The path of every feed, without its extension: front, section, source, story and search."""
    return ["/feed", "/sections/business/feed", f"/sources/{source_id}/feed", f"/stories/{quote(story)}/feed"]


def test_every_atom_feed_passes_rfc_4287s_schema_and_carries_the_full_text(site, atom_schema):
    client, story, source_id = site
    paths = [p + ".atom" for p in _feeds(story, source_id)] + ["/search.atom?q=ferry", "/search.atom?q=bridge"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
        document = etree.fromstring(response.content)
        assert atom_schema.validate(document), (path, str(atom_schema.error_log))
        entries = document.findall("a:entry", ATOM)
        assert entries, path  # every feed here has something to check
        for entry in entries:
            content = entry.find("a:content", ATOM)
            assert content.get("type") == "html" and content.text.startswith("<p>"), path
    ferry = etree.fromstring(client.get("/search.atom?q=ferry").content).find("a:entry/a:content", ATOM).text
    assert "<script>" not in ferry and "&lt;script&gt;" in ferry and "&lt;b&gt;paragraph" in ferry
    assert "\x0b" not in ferry and ferry.count("<p>") == 2


def test_every_json_feed_passes_the_1_1_schema_and_matches_its_atom_twin(site, json_schema):
    client, story, source_id = site
    for path in _feeds(story, source_id) + ["/search"]:
        query = "?q=ferry" if path == "/search" else ""
        response = client.get(f"{path}.json{query}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/feed+json")
        feed = response.json()
        errors = [e.message for e in json_schema.iter_errors(feed)]
        assert not errors, (path, errors)
        twin = etree.fromstring(client.get(f"{path}.atom{query}").content)
        assert [i["id"] for i in feed["items"]] == [
            e.findtext("a:id", namespaces=ATOM) for e in twin.iterfind("a:entry", ATOM)
        ]
        assert [i["content_html"] for i in feed["items"]] == [
            e.findtext("a:content", namespaces=ATOM) for e in twin.iterfind("a:entry", ATOM)
        ]
        assert feed["feed_url"].endswith(f"{path}.json{query}") and feed["items"], path
    item = client.get("/search.json?q=ferry").json()["items"][0]
    assert item["external_url"] == "http://pub.invalid/0" and item["date_published"] == PUBLISHED.isoformat()


def test_the_schemas_refuse_what_the_formats_forbid(atom_schema, json_schema):
    """The checks above can fail: a feed without an id, an entry without a title, a JSON item without content."""
    no_id = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><updated>2026-01-01T00:00:00Z</updated></feed>'
    assert not atom_schema.validate(etree.fromstring(no_id))
    untitled = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><updated>2026-01-01T00:00:00Z</updated>'
        b"<entry><id>y</id><updated>2026-01-01T00:00:00Z</updated></entry></feed>"
    )
    assert not atom_schema.validate(etree.fromstring(untitled))
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "1"}]}
    assert not json_schema.is_valid(feed)
    assert json_schema.is_valid({**feed, "items": [{"id": "1", "content_html": "<p>x</p>"}]})
    assert not json_schema.is_valid({**feed, "items": [{"id": "1", "content_text": "x", "date_published": "today"}]})


def test_pages_name_both_feeds(site):
    client, story, source_id = site
    for page, feed in [
        ("/", "/feed"),
        ("/sections/business", "/sections/business/feed"),
        (f"/sources/{source_id}", f"/sources/{source_id}/feed"),
        (f"/stories/{quote(story)}", f"/stories/{quote(story)}/feed"),
    ]:
        html = client.get(page).text
        assert 'type="application/atom+xml"' in html and f'href="{feed}.json"' in html, page
        assert 'type="application/feed+json"' in html, page
    assert 'href="/search.json?q=ferry"' in client.get("/search?q=ferry").text


def test_feeds_say_when_their_newest_article_came_and_answer_if_modified_since(site):
    client, _, source_id = site
    path = f"/sources/{source_id}/feed.json"
    response = client.get(path)
    newest = max(t for i in response.json()["items"] for t in (i.get("date_published"), i.get("date_modified")) if t)
    stamp = format_datetime(datetime.fromisoformat(newest).replace(microsecond=0), usegmt=True)
    assert response.headers["last-modified"] == stamp
    assert client.get(path, headers={"If-Modified-Since": stamp}).status_code == 304
    earlier = format_datetime(datetime.fromisoformat(newest) - timedelta(hours=1), usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200


def test_anonymous_answers_are_public_and_short_but_a_readers_own_are_private(site):
    client, _, source_id = site
    for path in ["/", "/latest", "/feed.atom", f"/sources/{source_id}/feed.json", "/api/articles"]:
        anonymous = client.get(path)
        assert anonymous.headers["cache-control"] == "public, max-age=30", path
        assert {"Cookie", "Authorization"} <= {v.strip() for v in anonymous.headers["vary"].split(",")}, path
        signed_in = client.get(path, headers={"Cookie": "broadsheet_session=whatever"})
        assert signed_in.headers["cache-control"] == "private, no-store", path
        stamp = anonymous.headers["last-modified"]  # the newest article shown
        assert client.get(path, headers={"If-Modified-Since": stamp}).status_code == 304, path
        assert signed_in.status_code == 200
        personal = client.get(path, headers={"If-Modified-Since": stamp, "Cookie": "broadsheet_session=whatever"})
        assert personal.status_code == 200, path  # never a shared copy for a reader's own page
    login = client.get("/login")  # sets the anonymous form cookie
    assert login.headers["cache-control"] == "private, no-store" and "set-cookie" in login.headers


def test_an_etag_decides_when_both_validators_are_sent(site):
    client, _, _ = site
    first = client.get("/feed.atom")
    both = {"If-Modified-Since": first.headers["last-modified"], "If-None-Match": '"other"'}
    assert client.get("/feed.atom", headers=both).status_code == 200
    unreadable = client.get("/feed.atom", headers={"If-Modified-Since": "yesterday"})
    assert unreadable.status_code == 200 and unreadable.content == first.content


def test_any_time_becomes_an_http_date():
    from broadsheet.web.edge import http_date

    paris = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).astimezone(timezone(timedelta(hours=1)))
    assert http_date(paris) == http_date(datetime(2026, 11, 30, 9, 0)) == "Mon, 30 Nov 2026 09:00:00 GMT"
