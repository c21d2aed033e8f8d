"""Article body and metadata from one HTML page.

trafilatura (favor_precision) does the main work; readability-lxml is a second opinion used
when trafilatura keeps under half of what readability finds, which measured better than
either alone (DESIGN.md).
"""

from __future__ import annotations

import logging
import re

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from readability import Document

from broadsheet.errors import ExtractError
from broadsheet.extract import metadata
from broadsheet.extract.furniture import strip_furniture
from broadsheet.extract.prepare import unwrap_layout_tables
from broadsheet.model import ExtractedArticle

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt", "figcaption"}


def _parse(html: str) -> lxml_html.HtmlElement:
    """Parse HTML into a tree, tolerating XML declarations and junk."""
    try:
        tree = lxml_html.document_fromstring(html.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"extract: page is not parseable HTML ({exc})") from exc
    return tree


def _trafilatura_paragraphs(html: str, url: str | None) -> list[str]:
    """Body paragraphs according to trafilatura in precision mode."""
    text = trafilatura.extract(html, url=url, favor_precision=True, include_comments=False,
                               include_tables=True, deduplicate=False, with_metadata=False)
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _readability_paragraphs(html: str) -> list[str]:
    """Body paragraphs according to readability-lxml."""
    try:
        summary = Document(html).summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd pages
        log.debug("readability failed: %s", exc)
        return []
    tree = lxml_html.fragment_fromstring(summary, create_parent="div")
    paragraphs: list[str] = []
    for node in tree.iter():
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in node.iterdescendants()):
                continue  # the inner blocks will be visited themselves
            text = " ".join(node.text_content().split())
            if text:
                paragraphs.append(text)
    return paragraphs


def _tokens(paragraphs: list[str]) -> int:
    return sum(len(_WORD.findall(p)) for p in paragraphs)


def choose_body(primary: list[str], second: list[str]) -> list[str]:
    """Prefer trafilatura; fall back to readability when trafilatura kept under half as much."""
    if _tokens(primary) < 0.5 * _tokens(second):
        return second
    return primary


def extract_article(html: str, url: str | None = None) -> ExtractedArticle:
    """Extract the clean body and metadata of the article on one page."""
    if not html or not html.strip():
        raise ExtractError("extract: the page is empty")
    tree = _parse(html)
    ld = metadata.article_ld(tree)
    title = metadata.find_title(tree, ld)
    if unwrap_layout_tables(tree):
        html = lxml_html.tostring(tree, encoding="unicode")
    body = choose_body(_trafilatura_paragraphs(html, url), _readability_paragraphs(html))
    return ExtractedArticle(
        title=title,
        byline=metadata.find_byline(tree, ld),
        published=metadata.find_published(tree, ld),
        language=metadata.find_language(tree),
        site_name=metadata.find_site_name(tree, ld),
        image=metadata.find_image(tree, ld, url or ""),
        url=metadata.find_canonical(tree, url or "") or (url or ""),
        paragraphs=strip_furniture(body, title),
    )
