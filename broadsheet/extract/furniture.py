"""Line-level removal of page furniture that survives the extractors.

Rules are generic, never keyed to a site: short lines that are obviously navigation,
promotion, credits or widgets (tag lists, "Read more:", share bars, comment counters,
author boxes, newsletter pitches, browser notices), and promo lists at the tail.
"""

from __future__ import annotations

import re

_SHORT = 260  # characters: furniture lines are short; real paragraphs that start alike are long

_ANYWHERE = re.compile(
    r"""^(
    (tags?|topics?|filed\ under|related\ (topics|tags)|categories)\s*[:\-–] |
    (read\ more|also\ read|read\ also|see\ also|see\ more|more\ on\ this(\ story)?|
     related(\ (stories|articles|posts?|content|reading|coverage))?|recommended|watch|listen|more)\s*[:\-–|] |
    about\ the\ authors?\b |
    comments?\s*\(\d+\) | \d+\s+comments?$ | comments?$ | (join|start)\ the\ (conversation|discussion) |
    (tell\ us|let\ us\ know)\ what\ you\ think\W*$ | loading(\ (photo\ )?(gallery|comments|video|player))?\W*$ |
    (share|tweet)\ (on|this|via)\b | copy\ link$ | e-?mail\ (this\ )?to\ a\ friend |
    (photo|image|picture|illustration|credit|photograph)\s*:\s | (getty|reuters|ap|afp)\ images?$ |
    (photo|photograph|image|picture|video)s?\ (by|courtesy\ of|credit)\b.{0,80}$ |
    (published|updated|posted|last\ (updated|modified)|first\ published)\s*:?\s*(on\s+)?\d |
    (sign\ up|subscribe)\ (for|to|now)\b | your\ (web\ )?browser\ is\ (no\ longer|not)\ supported |
    (this\ (site|website)\ uses|we\ use)\ cookies | advertisement$ | skip\ to\ (main\ )?content$ |
    (follow\ us|like\ us)\ on\b | all\ rights\ reserved | © |
    (if\ you\ (enjoyed|liked|like|value)\ (this|our)|(like|liked|enjoyed|enjoy)\ this\ (story|article|post)\b|
     did\ you\ (enjoy|like)\ this) |
    \(?(additional\ )?(reporting|writing|editing|compiled|research)\ (by|from)\b |
    click\ to\ tweet$
)""",
    re.I | re.X,
)
# A line that only states a date, or a short pitch for the publisher's newsletter.
_DATE_ONLY = re.compile(
    r"^((mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(\d{1,2}\.?\s+[^\W\d_]{3,9}\.?,?\s+\d{4}|"
    r"[^\W\d_]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4})"
    r"([\s,|at-]+\d{1,2}[:.]\d\d(\s*[ap]\.?m\.?)?)?(\s*[A-Z]{2,4})?$",
    re.I,
)
_NEWSLETTER = re.compile(r"\bnewsletters?\b", re.I)
_PITCH = re.compile(r"\b(sign\ up|subscribe|subscription|inbox|delivered|join)\b", re.I)
_ADDRESSED = re.compile(r"^(get|sign|subscribe|join|start|receive|don'?t\ miss|want)\b|\b(you|your|our)\b", re.I)
# Contact and follow-us lines that close many stories ("Email the author at ...", "Follow us @...").
_CONTACT = re.compile(
    r"""(
    ^(e-?mail|contact|reach|write\ to|to\ contact)\b.{0,120}(@|https?://|\bat\s+\S+\.\w{2,}) |
    \b(may|can)\ be\ (reached|contacted|emailed)\ at\b |
    \bfollow\ (him|her|them|me|us|@|\w+\ \w+\ on\ (twitter|x|facebook|instagram))\b |
    ^(follow|more)\b.{0,60}\bcoverage\b.*https?:// | ^more\b.{0,40}:\s*https?:// |
    ^(have|got)\ a\ (news\ )?tip\?
)""",
    re.I | re.X,
)
_CLICK_TO_TWEET = re.compile(r"\s*click to tweet$", re.I)
_TAIL_HEADER = re.compile(
    r"^(more\ from\b|most\ (read|popular|viewed|shared)\b|you\ (may|might)\ also\ (like|enjoy)|"
    r"related(\ articles|\ stories|\ coverage|\ posts)?$|more\ (great\ .{1,30}\ )?(stories|news)$|"
    r"latest\ news$|recommended(\ for\ you)?$|top\ stories$|trending(\ (now|on\ .{1,30}))?$|"
    r"don'?t\ miss$|just\ for\ you$|editors'?\ picks?$|popular\ (now|stories)$)",
    re.I | re.X,
)
_BYLINE = re.compile(
    r"^[Bb][Yy]\s+[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,4}(\s*(,|and|&)\s*[A-Z][\w.'’-]+(\s+[A-Z][\w.'’-]+){0,3})*"
    r"(\s*[,|·—-]\s*.{0,60})?$"
)
_BREADCRUMB = re.compile(r"^\S.{0,60}\s(>|›|»|/)\s\S.{0,60}$")


