"""What a page says about itself and how it opens: description and Open Graph tags with absolute
links from public_url, the icon and web app manifest, the header's Latest link, full coverage
first on article and story pages, error pages, and text fragments that find their sentence."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from httpserver import AppServer
from sqlalchemy import select

from broadsheet.pipeline import bulk
from broadsheet.store import articles as article_store
from broadsheet.store.schema import articles
from broadsheet.text.fragments import text_fragment
from broadsheet.web.app import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"
PUBLIC = "https://news.example"


class Head(HTMLParser):
    """The <meta> and <link> tags of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        if tag == "link" and "rel" in found:
            self.links[found["rel"]] = found.get("href", "")


def head_of(page: str) -> Head:
    parser = Head()
    parser.feed(page)
    return parser


@pytest.fixture
def http(engine, config):
    bulk.import_jsonl(engine, FIXTURE)  # one story: br-4 is Meridian Wire's copy syndicated by the Sentinel
    with (
        AppServer(create_app(engine, config.replace(public_url=PUBLIC + "/"))) as base,
        httpx.Client(base_url=base) as client,
    ):
        yield client


def _ids(engine) -> dict[str, str]:
    """Article ids by the fixture's own ids (br-1 ...)."""
    with engine.connect() as conn:
        return {row.import_id: row.id for row in conn.execute(select(articles.c.import_id, articles.c.id))}


def _story_id(engine) -> str:
    view = article_store.get_article_view(engine, _ids(engine)["br-1"])
    assert view.story_id
    return view.story_id


def test_article_story_and_front_pages_carry_description_and_open_graph(http, engine):
    story, ids = _story_id(engine), _ids(engine)
    for path, kind in ((f"/articles/{ids['br-1']}", "article"), (f"/stories/{story}", "article"), ("/", "website")):
        head = head_of(http.get(path).text)
        for name in ("description", "og:title", "og:description", "og:type", "og:url"):
            assert head.meta.get(name), (path, name)
        assert head.meta["og:type"] == kind and head.meta["og:url"] == PUBLIC + path
    article = head_of(http.get(f"/articles/{ids['br-1']}").text)
    assert article.meta["og:title"] == "Tarnby bridge closed after cracks found in main span"
    assert article.meta["description"].startswith("TARNBY")


def test_icon_and_manifest(http):
    head = head_of(http.get("/latest").text)
    assert head.links["icon"] == "/static/favicon.svg" and head.links["manifest"] == "/manifest.webmanifest"
    manifest = http.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"] == "Broadsheet" and body["start_url"] == "/"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        served = http.get(icon["src"])
        assert served.status_code == 200 and served.headers["content-type"].startswith(icon["type"])
    assert http.get("/favicon.ico").headers["location"] == "/static/favicon.svg"


def test_the_header_links_latest_and_each_page_highlights_itself(http):
    latest = http.get("/latest").text
    assert re.search(r'<a href="/latest" aria-current="page">Latest</a>', latest)
    assert '<a href="/" aria-current="page">Top stories</a>' not in latest
    top = http.get("/").text
    assert '<a href="/" aria-current="page">Top stories</a>' in top
    assert 'href="/latest" aria-current' not in top


def test_an_article_opens_with_its_full_coverage_and_publisher(http, engine):
    story, ids = _story_id(engine), _ids(engine)
    page = http.get(f"/articles/{ids['br-3']}").text
    banner = page.index('class="full-coverage"')
    assert banner < page.index('class="body"') < page.index('class="ai-panel"')
    assert f'<a href="/stories/{story}"><strong>Full coverage: 4 sources</strong></a>' in page
    assert 'Original: <a href="https://meridian-wire.example/' in page
    assert f'Also published by <a href="/articles/{ids["br-4"]}">The Evening Sentinel</a>' in page
    assert "Read the original at <a" in page and ">Meridian Wire</a>." in page  # by name, not host:port
    copy = http.get(f"/articles/{ids['br-4']}").text
    assert f'Also published by <a href="/articles/{ids["br-3"]}">Meridian Wire</a>' in copy


def test_a_story_leads_with_its_coverage_and_who_reported_first(http, engine):
    ids = _ids(engine)
    page = http.get(f"/stories/{_story_id(engine)}").text
    coverage = page.index('id="coverage-heading"')
    assert coverage < page.index("First reported by") < page.index('class="ai-panel"')
    assert "First reported by <strong>The Northgate Herald</strong>" in page
    assert f'Also published by <a href="/articles/{ids["br-4"]}">The Evening Sentinel</a>' in page


def test_unknown_paths_are_html_pages_and_the_api_keeps_json(http):
    for path in ("/nope", "/static/nope.css", "/a/b/c", "/stories/", "/articles/nope/more"):
        response = http.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html"), path
        assert "That page does not exist." in response.text
    api = http.get("/api/nope")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_a_malformed_id_is_not_found_not_unprocessable(http):
    for path in ("/entities/abc", "/sources/abc", "/stories/" + "x" * 400, "/articles/%00", "/pictures/x/abc"):
        response = http.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html"), path
    assert http.get("/entities/1x", headers={"Accept": "application/json"}).status_code == 404
    assert http.get("/api/entities/abc").headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "sentence",
    [
        "A well-known firm, Smith & Sons, said the bridge would re-open in three weeks' time.",
        "Short - and sweet, & done",
        "Prices rose 5% (year-on-year) to 9,000 crowns; officials said 'no' #again",
    ],
)
def test_text_fragments_escape_what_the_directive_reserves(sentence):
    fragment = text_fragment(sentence)
    assert fragment.startswith("#:~:text=")
    directive = fragment.removeprefix("#:~:text=")
    parts = directive.split(",")
    assert 1 <= len(parts) <= 2  # start[,end]: a comma is only ever the separator
    for part in parts:
        assert "-" not in part and "&" not in part and " " not in part  # reserved by the directive's syntax
    words = sentence.split()
    assert unquote(parts[0]) == " ".join(words[: 5 if len(parts) == 2 else len(words)])
    if len(parts) == 2:
        assert unquote(parts[1]) == " ".join(words[-4:])
