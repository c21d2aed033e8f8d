"""RSS, Atom, RDF and JSON Feed parsing (feedparser), feed discovery and OPML."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import feedparser
from lxml import html as lxml_html

from broadsheet.errors import FeedError, InputError
from broadsheet.model import FeedEntry, ParsedFeed, Source
from broadsheet.text.dates import parse_date
from broadsheet.text.sanitize import sanitize_html, xml_text
from broadsheet.text.urls import check_url, safe_url

_FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
}


def _entry_time(entry: dict) -> datetime | None:
    """The entry's publication (else update) time as aware UTC."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


def _dicts(value: object) -> list[dict]:
    """The dicts of a list feedparser gives (links, content): hostile markup can make the field a
    string or a dict instead ("<links m<item..." gives a dict of attributes)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _entry_content(entry: dict) -> str:
    """The longest full-content block an entry carries (content:encoded, atom content)."""
    contents = [c.get("value", "") for c in _dicts(entry.get("content")) if c.get("value")]
    return max(contents, key=len) if contents else ""


def one_line(value: object) -> str:
    """A feed's text field as one clean line (whitespace collapsed, XML-illegal characters gone)."""
    return " ".join(xml_text(str(value or "")).split())


def first_link(candidates: list[object], base_url: str) -> str:
    """The first candidate that the URL policy accepts as a link (resolved against the feed's URL)."""
    return next((u for u in (safe_url(c, base_url) for c in candidates if c) if u), "")


def _entry_from(raw: dict, base_url: str) -> FeedEntry | None:
    """A FeedEntry from a feedparser entry, or None when it has no usable link."""
    # feedparser copies a guid into `link`; only http(s) URLs are pages we can fetch or link to.
    link = first_link([raw.get("link"), raw.get("id")], base_url)
    if not link:
        return None
    return FeedEntry(
        url=link,
        title=one_line(raw.get("title")),
        published=_entry_time(raw),
        author=one_line(raw.get("author")),
        summary=sanitize_html(raw.get("summary") or ""),  # feedparser's sanitizer keeps comments
        content_html=sanitize_html(_entry_content(raw)),
        guid=xml_text((raw.get("id") or link).strip()),
    )


