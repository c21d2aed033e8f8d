"""Safe HTML for display: only harmless tags and attributes survive (nh3, Rust's ammonia)."""

from __future__ import annotations

import html
import re

import nh3

_TAGS = {
    "a",
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "figure",
    "figcaption",
    "img",
    "pre",
    "code",
    "sub",
    "sup",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF): one
# NUL in a title makes every Atom feed carrying it unreadable, and PostgreSQL refuses NUL in text.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry."""
    return _XML_ILLEGAL.sub("", text) if text else text


def sanitize_html(html: str) -> str:
    """HTML with scripts, styles, event handlers and unsafe URLs removed; links get rel="nofollow ugc noopener"."""
    return nh3.clean(
        xml_text(html or ""),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (for summaries and excerpts)."""
    return " ".join(nh3.clean(xml_text(html or ""), tags=set()).split())


def paragraphs_html(paragraphs: list[str]) -> str:
    """A clean body's paragraphs as safe HTML, one <p> each (what feeds carry as the full text)."""
    return sanitize_html("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
