"""The demo newsroom: real HTTP servers on 127.0.0.1 serving each fictional publisher's site."""

from __future__ import annotations

import html
import io
import re
import socket
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import feedparser
import httpx
import pytest
from PIL import Image

from broadsheet.demo.content import PUBLISHERS, DemoArticle, load_articles
from broadsheet.demo.server import Newsroom, Site, start_newsroom
from broadsheet.demo.sites import FURNITURE_PHRASES, LAYOUTS, SiteApp

# A tiny story of our own so these tests do not depend on the story writers' files.
# It carries HTML-special characters, latin-1 and non-latin-1 characters, an empty byline,
# a syndicated wire copy and future articles.
FIXTURE = """
key = "test-quay"
section = "Business"

[[articles]]
slug = "t-wire"
publisher = "meridian-wire"
title = "Quay traders count the cost of the storm"
byline = "Ada Wren"
minutes_ago = 300
summary = "Shops on Quay Street reopen after the storm."
image_caption = "Sandbags outside a shop on Quay Street."
tags = ["Storms", "Retail"]
paragraphs = [
  "Traders on Quay Street reopened on Tuesday after the storm flooded cellars along the waterfront.",
  "\\"We lost stock worth 4,000 crowns & more,\\" said one owner, adding that insurers were <slow> to respond.",
  "The council said repairs to the sea wall would start within a month.",
]

[[articles]]
slug = "t-copy"
publisher = "evening-sentinel"
title = "Storm-hit Quay Street back in business"
byline = "By Ada Wren"
minutes_ago = 240
wire_of = "t-wire"
tags = ["Storms"]
paragraphs = [
  "Traders on Quay Street reopened on Tuesday after the storm flooded cellars along the waterfront.",
  "The council said repairs to the sea wall would start within a month.",
  "Insurers said claims were being handled as quickly as possible.",
  "A public meeting is planned for Thursday evening.",
]

[[articles]]
slug = "t-harbour"
publisher = "harbour-times"
title = "Café owners on the quay — mopping up"
byline = "Søren Dahl"
minutes_ago = 200
image_caption = "The Anchor Café after the water went down."
tags = ["Quay Street", "Café"]
paragraphs = [
  "The Anchor Café on Quay Street — a fixture since 1952 — reopened its doors at 7 a.m.",
  "Owner Marguerite Oyelaran said the repairs cost about €4,000 and a week of crêpes.",
  "Regulars arrived with mops, buckets and, in one case, a wet-vac borrowed from the marina.",
]

[[articles]]
slug = "t-herald"
publisher = "northgate-herald"
section = "Politics"
title = "Minister promises storm fund for coastal towns"
byline = "Ilse Marrin"
minutes_ago = 180
summary = "A fund of 40 million crowns is promised for repairs."
tags = ["Storms", "Politics"]
paragraphs = [
  "The government will set up a 40 million crown fund to repair storm damage in coastal towns, the minister said.",
  "Applications will open next month and councils will be able to bid for up to 2 million crowns each.",
  "Opposition members said the fund was too small and too late.",
  "The minister said more money could follow after a full survey of the damage.",
]

[[articles]]
slug = "t-herald-2"
publisher = "northgate-herald"
title = "Sea wall survey to begin on Monday"
byline = "Ilse Marrin"
minutes_ago = 60
tags = ["Storms"]
paragraphs = ["Engineers will begin a survey of the sea wall on Monday.", "The survey is expected to take three weeks."]

[[articles]]
slug = "t-courier"
publisher = "valley-courier"
title = "Valley farms escape the worst of the storm"
byline = "Ewan Tiller"
minutes_ago = 150
tags = ["Farming"]
paragraphs = [
  "Farms in the Halvern valley escaped the worst of the storm, the farmers' union said.",
  "Some orchards lost fruit and a barn roof was blown off near Tarrow Ridge.",
  "The union said most farms would be working normally by the weekend.",
]

[[articles]]
slug = "t-ledger"
publisher = "civic-ledger"
title = "Who pays for the sea wall?"
byline = ""
minutes_ago = 120
tags = ["Budget"]
paragraphs = [
  "The storm has reopened an old argument about who should pay for coastal defences.",
  "Councils say the national government should fund the work; ministers say councils must contribute.",
  "The sums involved are large: a full rebuild could cost 300 million crowns.",
  "Neither side has yet published a costed plan.",
  "An independent review is due in the spring.",
]

[[articles]]
slug = "t-bright"
publisher = "brightline"
section = "Science"
title = "How storm surges are forecast"
byline = "Oskar Pell"
minutes_ago = 90
tags = ["Weather", "Science"]
paragraphs = [
  "Storm surge forecasts combine wind forecasts with models of the sea bed and the coast.",
  "The models run every six hours and are checked against tide gauges.",
  "Forecasters said the surge was predicted to within 20 centimetres.",
  "Better data from new gauges could improve the forecasts further.",
]

[[articles]]
slug = "t-future-harbour"
publisher = "harbour-times"
title = "Council to decide on sea wall tonight"
byline = "Søren Dahl"
minutes_ago = -60
paragraphs = ["This article is not published yet."]

[[articles]]
slug = "t-future-courier"
publisher = "valley-courier"
title = "Storm warning lifted for the valley"
byline = "Ewan Tiller"
minutes_ago = -30
paragraphs = ["Nor is this one."]
"""

