import pytest

from broadsheet.errors import FeedError
from broadsheet.ingest.feeds import discover_feeds, export_opml, looks_like_feed, parse_feed, parse_opml
from broadsheet.model import Source

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Quay Gazette</title><link href="http://q.invalid/"/>
<entry><title>Lighthouse keeper retires</title><link href="/news/keeper"/><id>urn:1</id>
<updated>2026-11-21T10:00:00Z</updated><author><name>Ada Brisk</name></author>
<content type="html">&lt;p&gt;Full body&lt;/p&gt;</content></entry>
<entry><title>No link here</title><id>urn:2</id><updated>2026-11-21T11:00:00Z</updated></entry>
</feed>"""


def test_atom_entries_links_resolved_and_linkless_entries_reported():
    feed = parse_feed(ATOM, "http://q.invalid/atom.xml")
    assert feed.title == "Quay Gazette" and feed.format.startswith("atom")
    [entry] = feed.entries
    assert entry.url == "http://q.invalid/news/keeper"
    assert entry.author == "Ada Brisk" and entry.published.isoformat() == "2026-11-21T10:00:00+00:00"
    assert "Full body" in entry.content_html
    assert feed.skipped == ["entry 2 (No link here) has no link"]


def test_json_feed():
    data = b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "url": "http://j.invalid/1", "title": "One"}]}'
    assert looks_like_feed(data)
    assert [e.url for e in parse_feed(data, "http://j.invalid/feed.json").entries] == ["http://j.invalid/1"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<!doctype html><html><body>Hello</body></html>", "HTML page, not a feed"),
        (b"", "empty"),
        (b"just some words", "not a valid"),
    ],
)
def test_not_a_feed_is_a_clear_error(data, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(data)


def test_malformed_xml_still_yields_what_it_can():
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><item><title>A & B</title><link>http://b.invalid/1</link></item>'
    assert [e.url for e in parse_feed(broken, "http://b.invalid/").entries] == ["http://b.invalid/1"]


def test_discovery_from_link_alternate():
    html = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" type="text/html" href="/en"><link rel="stylesheet" href="/s.css"></head></html>'
    )
    assert discover_feeds(html, "http://site.invalid/page") == ["http://site.invalid/rss.xml"]


def test_opml_round_trip_including_nested_outlines():
    sources = [
        Source(id=None, feed_url="http://a.invalid/feed", title="A & Co", site_url="http://a.invalid/"),
        Source(id=None, feed_url="http://b.invalid/rss", title=""),
    ]
    text = export_opml(sources)
    back = parse_opml(text.encode())
    assert [(s.feed_url, s.title) for s in back] == [
        ("http://a.invalid/feed", "A & Co"),
        ("http://b.invalid/rss", "http://b.invalid/rss"),
    ]
    nested = b'<opml version="1.0"><body><outline text="News"><outline xmlUrl="http://c.invalid/x" text="C"/></outline></body></opml>'
    assert [s.feed_url for s in parse_opml(nested)] == ["http://c.invalid/x"]
    with pytest.raises(FeedError, match="opml"):
        parse_opml(b"<html/>")


@pytest.mark.parametrize(
    "data",
    [
        b"<links m<item<link>2</link>",  # found by fuzz/fuzz_feeds.py: the channel's links became a dict
        b"<rss><channel><links>x</links><item><link>http://pub.example/a</link></item></channel></rss>",
        b"<rss><channel><item><link>http://pub.example/a</link><content>text</content></item></channel></rss>",
    ],
)
def test_links_or_content_of_an_unexpected_shape_are_ignored_not_crashed(data):
    try:
        feed = parse_feed(data, "http://pub.example/feed")
    except FeedError:
        return
    assert feed.hub == ""
    assert all(isinstance(entry.content_html, str) for entry in feed.entries)
