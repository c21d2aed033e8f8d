"""Page clean-up before extraction: undo markup habits that mislead the extractors."""

from __future__ import annotations

from lxml import html as lxml_html

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "form", "article", "section", "table",
           "blockquote", "font"}
_TABLE_PARTS = {"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"}
_LONG_CELL = 400  # characters; data cells are short, a column of prose is not


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
        if any(isinstance(child.tag, str) and child.tag in _BLOCKS for child in cell.iterdescendants()):
            if cell.xpath(".//p|.//table|.//div|.//h1|.//h2|.//h3") or len(cell.text_content()) > _LONG_CELL:
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
            if isinstance(node.tag, str) and node.tag in _TABLE_PARTS and (
                    node is table or node.getparent() is not None and _owned_by(node, table)):
                node.tag = "div"
                for attr in ("width", "valign", "align", "colspan", "rowspan", "cellpadding", "cellspacing", "border",
                             "bgcolor"):
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
