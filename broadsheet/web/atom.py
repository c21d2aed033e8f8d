"""Atom feeds out: the front page, each source, any search, sections and stories, with the full text."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from broadsheet import __version__
from broadsheet.model import Article
from broadsheet.text.sanitize import paragraphs_html, xml_text
from broadsheet.text.urls import safe_url

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"


def _text(parent: ET.Element, tag: str, value: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {name: xml_text(v) for name, v in attrs.items()})
    node.text = xml_text(value)  # a NUL stored by an older version must not make the whole feed unreadable
    return node


def newest_time(articles: list[Article]) -> datetime | None:
    """When the newest of these articles was published or collected (a feed's `updated`)."""
    times = [t for a in articles for t in (a.published_at, a.fetched_at) if t]
    return max(times) if times else None


def _entry(feed: ET.Element, article: Article, base_url: str, updated: datetime) -> None:
    entry = ET.SubElement(feed, "entry")
    _text(entry, "title", article.title or "Untitled")
    _text(entry, "id", f"{base_url}/articles/{article.id}")
    ET.SubElement(entry, "link", {"rel": "alternate", "href": f"{base_url}/articles/{article.id}", "type": "text/html"})
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
    _text(entry, "content", paragraphs_html(paragraphs), type="html")  # the cleaned full text, sanitised
    if article.source_name:
        source = ET.SubElement(entry, "source")
        _text(source, "title", article.source_name)


def atom_feed(title: str, self_url: str, site_url: str, articles: list[Article], base_url: str) -> bytes:
    """An Atom 1.0 document: one entry per article, linking to its page here and to the original."""
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "title", title)
    _text(feed, "id", self_url)
    ET.SubElement(feed, "link", {"rel": "self", "href": self_url, "type": ATOM_TYPE})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": site_url, "type": "text/html"})
    updated = newest_time(articles) or datetime.now(UTC)
    _text(feed, "updated", updated.isoformat())
    _text(feed, "generator", "Broadsheet", version=__version__)
    for article in articles:
        _entry(feed, article, base_url, updated)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
