"""Properties that must hold for any input (hypothesis): the parsers and the extractor fail only with
their own errors, the URL policy only ever lets absolute http(s) links through, the sanitizer never
lets script through, and an import line is either an article or a reported error."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadsheet.errors import BroadsheetError, ExtractError, FeedError, InputError
from broadsheet.extract.article import extract_article
from broadsheet.ingest.feeds import parse_feed, read_opml
from broadsheet.pipeline.stages import article_from_record
from broadsheet.text.sanitize import sanitize_html, xml_text
from broadsheet.text.urls import canonical_url, check_url, safe_url, url_id, url_problem

SETTINGS = settings(
    max_examples=300, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
SLOW = settings(SETTINGS, max_examples=100)  # the extractor and the feed parser take milliseconds each
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# URL-ish text: real pieces (schemes, hosts, ports, controls, brackets) mixed with anything at all.
SCHEMES = st.sampled_from(
    [
        "http",
        "https",
        "HTTP",
        "javascript",
        "JaVaScRiPt",
        "java\tscript",
        "data",
        "vbscript",
        "file",
        "",
        "//",
        "mailto",
        " http",
        "\x00http",
    ]
)
HOSTS = st.sampled_from(
    [
        "example.org",
        "EXAMPLE.org",
        "[::1]",
        "[::1",
        "münchen.example",
        "-bad-",
        "a" * 70,
        "1.2.3.4",
        "",
        "user:pw@example.org",
        "example.org\\@evil.example",
        "exa mple.org",
    ]
)
PORTS = st.sampled_from(["", ":80", ":8080", ":99999", ":-1", ":abc", ":"])
URLISH = st.one_of(
    st.text(max_size=80),
    st.builds(lambda s, h, p, rest: f"{s}://{h}{p}/{rest}", SCHEMES, HOSTS, PORTS, st.text(max_size=30)),
    st.builds(lambda s, rest: f"{s}:{rest}", SCHEMES, st.text(max_size=30)),
)


@SETTINGS
@given(URLISH, st.sampled_from(["", "http://base.example/dir/page", "https://[::1]/x"]))
def test_the_url_policy_lets_only_absolute_http_links_through(url, base):
    try:
        checked = check_url(url, base)
    except InputError as exc:
        assert str(exc).startswith("url: ")
        assert safe_url(url, base) == ""
        return
    assert checked.lower().startswith(("http://", "https://")) and url_problem(checked) is None
    assert check_url(checked) == checked  # what passed once passes again unchanged
    assert not re.search(r"[\x00-\x20\x7f\\\"<>`]", checked)
    assert canonical_url(checked).startswith(("http://", "https://")) and len(url_id(checked)) == 16


@SETTINGS
@given(st.text(max_size=300))
def test_the_sanitizer_never_lets_script_through(fragment):
    clean = sanitize_html(fragment).lower()
    assert "<script" not in clean and "javascript:" not in clean and "<iframe" not in clean
    assert not re.search(r"<[^>]*\son\w+\s*=", clean)
    assert not XML_ILLEGAL.search(clean)


HTML_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<a href='javascript:alert(1)'>x</a>",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        "<div>",
        "</div>",
        "<h1>T</h1>",
        "<article>",
        "</article>",
        "&amp;",
        "&#0;",
        "\x00",
        "<!--",
        "-->",
        "<![CDATA[",
        "<meta property='og:image' content='javascript:alert(1)'>",
        "<link rel=canonical href='javascript:alert(2)'>",
    ]
)
HTMLISH = st.lists(st.one_of(HTML_PIECES, st.text(max_size=40)), max_size=40).map("".join)


@SETTINGS
@given(HTMLISH)
def test_the_sanitizer_is_safe_on_hostile_markup(fragment):
    clean = sanitize_html(fragment).lower()
    assert "<script" not in clean and "javascript:" not in clean and "onerror" not in clean.split(">")[0]
    assert not re.search(r"<[^>]*\son\w+\s*=", clean)


@SLOW
@given(HTMLISH, st.sampled_from([None, "http://pub.example/a/1", "javascript:alert(1)", "http://[::1/x"]))
def test_the_extractor_fails_only_with_its_own_error(html, url):
    try:
        found = extract_article(html, url)
    except ExtractError:
        return
    assert isinstance(found.text, str) and isinstance(found.title, str)
    assert all(isinstance(p, str) for p in found.paragraphs)


def _rss(title: str, link: str, channel_link: str) -> bytes:
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        f"<link>{esc(channel_link)}</link><item><title>{esc(title)}</title><link>{esc(link)}</link>"
        f"</item></channel></rss>"
    ).encode("utf-8", "surrogatepass")


FEED_BYTES = st.one_of(
    st.binary(max_size=300),
    st.builds(_rss, st.text(max_size=40), URLISH, URLISH),
    st.builds(
        lambda t, u: json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "home_page_url": u,
                "items": [{"id": t, "url": u, "title": t}],
            }
        ).encode(),
        st.text(max_size=30),
        URLISH,
    ),
)


@SLOW
@given(FEED_BYTES)
def test_the_feed_parser_fails_only_with_feed_errors_and_yields_only_policy_links(data):
    try:
        feed = parse_feed(data, "http://pub.example/feed")
    except FeedError:
        return
    assert feed.site_url == "" or url_problem(feed.site_url) is None
    for entry in feed.entries:
        assert url_problem(entry.url) is None
        assert not XML_ILLEGAL.search(entry.title + entry.author)


@SETTINGS
@given(st.lists(st.tuples(URLISH, URLISH), max_size=5))
def test_opml_keeps_only_policy_links(outlines):
    attr = lambda s: xml_text(s).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")  # noqa: E731
    body = "".join(f'<outline text="x" xmlUrl="{attr(x)}" htmlUrl="{attr(h)}"/>' for x, h in outlines)
    found = read_opml(
        f'<?xml version="1.0"?><opml version="2.0"><body>{body}</body></opml>'.encode("utf-8", "surrogatepass")
    )
    for source in found.sources:
        assert url_problem(source.feed_url) is None
        assert source.site_url == "" or url_problem(source.site_url) is None
    assert len(found.sources) + len(found.skipped) == len(outlines)  # every outline is followed or reported


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
RECORDS = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON_VALUES,
        "url": st.one_of(URLISH, JSON_VALUES),
        "title": JSON_VALUES,
        "text": st.one_of(st.text(max_size=60), JSON_VALUES),
        "image": st.one_of(URLISH, JSON_VALUES),
        "published": JSON_VALUES,
        "source": JSON_VALUES,
    },
)


@SETTINGS
@given(st.one_of(RECORDS.map(json.dumps), st.text(max_size=60)))
def test_an_import_line_is_an_article_or_a_reported_error(line):
    try:
        article = article_from_record(line, 7)
    except BroadsheetError as exc:
        assert str(exc).startswith(("import: line 7", "extract: "))
        return
    assert article.url == "" or url_problem(article.url) is None
    assert article.image == "" or url_problem(article.image) is None
    assert not XML_ILLEGAL.search(article.title + article.text + article.byline + article.source_name)


# Crashes hypothesis found, kept as plain regression tests.
PAGE = (
    "<html><head><title>Harbour</title><link rel=canonical href='http://[::1/x'>"
    "<meta property='og:image' content='javascript:alert(1)'></head><body><article>"
    + "<p>The harbour wall was repaired after the winter storms damaged it badly.</p>" * 6
    + "</article></body></html>"
)


def test_regression_an_unparseable_base_url_does_not_crash_extraction():
    found = extract_article(PAGE, "http://[::1/x")
    assert found.paragraphs and found.image == ""


def test_regression_a_nul_byte_in_a_page_does_not_crash_extraction():
    found = extract_article(PAGE.replace("harbour wall", "harbour\x00 wall\x0b"), "http://pub.example/a")
    assert found.paragraphs and "\x00" not in found.text and found.url == "http://pub.example/a"


def test_regression_an_opml_file_in_an_unknown_encoding_is_a_feed_error():
    with pytest.raises(FeedError, match="^opml: not valid XML"):
        read_opml(b'<?xml version="1.0" encoding="bogus"?><opml version="2.0"><body/></opml>')


def test_regression_a_feedparser_crash_on_a_stray_end_tag_is_a_feed_error():
    # Found by fuzz/fuzz_feeds.py: feedparser's loose parser raises KeyError on this end tag.
    document = (
        b'<rss version="2.0" xmlns:creativeCommons="http://backend.userland.com/creativeCommonsRssModule">'
        b"<channel><title>T<item><title>x</title></creativeCommons:license></item></channel></rss>"
    )
    with pytest.raises(FeedError, match="^feed: the document could not be parsed"):
        parse_feed(document, "http://pub.example/feed")