TRACKED = {"northgate-herald", "evening-sentinel"}
FULL_CONTENT = {"valley-courier", "meridian-wire"}


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> list[DemoArticle]:
    """The fixture story, loaded through the real loader."""
    folder = tmp_path_factory.mktemp("stories")
    (folder / "test-quay.toml").write_text(FIXTURE, encoding="utf-8")
    return load_articles(folder)


@pytest.fixture(scope="module")
def newsroom(articles: list[DemoArticle]) -> Iterator[Newsroom]:
    """One running newsroom for the whole module."""
    with start_newsroom(articles=articles) as room:
        yield room


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client that does not follow redirects."""
    with httpx.Client(timeout=5.0) as http:
        yield http


def page_text(response: httpx.Response) -> str:
    """Decode a page by its declared charset and undo HTML escaping."""
    return html.unescape(response.content.decode(response.charset_encoding or "utf-8"))


def canonical_of(text: str) -> str:
    """The href of the page's rel=canonical link."""
    match = re.search(r'<link rel="canonical" href="([^"]+)"', text)
    assert match, "no canonical link"
    return html.unescape(match.group(1))


def live_of(room: Newsroom, publisher: str) -> list[DemoArticle]:
    """The live articles of one publisher."""
    return [a for a in room.articles if a.publisher == publisher and room.is_live(a)]


