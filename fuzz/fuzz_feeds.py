"""atheris fuzz target: feed and OPML parsing. Any exception other than FeedError, or a link the URL
policy refuses in the result, is a crash.

Run: python fuzz/fuzz_feeds.py [corpus dirs...] -runs=1000000   (see `make fuzz`)
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["broadsheet", "feedparser"]):
    from broadsheet.errors import FeedError
    from broadsheet.ingest.feeds import parse_feed, read_opml
    from broadsheet.text.urls import url_problem


def check_feed(data: bytes) -> None:
    """Parse one document as a feed and as OPML; only FeedError may escape, only policy links may come out."""
    try:
        feed = parse_feed(data, "http://pub.example/feed")
    except FeedError:
        feed = None
    if feed is not None:
        assert feed.site_url == "" or url_problem(feed.site_url) is None, feed.site_url
        for entry in feed.entries:
            assert url_problem(entry.url) is None, entry.url
            assert "\x00" not in entry.title, entry.title
    try:
        listed = read_opml(data)
    except FeedError:
        return
    for source in listed.sources:
        assert url_problem(source.feed_url) is None, source.feed_url


if __name__ == "__main__":
    atheris.Setup(sys.argv, check_feed)
    atheris.Fuzz()
