"""Article body and metadata from one HTML page.

trafilatura (favor_precision) does the main work; readability-lxml is a second opinion used
when trafilatura keeps under half of what readability finds, which measured better than
either alone (DESIGN.md). The page is parsed once: metadata is read from the pristine tree,
trafilatura works on its own copy, and readability runs only when it could change the answer.
"""

from __future__ import annotations

import logging
import re
from copy import deepcopy

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from readability import Document

from broadsheet.errors import ExtractError
from broadsheet.extract import metadata
from broadsheet.extract.furniture import strip_furniture
from broadsheet.extract.prepare import prepare_tree
from broadsheet.model import ExtractedArticle
from broadsheet.text.sanitize import xml_text
from broadsheet.text.urls import safe_url

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt", "figcaption"}
# Comments go at parse time: React pages put "<!-- -->" inside sentences, and text after one
# would otherwise hang off the comment, where extractors do not look.
_PARSER = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
_UNSEEN = ("script", "style", "noscript", "template", "link", "meta")
# trafilatura's XML body: containers whose children are paragraphs of their own
_CONTAINERS = {"list", "quote", "table", "div", "figure", "note"}
_LINE_ELEMENTS = {"p", "head", "quote", "list", "item", "table", "row", "code"}


def _parse(html: str) -> lxml_html.HtmlElement:
    """Parse HTML into a tree, tolerating XML declarations and junk."""
    try:
        tree = lxml_html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"extract: page is not parseable HTML ({exc})") from exc
    return tree


def _element_lines(element: etree._Element) -> list[str]:
    """Text of one trafilatura XML element, split where it had line breaks (<lb/>)."""
    pieces: list[str] = []

    def walk(node: etree._Element) -> None:
        nested_block = node is not element and node.tag in _LINE_ELEMENTS
        if node.tag == "lb" or nested_block:
            pieces.append("\n")
        if node.tag != "lb" and node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if node.tag == "cell":
            pieces.append(" ")
        elif nested_block:
            pieces.append("\n")

    walk(element)
    return [" ".join(line.split()) for line in "".join(pieces).split("\n") if line.strip()]


def _body_paragraphs(body: etree._Element | None) -> list[str]:
    """Paragraphs of trafilatura's XML body: one per block, list item and table row."""
    if body is None:
        return []
    paragraphs = [" ".join(body.text.split())] if (body.text or "").strip() else []
    for element in body:
        if element.tag in _CONTAINERS and len(element) and not (element.text or "").strip():
            rows = element.iter("row") if element.tag == "table" else element
            for child in rows:
                paragraphs.extend(_element_lines(child) if child.tag != "list" else _body_paragraphs(child))
                if (child.tail or "").strip():
                    paragraphs.append(" ".join(child.tail.split()))
        elif element.tag != "graphic":
            paragraphs.extend(_element_lines(element))
        if (element.tail or "").strip():
            paragraphs.append(" ".join(element.tail.split()))
    return paragraphs


def _trafilatura_paragraphs(tree: lxml_html.HtmlElement, url: str | None) -> list[str]:
    """Body paragraphs according to trafilatura in precision mode (it works on its own copy of the tree)."""
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=False,
        )
    except ValueError:  # trafilatura signals an unusable page this way
        return []
    # with as_dict False (the default) trafilatura returns its Document, never a dict
    return _body_paragraphs(getattr(document, "body", None)) if document is not None else []


class _TextDocument(Document):
    """readability-lxml for text only: a cheap clean-up instead of its link-rewriting sanitizer."""

    def _parse(self, input: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
        # a fresh copy each time: summary() parses again for its second, less ruthless pass
        tree = deepcopy(input)
        for node in tree.xpath("//*[@hidden]"):
            node.drop_tree()
        for node in tree.xpath("//*[@style]"):
            style = node.get("style").replace(" ", "").lower()
            if "display:none" in style:
                node.drop_tree()
            else:
                del node.attrib["style"]
        etree.strip_elements(tree, *_UNSEEN, etree.Comment, etree.ProcessingInstruction, with_tail=False)
        return tree


def _readability_paragraphs(tree: lxml_html.HtmlElement) -> list[str]:
    """Body paragraphs according to readability-lxml."""
    try:
        summary = _TextDocument(tree).summary(html_partial=True)
        # A summary with no body at all ("<meta></html>E" gives one) makes lxml fail an assertion.
        found = lxml_html.fragment_fromstring(summary, create_parent="div")
    except Exception as exc:  # readability raises bare Exceptions on odd pages
        log.debug("readability failed: %s", exc)
        return []
    paragraphs: list[str] = []
    for node in found.iter(*_BLOCK_TAGS):
        if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in node.iterdescendants()):
            continue  # the inner blocks will be visited themselves
        text = " ".join(node.text_content().split())
        if text:
            paragraphs.append(text)
    return paragraphs


def _tokens(paragraphs: list[str]) -> int:
    return sum(len(_WORD.findall(p)) for p in paragraphs)


_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def _visible_tokens(tree: lxml_html.HtmlElement) -> int:
    """An upper bound on the words any extractor can return from the page body."""
    return len(_WORD.findall(" ".join(_VISIBLE_TEXT(tree))))


def choose_body(primary: list[str], second: list[str]) -> list[str]:
    """Prefer trafilatura; fall back to readability when trafilatura kept under half as much."""
    if _tokens(primary) < 0.5 * _tokens(second):
        return second
    return primary


def extract_article(html: str, url: str | None = None) -> ExtractedArticle:
    """Extract the clean body and metadata of the article on one page."""
    if not html or not html.strip():
        raise ExtractError("extract: the page is empty")
    html = xml_text(html)  # lxml refuses NUL and other control characters anywhere in a string
    url = url or None
    base = safe_url(url) or None  # a base that cannot be parsed (http://[::1/x) resolves nothing
    tree = _parse(html)
    ld = metadata.article_ld(tree)
    meta = metadata.read_meta(tree)
    title = metadata.find_title(tree, ld, meta)
    found = ExtractedArticle(
        title=title,
        byline=metadata.find_byline(tree, ld, meta),
        published=metadata.find_published(tree, ld, meta),
        language=metadata.find_language(tree, meta),
        site_name=metadata.find_site_name(tree, ld, meta),
        image=metadata.find_image(tree, ld, base or "", meta),
        url=metadata.find_canonical(tree, base or "", meta) or (url or ""),
    )
    found.image_alt = metadata.find_image_alt(tree, found.image, base or "", meta)
    headlines = metadata.headline_variants(tree, title, meta)
    prepare_tree(tree)
    body = _trafilatura_paragraphs(tree, base)
    if _tokens(body) < 0.5 * _visible_tokens(tree):  # otherwise readability cannot reach twice as much
        body = choose_body(body, _readability_paragraphs(tree))
    found.paragraphs = strip_furniture(body, headlines)
    return found