def strip_query(url: str) -> str:
    """A URL without tracking parameters (harbour-times keeps its ?id=)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_") and k != "ref"]
    return parts._replace(query=urlencode(query)).geturl()


def test_interface_shape(newsroom: Newsroom) -> None:
    assert [f.name for f in fields(Site)] == ["publisher", "base_url", "feed_url", "home_url"]
    assert [s.publisher.slug for s in newsroom.sites] == [p.slug for p in PUBLISHERS]
    assert newsroom.started_at.tzinfo is not None and newsroom.started_at.utcoffset() == timedelta(0)
    ports = {urlsplit(s.base_url).port for s in newsroom.sites}
    assert len(ports) == len(PUBLISHERS)
    article = next(a for a in newsroom.articles if a.slug == "t-herald")
    assert newsroom.published_at(article) == newsroom.started_at - timedelta(minutes=180)
    assert newsroom.is_live(article)
    assert not newsroom.is_live(next(a for a in newsroom.articles if a.slug == "t-future-harbour"))


def test_home_feed_and_robots_answer(newsroom: Newsroom, client: httpx.Client) -> None:
    for site in newsroom.sites:
        home = client.get(site.home_url)
        assert home.status_code == 200, site.home_url
        kind = "atom" if site.publisher.feed_format == "atom" else "rss"
        assert f'type="application/{kind}+xml"' in home.text and f'href="{site.feed_url}"' in home.text
        for article in live_of(newsroom, site.publisher.slug):
            assert newsroom.article_url(article.slug) in home.text
        assert client.get(site.feed_url).status_code == 200
        robots = client.get(site.base_url + "/robots.txt")
        assert robots.status_code == 200 and "User-agent: *" in robots.text and "Disallow: /" not in robots.text


def test_feed_paths_vary(newsroom: Newsroom) -> None:
    paths = {urlsplit(s.feed_url).path for s in newsroom.sites}
    assert len(paths) >= 4
    for site in newsroom.sites:
        if site.publisher.feed_format == "atom":
            assert site.feed_url.endswith("/atom.xml")


def test_feeds_list_exactly_the_live_articles(newsroom: Newsroom, client: httpx.Client) -> None:
    for site in newsroom.sites:
        feed = feedparser.parse(client.get(site.feed_url).content)
        assert not feed.bozo, (site.feed_url, feed.get("bozo_exception"))
        assert feed.version.startswith(site.publisher.feed_format)
        live = {newsroom.article_url(a.slug): a for a in live_of(newsroom, site.publisher.slug)}
        assert {strip_query(e.link) for e in feed.entries} == set(live), site.publisher.slug
        for entry in feed.entries:
            article = live[strip_query(entry.link)]
            assert entry.title == article.title
            assert entry.id
            published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
            assert published == newsroom.published_at(article)
            assert entry.summary
            if article.byline:
                assert article.byline.removeprefix("By ") in entry.author


def test_full_content_and_tracking_links(newsroom: Newsroom, client: httpx.Client) -> None:
    for site in newsroom.sites:
        slug = site.publisher.slug
        feed = feedparser.parse(client.get(site.feed_url).content)
        for entry in feed.entries:
            assert ("utm_" in entry.link) == (slug in TRACKED), entry.link
            article = next(a for a in newsroom.articles if newsroom.article_url(a.slug) == strip_query(entry.link))
            if slug in FULL_CONTENT:
                body = html.unescape(entry.content[0].value)
                assert all(p in body for p in article.paragraphs)
            else:
                assert "content" not in entry


def test_tracked_links_serve_the_page_with_a_clean_canonical(newsroom: Newsroom, client: httpx.Client) -> None:
    for slug in TRACKED:
        feed = feedparser.parse(client.get(newsroom.site(slug).feed_url).content)
        entry = feed.entries[0]
        page = client.get(entry.link)
        assert page.status_code == 200
        assert canonical_of(page_text(page)) == strip_query(entry.link)


def test_article_pages_carry_their_paragraphs_and_metadata(newsroom: Newsroom, client: httpx.Client) -> None:
    live = [a for a in newsroom.articles if newsroom.is_live(a)]
    assert len(live) == 8
    for article in live:
        url = newsroom.article_url(article.slug)
        page = client.get(url)
        assert page.status_code == 200, url
        text = page_text(page)
        for paragraph in article.paragraphs:
            assert paragraph in text, (article.slug, paragraph)
        assert canonical_of(text) == url and "utm_" not in url
        assert f'<meta property="og:image" content="{newsroom.image_url(article.slug)}">' in text
        image = client.get(newsroom.image_url(article.slug))
        assert image.status_code == 200 and image.headers["content-type"] in ("image/jpeg", "image/png")
        drawn = Image.open(io.BytesIO(image.content))  # a raster the pictures stage can resize
        assert drawn.size == (960, 540) and drawn.format in ("JPEG", "PNG")
        assert all(tag in text for tag in article.tags)


def test_markup_varies_between_publishers(newsroom: Newsroom, client: httpx.Client) -> None:
    pages = {
        a.publisher: page_text(client.get(newsroom.article_url(a.slug)))
        for a in newsroom.articles
        if newsroom.is_live(a)
    }
    assert "<article" in pages["northgate-herald"] and "application/ld+json" in pages["northgate-herald"]
    assert "<article" not in pages["valley-courier"] and 'class="story-body"' in pages["valley-courier"]
    assert "newsletter-inline" in pages["valley-courier"]
    assert re.search(r"<main[^>]*><section", pages["civic-ledger"])
    assert "<table" in pages["harbour-times"] and "<h1" not in pages["harbour-times"]
    assert 'itemprop="articleBody"' in pages["evening-sentinel"]
    assert '<p class="byline">By Ada Wren</p>' in pages["meridian-wire"]
    assert '<meta name="author" content="Ada Wren">' in pages["meridian-wire"]
    assert "<img" in pages["brightline"] and "<img" not in pages["meridian-wire"]


def test_furniture_repeats_and_phrases_are_real(
    newsroom: Newsroom, client: httpx.Client, articles: list[DemoArticle]
) -> None:
    assert len(FURNITURE_PHRASES) >= 12
    texts = [page_text(client.get(newsroom.article_url(a.slug))).lower() for a in articles if newsroom.is_live(a)]
    for phrase in FURNITURE_PHRASES:
        assert phrase == phrase.lower() and any(phrase in t for t in texts), phrase
        assert not any(phrase in p.lower() for a in articles for p in a.paragraphs), phrase
    for text in texts:  # every page of every site carries the generic furniture
        for phrase in (
            "no longer supported",
            "cookie",
            "sign up for",
            "share on",
            "copy link",
            "join the conversation",
            "contact us",
            "all rights reserved",
        ):
            assert phrase in text, phrase
    herald = [page_text(client.get(newsroom.article_url(s))) for s in ("t-herald", "t-herald-2")]
    notices = [
        re.findall(r"<div class=\"browser-notice\">.*?</div>|<footer class=\"site-footer\">.*?</footer>", p, re.S)
        for p in herald
    ]
    assert notices[0] and notices[0] == notices[1]


def test_future_articles_are_hidden(newsroom: Newsroom, client: httpx.Client) -> None:
    for slug in ("t-future-harbour", "t-future-courier"):
        article = next(a for a in newsroom.articles if a.slug == slug)
        site = newsroom.site(article.publisher)
        url = newsroom.article_url(slug)
        assert client.get(url).status_code == 404
        assert client.get(newsroom.image_url(slug)).status_code == 404
        assert url not in client.get(site.feed_url).text
        assert article.title not in page_text(client.get(site.feed_url))
        assert url not in client.get(site.home_url).text


def test_future_news_arrives_when_its_time_comes(articles: list[DemoArticle]) -> None:
    started = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    published = {a.slug: started - timedelta(minutes=a.minutes_ago) for a in articles}
    pub = next(p for p in PUBLISHERS if p.slug == "valley-courier")
    app = SiteApp(pub, "http://127.0.0.1:9", articles, published)
    future = next(a for a in articles if a.slug == "t-future-courier")
    path = app.article_url(future).removeprefix(app.base_url)
    assert app.respond(path, started).status == 404
    later = started + timedelta(minutes=31)
    assert app.respond(path, later).status == 200
    assert future.title.encode() in app.respond(LAYOUTS[pub.slug].feed, later).body


def test_harbour_times_is_latin1(newsroom: Newsroom, client: httpx.Client) -> None:
    site = newsroom.site("harbour-times")
    article = next(a for a in newsroom.articles if a.slug == "t-harbour")
    for url, declaration in (
        (site.home_url, b'charset=iso-8859-1"'),
        (newsroom.article_url("t-harbour"), b'charset=iso-8859-1"'),
        (site.feed_url, b'<?xml version="1.0" encoding="ISO-8859-1"?>'),
    ):
        response = client.get(url)
        assert response.headers["content-type"].lower().endswith("charset=iso-8859-1"), url
        assert declaration in response.content
        assert b"Caf\xe9" in response.content  # latin-1 bytes, not UTF-8's C3 A9
        with pytest.raises(UnicodeDecodeError):
            response.content.decode("utf-8")
        response.content.decode("latin-1")
    page = client.get(newsroom.article_url("t-harbour")).content
    assert b"&#8212;" in page and b"&#8364;" in page  # dash and euro sign as character references
    feed = feedparser.parse(client.get(site.feed_url).content)
    assert feed.entries[0].title == article.title


def test_server_details(newsroom: Newsroom, client: httpx.Client) -> None:
    site = newsroom.site("valley-courier")
    feed = client.get(site.feed_url)
    again = client.get(site.feed_url, headers={"If-None-Match": feed.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.head(site.home_url).status_code == 200
    url = newsroom.article_url("t-courier")
    moved = client.get(url.rstrip("/"))
    assert moved.status_code == 301 and moved.headers["location"] == url
    assert client.get(site.base_url + "/no/such/page").status_code == 404


def test_quiet_and_stop_frees_fixed_ports(articles: list[DemoArticle], capfd: pytest.CaptureFixture) -> None:
    room = None
    for _ in range(5):  # a neighbour may hold one of the consecutive ports; try another base
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + len(PUBLISHERS) > 65535:
            continue
        try:
            room = start_newsroom(port=base, articles=articles)
            break
        except OSError:
            continue
    assert room is not None
    with room, httpx.Client(timeout=5.0) as http:
        assert [urlsplit(s.base_url).port for s in room.sites] == list(range(base, base + len(PUBLISHERS)))
        for site in room.sites:
            http.get(site.home_url)
            http.get(site.base_url + "/missing")
    for port in range(base, base + len(PUBLISHERS)):
        with pytest.raises(httpx.ConnectError):  # nobody listens any more
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2.0)
        with socket.socket() as again:  # and the port can be bound again, as a restarted demo would
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_real_stories_serve_cleanly(client: httpx.Client) -> None:
    stories = load_articles()
    if not stories:
        pytest.skip("no story files yet")
    for article in stories:
        for paragraph in article.paragraphs:
            hits = [p for p in FURNITURE_PHRASES if p in paragraph.lower()]
            assert not hits, (article.slug, hits)
    with start_newsroom(articles=stories) as room:
        for site in room.sites:
            assert client.get(site.home_url).status_code == 200
            feed = feedparser.parse(client.get(site.feed_url).content)
            assert len(feed.entries) == len(live_of(room, site.publisher.slug))
        for article in stories:
            response = client.get(room.article_url(article.slug))
            assert response.status_code == (200 if room.is_live(article) else 404), article.slug
            if response.status_code == 200:
                text = page_text(response)
                assert all(p in text for p in article.paragraphs), article.slug
