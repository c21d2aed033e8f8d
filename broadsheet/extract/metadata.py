"""Article metadata (title, byline, date, language, site, image) from a parsed page.

Publishers state metadata in several places; we read the most explicit first
(JSON-LD and Open Graph), then the page's visible markup.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urljoin

from lxml import html as lxml_html

from broadsheet.extract.dates import parse_date

_NEWS_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
               "opinionnewsarticle", "webpage", "reviewnewsarticle", "backgroundnewsarticle", "report"}
_BY_PREFIX = re.compile(r"^\s*(by|written by|von|par|por)\s+", re.I)


def _meta(tree: lxml_html.HtmlElement, *names: str) -> str:
    """First non-empty <meta> content among property/name/itemprop values, in the order given."""
    for name in names:
        for attr in ("property", "name", "itemprop"):
            for node in tree.xpath(f"//meta[translate(@{attr},'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')=$n]", n=name):
                content = (node.get("content") or "").strip()
                if content:
                    return content
    return ""


def _json_ld_items(tree: lxml_html.HtmlElement) -> list[dict]:
    """Every JSON-LD object on the page, flattened out of lists and @graph."""
    items: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "")
        except ValueError:
            continue  # broken JSON-LD is common; the other sources still apply
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                items.append(node)
                if "@graph" in node:
                    stack.append(node["@graph"])
    return items


def _article_ld(tree: lxml_html.HtmlElement) -> dict:
    """The JSON-LD object describing the article, or {}."""
    for item in _json_ld_items(tree):
        kinds = item.get("@type", "")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if any(str(k).lower() in _NEWS_TYPES for k in kinds) and ("headline" in item or "datePublished" in item):
            return item
    return {}


def _names(value: object) -> list[str]:
    """Names out of a JSON-LD author/publisher value (string, object or list)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name", ""))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def clean_byline(text: str) -> str:
    """Strip "By" prefixes and whitespace from a byline; drop URLs."""
    text = " ".join(text.split())
    if text.startswith(("http://", "https://")):
        return ""
    return _BY_PREFIX.sub("", text).strip(" ,|-")


def find_title(tree: lxml_html.HtmlElement, ld: dict) -> str:
    """Headline: og:title, JSON-LD headline, the single <h1>, then <title>."""
    candidates = [_meta(tree, "og:title", "twitter:title"), str(ld.get("headline") or "")]
    h1s = [" ".join(h.text_content().split()) for h in tree.xpath("//h1")]
    if len(h1s) == 1:
        candidates.append(h1s[0])
    titles = tree.xpath("//title")
    if titles:
        candidates.append(" ".join(titles[0].text_content().split()))
    for title in candidates:
        if title.strip():
            return " ".join(title.split())
    return ""


def find_byline(tree: lxml_html.HtmlElement, ld: dict) -> str:
    """Author names from JSON-LD, meta tags, rel=author or a byline element."""
    names = _names(ld.get("author"))
    if names:
        return ", ".join(dict.fromkeys(clean_byline(n) for n in names if clean_byline(n)))
    meta = clean_byline(_meta(tree, "author", "article:author", "parsely-author", "dc.creator", "sailthru.author"))
    if meta:
        return meta
    for xpath in ("//*[@rel='author']", "//*[contains(@class,'byline')]", "//*[@itemprop='author']"):
        for node in tree.xpath(xpath):
            text = clean_byline(node.text_content())
            if text and len(text) < 100:
                return text
    return ""


def find_published(tree: lxml_html.HtmlElement, ld: dict) -> datetime | None:
    """Publication time from explicit metadata, then the first <time datetime>."""
    for value in (_meta(tree, "article:published_time", "og:article:published_time", "datepublished",
                        "pubdate", "publishdate", "dc.date.issued", "dc.date", "date", "sailthru.date"),
                  str(ld.get("datePublished") or "")):
        parsed = parse_date(value)
        if parsed:
            return parsed
    for node in tree.xpath("//time[@datetime]"):
        parsed = parse_date(node.get("datetime"))
        if parsed:
            return parsed
    return None


def find_language(tree: lxml_html.HtmlElement) -> str:
    """Page language as a short code ("en", "de")."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    lang = lang or _meta(tree, "og:locale", "content-language", "language", "dc.language")
    for node in tree.xpath("//meta[@http-equiv]"):
        if not lang and node.get("http-equiv", "").lower() == "content-language":
            lang = node.get("content", "")
    return lang.replace("_", "-").split("-")[0].strip().lower()[:8]


def find_site_name(tree: lxml_html.HtmlElement, ld: dict) -> str:
    """Publisher name."""
    names = _names(ld.get("publisher"))
    return _meta(tree, "og:site_name", "application-name", "publisher") or (names[0] if names else "")


def find_image(tree: lxml_html.HtmlElement, ld: dict, url: str) -> str:
    """Lead image URL, absolute."""
    image = _meta(tree, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    if not image:
        ld_image = ld.get("image")
        if isinstance(ld_image, list) and ld_image:
            ld_image = ld_image[0]
        if isinstance(ld_image, dict):
            ld_image = ld_image.get("url", "")
        image = ld_image if isinstance(ld_image, str) else ""
    return urljoin(url, image.strip()) if image and url else image.strip()


def find_canonical(tree: lxml_html.HtmlElement, url: str) -> str:
    """The page's own canonical URL when it states one."""
    for node in tree.xpath("//link[@rel='canonical'][@href]"):
        return urljoin(url, node.get("href").strip()) if url else node.get("href").strip()
    return _meta(tree, "og:url")


def article_ld(tree: lxml_html.HtmlElement) -> dict:
    """Public access to the page's article JSON-LD object."""
    return _article_ld(tree)
