from datetime import UTC, datetime, timedelta

import html5lib
import httpx
import pytest
from httpserver import AppServer

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app


@pytest.fixture
def api(engine, config):
    source, _ = source_store.add_source(engine, "http://pub.invalid/feed", title="Pub")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id=f"a{i}",
                    url=f"http://pub.invalid/{i}",
                    title=f"Ferry news {i}",
                    source_id=source.id,
                    source_name="Pub",
                    published_at=now - timedelta(hours=i),
                    text=f"Ferry paragraph {i}.\n\nMore.",
                )
                for i in range(5)
            ],
        )
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as client:
        yield client


def test_articles_paginate_and_etags(api):
    first = api.get("/api/articles", params={"limit": 2})
    body = first.json()
    assert [a["id"] for a in body["items"]] == ["a0", "a1"] and body["page"] == {
        "limit": 2,
        "offset": 0,
        "total": 5,
        "next_offset": 2,
    }
    assert api.get("/api/articles", params={"limit": 2, "offset": 4}).json()["page"]["next_offset"] is None
    etag = first.headers["etag"]
    assert api.get("/api/articles", params={"limit": 2}, headers={"If-None-Match": etag}).status_code == 304
    one = api.get("/api/articles/a3").json()
    assert one["paragraphs"] == ["Ferry paragraph 3.", "More."] and one["source"] == "Pub"


def test_every_api_error_is_problem_details(api):
    missing = api.get("/api/articles/nope")
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.status_code == 404 and missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "store: no article with id nope",
    }
    invalid = api.get("/api/articles", params={"limit": 1000, "offset": "x"})
    body = invalid.json()
    assert invalid.status_code == 422 and body["status"] == 422 and body["title"] == "Unprocessable Entity"
    assert {e["location"] for e in body["errors"]} == {"query.limit", "query.offset"}
    assert body["detail"].startswith("request: limit: ")
    bad = api.get("/api/stories", params={"section": "Weather"})
    assert bad.status_code == 400 and "Sports" in bad.json()["detail"] and "errors" not in bad.json()
    unknown = api.get("/api/nowhere")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    refused = api.post("/api/articles")
    assert refused.status_code == 405 and refused.json()["title"] == "Method Not Allowed"
    assert refused.headers["content-type"] == "application/problem+json" and refused.headers["allow"] == "GET"
    page = api.get("/nowhere")  # the site keeps its HTML pages
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_a_failing_api_route_answers_problem_details_and_a_page_an_error_page(engine, config):
    from fastapi.testclient import TestClient

    app = create_app(engine, config)

    @app.get("/api/broken", include_in_schema=False)
    def broken() -> None:
        raise RuntimeError("a bug")

    @app.get("/broken", include_in_schema=False)
    def broken_page() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.get("/api/broken")
        assert failed.status_code == 500 and failed.headers["content-type"] == "application/problem+json"
        assert failed.json()["title"] == "Internal Server Error" and "a bug" not in failed.text
        page = client.get("/broken")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")


def test_sources_search_and_openapi(api):
    [source] = api.get("/api/sources").json()["items"]
    assert source["state"] == "healthy" and source["article_count"] == 5
    hits = api.get("/api/search", params={"q": "ferry", "limit": 2}).json()
    assert [h["article"]["id"] for h in hits["items"]] == ["a0", "a1"] and hits["page"]["next_offset"] == 2
    spec = api.get("/api/openapi.json").json()
    assert {"/api/articles", "/api/articles/{article_id}", "/api/sources", "/api/search"} <= set(spec["paths"])
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "/api/search" in docs.text
    html5lib.HTMLParser(strict=True).parse(docs.text)


def test_atom_feeds_and_search_page(api):
    from xml.etree import ElementTree as ET

    ns = {"a": "http://www.w3.org/2005/Atom"}
    front = ET.fromstring(api.get("/feed.atom").content)
    assert [e.find("a:title", ns).text for e in front.findall("a:entry", ns)][:2] == ["Ferry news 0", "Ferry news 1"]
    found = ET.fromstring(api.get("/search.atom", params={"q": "paragraph 3"}).content)
    assert found.find("a:entry/a:title", ns).text == "Ferry news 3"
    assert ET.fromstring(api.get("/sources/1/feed.atom").content).find("a:title", ns).text == "Broadsheet: Pub"
    page = api.get("/search", params={"q": "ferry", "since": "week"})
    assert (
        page.status_code == 200
        and "Ferry news 0" in page.text
        and 'href="/search.atom?q=ferry&amp;since=week"' in page.text
    )
    html5lib.HTMLParser(strict=True).parse(page.text)
    empty = api.get("/search", params={"q": "zeppelin"})
    assert "Nothing matches" in empty.text


