"""OPML in and out: folders kept, every skipped outline reported, and the variants of one feed's URL
(http/https, host case, trailing slash, tracking parameters) followed as one source."""

from __future__ import annotations

import subprocess
import sys

from broadsheet.ingest.feeds import export_opml, read_opml
from broadsheet.store import sources as source_store
from broadsheet.text.urls import feed_key

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Mine</title></head><body>
  <outline text="Harbour news">
    <outline type="rss" text="Harbour Times" xmlUrl="https://harbour.example/feed.xml" htmlUrl="https://harbour.example/"/>
    <outline type="link" text="Harbour webcam" url="https://harbour.example/cam"/>
    <outline text="Island desks">
      <outline type="rss" text="Isle Post" xmlUrl="http://ISLE.example/rss/"/>
    </outline>
  </outline>
  <outline type="rss" text="Loose feed" xmlUrl="https://loose.example/atom"/>
  <outline type="rss" text="Bad scheme" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" text="Relative" xmlUrl="/feed.xml"/>
</body></opml>"""


def test_folders_are_read_and_every_skipped_outline_is_reported():
    found = read_opml(OPML)
    assert [(s.title, s.folder) for s in found.sources] == [
        ("Harbour Times", "Harbour news"),
        ("Isle Post", "Island desks"),
        ("Loose feed", ""),
    ]
    assert len(found.skipped) == 3
    assert "outline 3 (Harbour webcam): a link outline without a feed URL" in found.skipped[0]
    assert "outline 7" in found.skipped[1] and "outline 8" in found.skipped[2]


def test_folders_survive_a_round_trip():
    again = read_opml(export_opml(read_opml(OPML).sources).encode())
    assert [(s.feed_url, s.folder) for s in again.sources] == [(s.feed_url, s.folder) for s in read_opml(OPML).sources]
    assert again.skipped == []


def test_variants_of_one_feed_url_are_one_source(engine):
    first, new = source_store.add_source(engine, "https://Harbour.example/feed/?utm_source=x#top", folder="Harbour")
    assert new and first.feed_url == "https://harbour.example/feed/" and first.folder == "Harbour"
    for variant in (
        "http://harbour.example/feed",
        "https://www.harbour.example/feed/",
        "HTTPS://HARBOUR.EXAMPLE:443/feed",
    ):
        same, new = source_store.add_source(engine, variant)
        assert not new and same.id == first.id, variant
    other, new = source_store.add_source(engine, "https://harbour.example/feed/sport")
    assert new and other.id != first.id
    assert feed_key("https://harbour.example/feed?b=2&a=1") == feed_key("http://harbour.example/feed/?a=1&b=2")
    # a path written as text or percent-encoded (courlan normalises the encoding)
    assert feed_key("https://hafen.example/gebühren/feed") == feed_key("https://hafen.example/geb%C3%BChren/feed")
    assert feed_key("https://hafen.example/feed") != feed_key("https://hafen.example/feed/sport")


def test_import_reports_what_it_skipped_and_export_nests_folders(tmp_path):
    opml = tmp_path / "mine.opml"
    opml.write_bytes(OPML)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), "BROADSHEET_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "broadsheet", "sources", "import", str(opml)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "3 new sources added, 0 already followed, 3 skipped." in done.stdout
    assert "Harbour webcam" in done.stdout
    exported = subprocess.run(
        [sys.executable, "-m", "broadsheet", "sources", "export"], env=env, capture_output=True, text=True, timeout=120
    ).stdout
    assert [(s.title, s.folder) for s in read_opml(exported.encode()).sources] == [
        ("Harbour Times", "Harbour news"),
        ("Isle Post", "Island desks"),
        ("Loose feed", ""),
    ]


def test_adding_many_feeds_makes_each_feed_key_once(engine, monkeypatch):
    """Adding a feed compares its key with every followed feed's: remembered keys keep an OPML file
    of thousands of feeds linear (it was quadratic: 31 s of CPU for 2,000 feeds)."""
    from broadsheet.text import urls

    made: list[str] = []
    normalize = urls.courlan.normalize_url

    def counting(url, **kwargs):
        made.append(url)
        return normalize(url, **kwargs)

    monkeypatch.setattr(urls.courlan, "normalize_url", counting)
    feed_key.cache_clear()
    for i in range(40):
        source_store.add_source(engine, f"https://outlet{i}.example/feed")
    assert len(made) == 40  # without memory: 40 + 39 * 40 / 2 = 820
    same, new = source_store.add_source(engine, "http://www.OUTLET7.example/feed/")
    assert not new and same.feed_url == "https://outlet7.example/feed"
