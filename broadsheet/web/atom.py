"""Atom feeds out: the front page, each source, any search (and, as they exist, sections and stories)."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from fastapi import Request
from fastapi.responses import Response

from broadsheet import __version__
from broadsheet.model import Article

ATOM = "http://www.w3.org/2005/Atom"


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    node.text = value
    return node


def atom_feed(title: str, self_url: str, site_url: str, articles: list[Article], base_url: str) -> bytes:
    """An Atom 1.0 document: one entry per article, linking to its page here and to the original."""
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "title", title)
    _text(feed, "id", self_url)
    ET.SubElement(feed, "link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": site_url, "type": "text/html"})
    times = [a.published_at or a.fetched_at for a in articles if a.published_at or a.fetched_at]
    updated = max(times) if times else datetime.now(timezone.utc)
    _text(feed, "updated", updated.isoformat())
    _text(feed, "generator", "Broadsheet", version=__version__)
    for article in articles:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", article.title or "Untitled")
        _text(entry, "id", f"{base_url}/articles/{article.id}")
        ET.SubElement(entry, "link", {"rel": "alternate", "href": f"{base_url}/articles/{article.id}", "type": "text/html"})
        ET.SubElement(entry, "link", {"rel": "via", "href": article.url})
        when = article.published_at or article.fetched_at or updated
        _text(entry, "updated", when.isoformat())
        if article.published_at:
            _text(entry, "published", article.published_at.isoformat())
        author = ET.SubElement(entry, "author")
        _text(author, "name", article.byline or article.source_name or "Unknown")
        paragraphs = article.paragraphs
        _text(entry, "summary", paragraphs[0][:500] if paragraphs else "")
        if article.source_name:
            source = ET.SubElement(entry, "source")
            _text(source, "title", article.source_name)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def atom_response(request: Request, title: str, articles: list[Article], site_path: str) -> Response:
    """The Atom feed of a page of the site, served with its own URL as id and self link."""
    base = str(request.base_url).rstrip("/")
    return Response(atom_feed(title, str(request.url), base + site_path, articles, base),
                    media_type="application/atom+xml; charset=utf-8")
