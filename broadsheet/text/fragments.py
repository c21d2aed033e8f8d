"""Links to one sentence of an article: a URL text fragment (#:~:text=start,end) that makes the
browser scroll to the sentence and mark it. The AI panel cites every sentence this way; a story's
digest stores each cited sentence's link when it is made, so a page view builds none."""

from __future__ import annotations

import functools
from urllib.parse import quote


def fragment_text(text: str) -> str:
    """Text percent-encoded for a text directive: "&", "," and "-" too, which the directive's own
    syntax uses (an unescaped hyphen reads as a prefix or suffix marker and the link finds nothing)."""
    return quote(text, safe="").replace("-", "%2D")


@functools.lru_cache(maxsize=16384)
def text_fragment(sentence: str) -> str:
    """The fragment of one sentence: its whole text when short, else its first five and last four
    words. Kept per sentence: an article's key points link the same sentences on every view."""
    words = sentence.split()
    enc = lambda part: fragment_text(" ".join(part))  # noqa: E731 (a tiny local helper)
    if len(words) <= 10:
        return f"#:~:text={enc(words)}"
    return f"#:~:text={enc(words[:5])},{enc(words[-4:])}"


def sentence_href(article_id: str, sentence: str) -> str:
    """The link to one sentence in its article page."""
    return f"/articles/{quote(article_id)}{text_fragment(sentence)}"


def linked(items: list[dict]) -> list[dict]:
    """Cited sentences ({"article_id", "text", ...}) each with its link ("href"); those that carry
    one already (a digest made since links were stored) are passed as they are."""
    return [
        item if "href" in item else {**item, "href": sentence_href(item["article_id"], item["text"])} for item in items
    ]
