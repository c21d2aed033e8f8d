"""Atom feeds out: the front page, each source, any search (and, as they exist, sections and stories)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from fastapi import Request
from fastapi.responses import Response

from broadsheet import __version__
from broadsheet.model import Article
from broadsheet.text.sanitize import xml_text
from broadsheet.text.urls import safe_url
from broadsheet.web.security import site_base

ATOM = "http://www.w3.org/2005/Atom"


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {name: xml_text(v) for name, v in attrs.items()})
    node.text = xml_text(value)  # a NUL stored by an older version must not make the whole feed unreadable
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
    updated = max(times) if times else datetime.now(UTC)
    _text(feed, "updated", updated.isoformat())
    _text(feed, "generator", "Broadsheet", version=__version__)
    for article in articles:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", article.title or "Untitled")
        _text(entry, "id", f"{base_url}/articles/{article.id}")
        ET.SubElement(
            entry, "link", {"rel": "alternate", "href": f"{base_url}/articles/{article.id}", "type": "text/html"}
        )
        if safe_url(article.url):  # a row stored before the URL policy may hold anything
            ET.SubElement(entry, "link", {"rel": "via", "href": safe_url(article.url)})
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
    """The Atom feed of a page of the site, served with its own URL as id and self link. Links are built
    from the configured public URL (or a trusted host), never from the Host header a client sent: the
    page cache would otherwise serve one client's forged host to every reader."""
    base = site_base(request.app.state.config, request.scope)
    query = request.scope.get("query_string", b"").decode("latin-1")
    self_url = xml_text(base + request.url.path + (f"?{query}" if query else ""))
    return Response(
        atom_feed(title, self_url, base + site_path, articles, base), media_type="application/atom+xml; charset=utf-8"
    )
