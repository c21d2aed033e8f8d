"""Page clean-up before extraction: undo markup habits that mislead the extractors."""

from __future__ import annotations

import re

from lxml import html as lxml_html

_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "form",
    "article",
    "section",
    "table",
    "blockquote",
    "font",
}
_INLINE = {
    "span",
    "a",
    "b",
    "i",
    "em",
    "strong",
    "small",
    "sup",
    "sub",
    "abbr",
    "img",
    "svg",
    "math",
    "label",
    "input",
    "font",
    "u",
    "s",
    "mark",
    "time",
    "cite",
    "code",
    "q",
}
_TABLE_PARTS = {"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"}
_LONG_CELL = 400  # characters; data cells are short, a column of prose is not
# Quoted posts embedded in an article (the text is in the page; a script would turn it into a widget).
_EMBEDDED_POST = re.compile(
    r"\b(twitter-tweet|instagram-media|tiktok-embed|bluesky-embed|mastodon-embed|"
    r"fb-xfbml-parse-ignore|threads-embed)\b"
)
_EMBED_WRAPPER = re.compile(r"embed|social|tweet|twitter|instagram|widget", re.I)


def is_layout_table(table: lxml_html.HtmlElement) -> bool:
    """True for a table used to lay out a page rather than to hold data.

    Old publishing systems still put whole pages in tables; extractors then keep the table
    as data, furniture included. Data tables hold short cells and no block content."""
    if (table.get("role") or "").lower() in {"presentation", "none"}:
        return True
    rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
    if len(rows) <= 1:
        return True  # a one-row strip is a share bar or a menu, not a data table
    for cell in table.xpath("./tr/td|./tr/th|./tbody/tr/td|./tbody/tr/th"):
        nested = any(isinstance(child.tag, str) and child.tag in _BLOCKS for child in cell.iterdescendants())
        if nested and (cell.xpath(".//p|.//table|.//div|.//h1|.//h2|.//h3") or len(cell.text_content()) > _LONG_CELL):
            return True
        if len(cell.text_content()) > _LONG_CELL:
            return True
    return False


def unwrap_layout_tables(tree: lxml_html.HtmlElement) -> int:
    """Turn layout tables into plain divs, innermost first; returns how many were unwrapped."""
    count = 0
    for table in reversed(tree.xpath("//table")):
        if not is_layout_table(table):
            continue
        for node in [table, *table.iterdescendants()]:
            if (
                isinstance(node.tag, str)
                and node.tag in _TABLE_PARTS
                and (node is table or (node.getparent() is not None and _owned_by(node, table)))
            ):
                node.tag = "div"
                for attr in (
                    "width",
                    "valign",
                    "align",
                    "colspan",
                    "rowspan",
                    "cellpadding",
                    "cellspacing",
                    "border",
                    "bgcolor",
                ):
                    node.attrib.pop(attr, None)
        count += 1
    return count


def _owned_by(node: lxml_html.HtmlElement, table: lxml_html.HtmlElement) -> bool:
    """True when the nearest enclosing table of `node` is `table` (nested tables decide for themselves)."""
    parent = node.getparent()
    while parent is not None and parent is not table:
        if parent.tag == "table":
            return False
        parent = parent.getparent()
    return parent is table


def unmask_embedded_posts(tree: lxml_html.HtmlElement) -> int:
    """Let quoted social posts through as plain quotations; returns how many were found.

    An article that quotes a post carries its text in a <blockquote class="twitter-tweet"> (or
    the like) inside a "social embed" wrapper; extractors drop both as widgets, losing what the
    article quotes. We strip the widget names from the quotation and from wrappers holding
    nothing else, so the quotation reads like any other."""
    count = 0
    for quote in tree.xpath("//blockquote[@class]"):
        if not _EMBEDDED_POST.search(quote.get("class") or ""):
            continue
        text = quote.text_content().strip()
        if not text:
            continue
        quote.attrib.pop("class", None)
        parent = quote.getparent()
        while (
            parent is not None
            and parent.tag in ("div", "figure", "section", "aside", "span")
            and _EMBED_WRAPPER.search(f"{parent.get('class') or ''} {parent.get('id') or ''}")
            and parent.text_content().strip() == text
        ):
            parent.attrib.pop("class", None)
            parent.attrib.pop("id", None)
            if parent.tag == "aside":
                parent.tag = "div"
            parent = parent.getparent()
        count += 1
    return count


def drop_hidden(tree: lxml_html.HtmlElement) -> int:
    """Remove blocks a reader never sees: `hidden`, or styled display:none / visibility:hidden.

    Hidden inline elements stay: they are mostly alternative renderings (MathML behind an image,
    screen-reader words) inside a sentence, and removing them upsets the extractors' handling of
    the text that follows."""
    count = 0
    for node in tree.xpath("//body//*[@hidden or @style]"):
        if node.tag in _INLINE:
            continue
        style = (node.get("style") or "").replace(" ", "").lower()
        hidden = node.get("hidden") is not None or "display:none" in style or "visibility:hidden" in style
        if hidden and node.getparent() is not None:
            node.drop_tree()
            count += 1
    return count


def prepare_tree(tree: lxml_html.HtmlElement) -> None:
    """Every clean-up, in place, before the extractors see the page."""
    drop_hidden(tree)
    unwrap_layout_tables(tree)
    unmask_embedded_posts(tree)
