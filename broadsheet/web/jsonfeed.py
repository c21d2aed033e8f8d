"""JSON Feed 1.1 out (https://jsonfeed.org/version/1.1): the same feeds as web/atom.py, as JSON."""

from __future__ import annotations

import json

from broadsheet.model import Article
from broadsheet.text.sanitize import paragraphs_html, xml_text
from broadsheet.text.urls import safe_url

VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_TYPE = "application/feed+json"


def _item(article: Article, base_url: str) -> dict:
    paragraphs = article.paragraphs
    item: dict = {
        "id": f"{base_url}/articles/{article.id}",
        "url": f"{base_url}/articles/{article.id}",
        "title": xml_text(article.title or "Untitled"),
        "content_html": paragraphs_html(paragraphs),  # the cleaned full text, sanitised as on the page
        "summary": xml_text(paragraphs[0][:500]) if paragraphs else "",
        "authors": [{"name": xml_text(article.byline or article.source_name or "Unknown")}],
    }
    if safe_url(article.url):  # a row stored before the URL policy may hold anything
        item["external_url"] = safe_url(article.url)
    if article.published_at:
        item["date_published"] = article.published_at.isoformat()
    if article.fetched_at:
        item["date_modified"] = article.fetched_at.isoformat()
    if article.language:
        item["language"] = article.language
    return item


def json_feed(title: str, self_url: str, site_url: str, articles: list[Article], base_url: str) -> bytes:
    """A JSON Feed 1.1 document: one item per article, linking to its page here and to the original."""
    document = {
        "version": VERSION,
        "title": xml_text(title),
        "home_page_url": site_url,
        "feed_url": self_url,
        "items": [_item(a, base_url) for a in articles],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
