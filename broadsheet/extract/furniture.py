"""Line-level removal of page furniture that survives the extractors.

Rules are generic, never keyed to a site: short lines that are obviously navigation,
promotion, credits or widgets (tag lists, "Read more:", share bars, comment counters,
author boxes, newsletter pitches, browser notices), and promo lists at the tail.
"""

from __future__ import annotations

import re

_SHORT = 260  # characters: furniture lines are short; real paragraphs that start alike are long

_ANYWHERE = re.compile(r"""^(
    (tags?|topics?|filed\ under|related\ (topics|tags)|categories)\s*[:\-–] |
    (read\ more|also\ read|read\ also|see\ also|more\ on\ this(\ story)?|related(\ stories|\ articles)?|recommended|watch|listen)\s*[:\-–|] |
    about\ the\ authors?\b |
    comments?\s*\(\d+\) | \d+\s+comments?$ | (join|start)\ the\ (conversation|discussion) |
    (share|tweet)\ (on|this|via)\b | copy\ link$ | e-?mail\ (this\ )?to\ a\ friend |
    (photo|image|picture|illustration|credit|photograph)\s*:\s | (getty|reuters|ap|afp)\ images?$ |
    (published|updated|posted|last\ (updated|modified)|first\ published)\s*:?\s*(on\s+)?\d |
    (sign\ up|subscribe)\ (for|to|now)\b | your\ (web\ )?browser\ is\ (no\ longer|not)\ supported |
    (this\ (site|website)\ uses|we\ use)\ cookies | advertisement$ | skip\ to\ (main\ )?content$ |
    (follow\ us|like\ us)\ on\b | all\ rights\ reserved | ©
)""", re.I | re.X)
_TAIL_HEADER = re.compile(r"^(more\ from\b|most\ (read|popular|viewed)\b|you\ (may|might)\ also\ like|"
                          r"related(\ articles|\ stories|\ coverage)?$|more\ (stories|news)$|latest\ news$|"
                          r"recommended(\ for\ you)?$|top\ stories$)", re.I | re.X)
_BYLINE = re.compile(r"^[Bb][Yy]\s+[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,4}(\s*(,|and|&)\s*[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,3})*"
                     r"(\s*[,|·—-]\s*.{0,60})?$")
_BREADCRUMB = re.compile(r"^\S.{0,60}\s(>|›|»|/)\s\S.{0,60}$")


def is_furniture_line(line: str) -> bool:
    """True for a short line that is certainly not article prose."""
    text = line.strip()
    return len(text) <= _SHORT and bool(_ANYWHERE.match(text))


def _is_heading_like(line: str) -> bool:
    """A headline in a promo list: short and not ending like a sentence."""
    text = line.strip()
    return len(text) < 140 and not text.endswith((".", "!", "?", '"', "”", ":"))


def _cut_tail_promos(lines: list[str]) -> list[str]:
    """Drop a trailing "More from X / Most read" block: its header and the headlines after it."""
    for index in range(len(lines) - 1, max(-1, len(lines) - 15), -1):
        if _TAIL_HEADER.match(lines[index].strip()) and all(_is_heading_like(l) for l in lines[index + 1:]):
            return lines[:index]
    return lines


def _trim_head(lines: list[str], title: str) -> list[str]:
    """Drop breadcrumb, repeated headline and byline lines above the first paragraph."""
    norm_title = " ".join(title.split()).lower()
    while lines:
        first = lines[0].strip()
        if (" ".join(first.split()).lower() == norm_title or _BYLINE.match(first)
                or (_BREADCRUMB.match(first) and _is_heading_like(first))):
            lines = lines[1:]
        else:
            break
    return lines


def strip_furniture(paragraphs: list[str], title: str = "") -> list[str]:
    """Article paragraphs without the furniture lines around and inside them."""
    lines = _trim_head(list(paragraphs), title)
    lines = [line for line in lines if not is_furniture_line(line)]
    lines = _cut_tail_promos(lines)
    return _trim_head(lines, title)