def _bozo_reason(parsed: dict) -> str:
    """Why feedparser found the document ill-formed, or "" when it is fine.

    An encoding override (a declared charset that was wrong) is harmless and not reported."""
    if not parsed.get("bozo"):
        return ""
    exc = parsed.get("bozo_exception")
    if isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)):
        return ""
    return str(getattr(exc, "getMessage", lambda: exc)())


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def parse_feed(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document; raise FeedError when it is not a usable feed."""
    if not data.strip():
        raise FeedError("feed: the document is empty")
    if data.lstrip()[:1] == b"{":
        return parse_json_feed(data, url)  # feedparser 6 does not read JSON Feed
    headers = {"content-type": content_type, "content-location": url} if content_type else {"content-location": url}
    try:
        parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    except Exception as exc:  # feedparser's loose parser has bugs hostile input reaches (KeyError...)
        raise FeedError(f"feed: the document could not be parsed ({type(exc).__name__}: {exc})") from exc
    reason = _bozo_reason(parsed)
    if not parsed.entries and (not parsed.version or reason):
        if _looks_like_html(data):
            raise FeedError("feed: got an HTML page, not a feed")
        raise FeedError(f"feed: not a valid RSS, Atom or JSON feed ({reason or 'unknown format'})")
    entries: list[FeedEntry] = []
    # A malformed feed that still yields entries is used, with the problem noted on the source.
    skipped: list[str] = [f"feed is malformed ({reason}); read what could be read"] if reason else []
    for index, raw in enumerate(parsed.entries):
        entry = _entry_from(raw, url)
        if entry is None:
            skipped.append(f"entry {index + 1} ({raw.get('title', 'untitled')!s:.60}) has no link")
        else:
            entries.append(entry)
    if reason and not entries:
        raise FeedError(f"feed: not a valid RSS, Atom or JSON feed ({reason}); no usable entries")
    hub = first_link([link.get("href") for link in _dicts(parsed.feed.get("links")) if link.get("rel") == "hub"], url)
    return ParsedFeed(
        title=one_line(parsed.feed.get("title")),
        site_url=safe_url(parsed.feed.get("link"), url),
        entries=entries,
        skipped=skipped,
        format=parsed.version or "unknown",
        hub=hub,
    )


def _json_author(item: dict) -> str:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    return ", ".join(a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name"))


def parse_json_feed(data: bytes, url: str = "") -> ParsedFeed:
    """Parse a JSON Feed (versions 1.0 and 1.1)."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"feed: not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        raise FeedError("feed: JSON document is not a JSON Feed (no jsonfeed.org version)")
    items: list = document["items"] if isinstance(document.get("items"), list) else []
    entries, skipped = [], []
    for index, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        link = first_link([item.get("url"), item.get("external_url"), item.get("id")], url)
        if not link:
            skipped.append(f"entry {index + 1} ({item.get('title', 'untitled')!s:.60}) has no link")
            continue
        entries.append(
            FeedEntry(
                url=link,
                title=one_line(item.get("title")),
                published=parse_date(str(item.get("date_published") or item.get("date_modified") or "")),
                author=one_line(_json_author(item)),
                summary=sanitize_html(str(item.get("summary") or "")),
                content_html=sanitize_html(str(item.get("content_html") or "")),
                guid=xml_text(str(item.get("id") or link)),
            )
        )
    return ParsedFeed(
        title=one_line(document.get("title")),
        site_url=safe_url(document.get("home_page_url"), url),
        entries=entries,
        skipped=skipped,
        format="json" + str(document.get("version", "")).rsplit("/", 1)[-1],
    )


def parse_source_document(data: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse whatever a source URL serves: a sitemap or a feed."""
    from broadsheet.ingest.sitemaps import is_sitemap, parse_sitemap

    if is_sitemap(data):
        return parse_sitemap(data, url)
    return parse_feed(data, url, content_type)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs a page advertises with <link rel="alternate">, in page order."""
    try:
        tree = lxml_html.document_fromstring(html)
    except (ValueError, Exception):  # lxml raises ParserError on empty documents
        return []
    found: list[str] = []
    for link in tree.xpath("//link[@href]"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in _FEED_TYPES:
            href = safe_url(link.get("href"), base_url)
            if href and href not in found:
                found.append(href)
    return found


COMMON_FEED_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/all.atom.xml",
    "/news-sitemap.xml",
    "/sitemap_news.xml",
)


def looks_like_feed(data: bytes) -> bool:
    """Quick check on a document's start: XML feed, JSON Feed or sitemap, not an HTML page."""
    head = data[:2048].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return True
    if head.startswith(b"{"):
        try:
            return "jsonfeed.org" in str(json.loads(data).get("version", ""))
        except (ValueError, AttributeError):
            return False
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")) or (
        head.startswith(b"<?xml") and not _looks_like_html(data)
    )


@dataclass
class OpmlList:
    """The feeds an OPML file lists, and every outline skipped, with its reason."""

    sources: list[Source] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def read_opml(data: bytes) -> OpmlList:
    """Sources listed in an OPML file (every outline with an xmlUrl, at any depth), each in the folder
    of the outline that holds it; an outline whose feed URL the URL policy refuses, or that names no
    feed (a link, a note), is reported and skipped; a bad htmlUrl is dropped."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an encoding Python does not know
        raise FeedError(f"opml: not valid XML ({exc})") from exc
    if root.tag.lower() != "opml":
        raise FeedError(f"opml: root element is <{root.tag}>, not <opml>")
    found = OpmlList()
    body = root.find("body")
    _read_outlines(body if body is not None else root, "", found, [0])
    return found


def _read_outlines(parent: ET.Element, folder: str, found: OpmlList, number: list[int]) -> None:
    """The outlines under `parent`, depth first; `number` counts outlines as a reader numbers them."""
    for outline in parent.findall("outline"):
        number[0] += 1
        name = one_line(outline.get("title") or outline.get("text"))
        raw = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if raw:
            _read_feed(outline, raw, name, folder, found, number[0])
        elif len(outline.findall("outline")):
            _read_outlines(outline, name or folder, found, number)  # a folder (nested ones keep the innermost name)
        else:
            kind = f"a {outline.get('type')} outline" if outline.get("type") else "an outline"
            found.skipped.append(f"opml: outline {number[0]} ({name or 'untitled'}): {kind} without a feed URL")


def _read_feed(outline: ET.Element, raw: str, name: str, folder: str, found: OpmlList, number: int) -> None:
    try:
        url = check_url(raw)
    except InputError as exc:
        found.skipped.append(f"opml: outline {number}: {exc}")
        return
    found.sources.append(
        Source(
            id=None,
            feed_url=url,
            title=name,
            folder=folder,
            site_url=safe_url(outline.get("htmlUrl") or outline.get("htmlurl")),
        )
    )
    if len(outline.findall("outline")):
        _read_outlines(outline, name or folder, found, [number])


def parse_opml(data: bytes) -> list[Source]:
    """The sources of an OPML file that the URL policy accepts (see read_opml for the skipped ones)."""
    return read_opml(data).sources


def export_opml(sources: list[Source], title: str = "Broadsheet sources") -> str:
    """An OPML 2.0 document listing the sources, each folder an outline holding its feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        parent = body
        if source.folder:
            if source.folder not in folders:
                folders[source.folder] = ET.SubElement(body, "outline", {"text": source.folder, "title": source.folder})
            parent = folders[source.folder]
        attrs = {
            "type": "rss",
            "text": source.title or source.feed_url,
            "title": source.title or source.feed_url,
            "xmlUrl": source.feed_url,
        }
        if source.site_url:
            attrs["htmlUrl"] = source.site_url
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