def is_furniture_line(line: str) -> bool:
    """True for a short line that is certainly not article prose."""
    text = line.strip()
    if len(text) > _SHORT:
        return False
    return bool(
        _ANYWHERE.match(text)
        or (len(text) < 220 and _NEWSLETTER.search(text) and _PITCH.search(text) and _ADDRESSED.search(text))
    )


def _cut_contact_tail(lines: list[str]) -> list[str]:
    """Drop "email the reporter at / follow us @" lines among the last three."""
    while lines and any(len(line) < 300 and _CONTACT.search(line) for line in lines[-3:]):
        index = max(
            i for i in range(max(0, len(lines) - 3), len(lines)) if len(lines[i]) < 300 and _CONTACT.search(lines[i])
        )
        lines = lines[:index] + lines[index + 1 :]
    return lines


def _is_heading_like(line: str) -> bool:
    """A headline in a promo list: short and not ending like a sentence."""
    text = line.strip()
    return len(text) < 140 and not text.endswith((".", "!", "?", '"', "”", ":"))


def _cut_tail_promos(lines: list[str]) -> list[str]:
    """Drop a trailing "More from X / Most read" block: its header and the headlines after it."""
    for index in range(len(lines) - 1, max(-1, len(lines) - 15), -1):
        if _TAIL_HEADER.match(lines[index].strip()) and all(_is_heading_like(line) for line in lines[index + 1 :]):
            return lines[:index]
    return lines


_HEAD_WINDOW = 4  # lines: a headline repeated this near the top has only furniture above it


def _trim_head(lines: list[str], headlines: set[str]) -> list[str]:
    """Drop breadcrumb, repeated headline and byline lines above the first paragraph.

    When the headline itself shows up among the first few lines, whatever precedes it is page
    furniture (kickers, teasers for other stories) and goes with it."""
    for index, line in enumerate(lines[:_HEAD_WINDOW]):
        if index and index < len(lines) - 1 and " ".join(line.split()).lower() in headlines:
            lines = lines[index:]
            break
    while len(lines) > 1:  # never empty the article
        first = lines[0].strip()
        if (
            " ".join(first.split()).lower() in headlines
            or _BYLINE.match(first)
            or _DATE_ONLY.match(first)
            or (_BREADCRUMB.match(first) and _is_heading_like(first))
        ):
            lines = lines[1:]
        else:
            break
    return lines


def strip_furniture(paragraphs: list[str], title: str | set[str] = "") -> list[str]:
    """Article paragraphs without the furniture lines around and inside them.

    `title` is the headline, or every spelling of it the page shows (see metadata.headline_variants)."""
    headlines = {" ".join(t.split()).lower() for t in ([title] if isinstance(title, str) else title) if t}
    lines = _trim_head(list(paragraphs), headlines)
    lines = [_CLICK_TO_TWEET.sub("", line) for line in lines if not is_furniture_line(line)]
    lines = [line for line in _cut_tail_promos(lines) if not _TAIL_HEADER.match(line.strip())]
    lines = _cut_contact_tail(lines)
    if lines and _DATE_ONLY.match(lines[-1].strip()):
        lines = lines[:-1]  # a closing dateline; dates inside the text may be a schedule
    return _trim_head(lines, headlines)
