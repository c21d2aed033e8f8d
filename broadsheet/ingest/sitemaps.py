"""Sitemaps and news sitemaps as sources: <urlset> pages become entries, <sitemapindex>
points at child sitemaps. News sitemaps carry titles and publication dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from lxml import etree

from broadsheet.errors import FeedError
from broadsheet.model import FeedEntry, ParsedFeed
from broadsheet.text.dates import parse_date

RECENT = timedelta(days=7)  # older sitemap entries are history, not news: they are skipped (and counted)
MAX_CHILDREN = 5  # child sitemaps of an index polled per pass, newest first
_ROOT = re.compile(rb"<(?:[\w-]+:)?(urlset|sitemapindex)[\s>]", re.I)


def is_sitemap(data: bytes) -> bool:
    """True when the document's root element is a sitemap <urlset> or <sitemapindex>."""
    return bool(_ROOT.search(data[:4096]))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(node: etree._Element, *path: str) -> str:
    """Text of the first descendant following local names `path` (namespaces ignored)."""
    current = [node]
    for name in path:
        current = [c for n in current for c in n if _local(c.tag) == name]
        if not current:
            return ""
    return (current[0].text or "").strip()


def _parse_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"sitemap: not valid XML ({exc})") from exc
    if root is None:
        raise FeedError("sitemap: empty or unreadable document")
    return root


def parse_sitemap(data: bytes, url: str = "", now: datetime | None = None) -> ParsedFeed:
    """Entries of a (news) sitemap, recent ones only; an index lists its child sitemaps instead."""
    now = now or datetime.now(UTC)
    root = _parse_xml(data)
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = [
            (parse_date(_child_text(s, "lastmod")), urljoin(url, _child_text(s, "loc")))
            for s in root
            if _local(s.tag) == "sitemap" and _child_text(s, "loc")
        ]
        children.sort(key=lambda c: c[0] or datetime.min.replace(tzinfo=UTC), reverse=True)
        return ParsedFeed(
            title="", site_url="", entries=[], format="sitemapindex", sitemaps=[u for _, u in children[:MAX_CHILDREN]]
        )
    if kind != "urlset":
        raise FeedError(f"sitemap: root element is <{kind}>, not <urlset> or <sitemapindex>")
    entries, old = [], 0
    for node in (n for n in root if _local(n.tag) == "url"):
        loc = urljoin(url, _child_text(node, "loc"))
        if not loc.startswith(("http://", "https://")):
            continue
        published = parse_date(_child_text(node, "news", "publication_date")) or parse_date(
            _child_text(node, "lastmod")
        )
        if published is not None and now - published > RECENT:
            old += 1
            continue
        entries.append(FeedEntry(url=loc, title=_child_text(node, "news", "title"), published=published, guid=loc))
    skipped = [f"{old} entries older than {RECENT.days} days skipped"] if old else []
    return ParsedFeed(title="", site_url="", entries=entries, skipped=skipped, format="sitemap")
