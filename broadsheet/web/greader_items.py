"""Google Reader's vocabulary: stream and item ids, the state categories, and an item as the
JSON of stream/contents or as Atom (`/reader/atom/STREAM`, the form FeedHQ-era clients such as
newsboat read: each entry carries its item id and its state as categories in Google's scheme, so
the app shows what the reader has read on the site or elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from markupsafe import escape

from broadsheet.store import stories as story_store
from broadsheet.store.reading import Item
from broadsheet.text.sanitize import xml_text
from broadsheet.text.urls import safe_url

ATOM = "http://www.w3.org/2005/Atom"
GOOGLE_SCHEME = "http://www.google.com/reader/"
STATE = "user/-/state/com.google/"
READING_LIST, READ, STARRED = STATE + "reading-list", STATE + "read", STATE + "starred"
KEPT_UNREAD = STATE + "kept-unread"
LABEL = "user/-/label/"
ITEM_PREFIX = "tag:google.com,2005:reader/item/"


def item_id(number: int) -> str:
    """An article's arrival number as a Google Reader long item id."""
    return f"{ITEM_PREFIX}{number:016x}"


def parse_item_id(value: str) -> int | None:
    """An item id in any form clients send (long, 16-hex short, decimal) as an arrival number."""
    value = (value or "").strip()
    try:
        if value.startswith(ITEM_PREFIX):
            return int(value[len(ITEM_PREFIX) :], 16)
        if len(value) == 16 and not value.lstrip("-").isdigit():
            return int(value, 16)
        return int(value) if value.lstrip("-").isdigit() else None
    except ValueError:
        return None


def story_label(story: story_store.Story) -> str:
    """A story as a label: its title (no slashes, which would split the label id) and an id prefix."""
    title = (story.title or "Untitled").replace("/", "-").strip()
    return f"Story: {title[:80]} [{story.id[:12]}]"


def _seconds(when: datetime | None) -> int:
    return int((when or datetime.now(UTC)).timestamp())


def categories(item: Item) -> list[str]:
    """The Google Reader categories of an item: reading list, folder, read, starred."""
    found = [READING_LIST]
    if item.folder:
        found.append(LABEL + item.folder)
    if item.read:
        found.append(READ)
    if item.starred:
        found.append(STARRED)
    return found


def item_json(item: Item) -> dict:
    """One item as Google Reader's stream/contents shows it."""
    article, url = item.article, safe_url(item.article.url) or ""
    body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    return {
        "id": item_id(article.arrival or 0),
        "crawlTimeMsec": str(int((article.fetched_at or item.when).timestamp() * 1000)),
        "timestampUsec": str(int(item.when.timestamp() * 1_000_000)),
        "published": _seconds(item.when),
        "updated": _seconds(item.when),
        "title": article.title or "Untitled",
        "author": article.byline,
        "canonical": [{"href": url}],
        "alternate": [{"href": url, "type": "text/html"}],
        "summary": {"direction": "ltr", "content": body},
        "categories": categories(item),
        "origin": {
            "streamId": f"feed/{article.source_id}" if article.source_id is not None else READING_LIST,
            "title": article.source_name or article.site_name,
            "htmlUrl": url,
        },
    }


def stream_json(stream: str, items: list[Item], continuation: str | None) -> dict:
    """A stream/contents (or items/contents) answer."""
    body: dict = {
        "id": stream or READING_LIST,
        "updated": _seconds(None),
        "items": [item_json(i) for i in items],
    }
    if continuation:
        body["continuation"] = continuation
    return body


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {name: xml_text(v) for name, v in attrs.items()})
    node.text = xml_text(value)
    return node


def _entry(feed: ET.Element, item: Item) -> None:
    article = item.article
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", item_id(article.arrival or 0))
    _text(entry, "title", article.title or "Untitled")
    url = safe_url(article.url)
    if url:
        ET.SubElement(entry, "link", {"rel": "alternate", "href": url, "type": "text/html"})
    _text(entry, "published", item.when.isoformat())
    _text(entry, "updated", item.when.isoformat())
    author = ET.SubElement(entry, "author")
    _text(author, "name", article.byline or article.source_name or "Unknown")
    body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    _text(entry, "content", body, type="html")
    # Unread said outright too: newsboat then shows what was marked unread elsewhere as unread.
    for category in categories(item) + ([] if item.read else [KEPT_UNREAD]):
        label = category.rsplit("/", 1)[-1]
        _text(entry, "category", "", term=category, scheme=GOOGLE_SCHEME, label=label)


def atom_stream(title: str, stream: str, items: list[Item]) -> bytes:
    """An Atom 1.0 document of one page of a stream."""
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "title", title or stream or "Broadsheet")
    _text(feed, "id", f"tag:google.com,2005:reader/{stream}")
    newest = max((i.when for i in items), default=datetime.now(UTC))
    _text(feed, "updated", newest.isoformat())
    for item in items:
        _entry(feed, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