def test_search_section_filter_is_checked(api):
    bad = api.get("/api/search", params={"q": "ferry", "section": "Weather"})
    assert bad.status_code == 400 and "Sports" in bad.json()["detail"]
    assert api.get("/api/search", params={"q": "ferry", "section": "Sports"}).json()["items"] == []


def test_the_openapi_document_declares_problems_enums_and_totals(api):
    spec = api.get("/api/openapi.json").json()
    assert all(path.startswith("/api/") for path in spec["paths"])
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and set(schemas["ProblemOut"]["required"]) >= {"title", "status"}
    for path, item in spec["paths"].items():
        responses = item["get"]["responses"]
        for status in ("400", "422", "500"):
            assert list(responses[status]["content"]) == ["application/problem+json"], (path, status)
        if "{" in path:
            assert "application/problem+json" in responses["404"]["content"], path
    stories = spec["paths"]["/api/stories"]["get"]["parameters"]
    section = next(p for p in stories if p["name"] == "section")["schema"]
    assert {"Business", "Sports"} <= set(section["anyOf"][0]["enum"]) and "pattern" in section["anyOf"][1]
    assert "Business" in schemas["StoryOut"]["properties"]["section"]["enum"]
    assert schemas["SourceOut"]["properties"]["state"]["enum"] == ["healthy", "failing", "unhealthy", "gone"]
    assert "total" in schemas["Page"]["required"]
    for name in ("SourceList", "EntityList", "CommentList"):
        assert "total" in schemas[name]["required"], name


def test_every_list_is_counted_and_articles_say_where_they_belong(api, engine):
    from sqlalchemy import update

    from broadsheet.store.schema import articles

    with engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == "a1").values(story_id="s1", section="Business"))
        conn.execute(
            update(articles)
            .where(articles.c.id == "a1")
            .values(
                key_points=[{"text": "Ferry paragraph 1.", "start": 0, "end": 18, "sentence": 0}],
                tags=["Ferries"],
                entities=[{"id": 7, "name": "Pub", "kind": "organisation", "count": 1}],
                enriched=1,
            )
        )
    hits = api.get("/api/search", params={"q": "ferry", "limit": 2}).json()
    assert hits["page"]["total"] == 5 and hits["page"]["next_offset"] == 2
    assert api.get("/api/search", params={"q": "ferry", "offset": 4}).json()["page"]["next_offset"] is None
    listed = api.get("/api/articles", params={"limit": 2}).json()["items"]
    assert listed[1]["story_id"] == "s1" and listed[1]["section"] == "Business" and listed[0]["story_id"] is None
    one = api.get("/api/articles/a1").json()
    assert one["key_points"] == ["Ferry paragraph 1."] and one["tags"] == ["Ferries"]
    assert one["entities"] == [{"id": 7, "name": "Pub", "kind": "organisation"}] and one["section"] == "Business"
    assert api.get("/api/sources").json()["total"] == 1
    assert api.get("/api/entities").json()["total"] == 0
    assert api.get("/api/comments", params={"target": "article:a1"}).json()["total"] == 0
    assert api.get("/api/stories").json()["page"]["total"] == 0


def test_a_storys_detail_names_the_section_its_list_card_names(engine, config):
    from pathlib import Path

    from fastapi.testclient import TestClient

    from broadsheet.pipeline import bulk

    bulk.import_jsonl(engine, Path(__file__).parent / "fixtures" / "ai_story.jsonl")
    with TestClient(create_app(engine, config)) as client:
        listed = client.get("/api/stories").json()
        [card] = listed["items"]
        assert listed["page"]["total"] == 1 and card["section"] == "Business"
        detail = client.get(f"/api/stories/{card['id']}").json()
        assert detail["section"] == card["section"]
        assert {a["story_id"] for g in detail["coverage"] for a in g["articles"]} == {card["id"]}
        assert client.get("/api/stories", params={"section": "business"}).json()["items"] == [card]
