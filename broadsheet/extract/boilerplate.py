"""Site-level boilerplate: paragraphs that repeat across many pages of one site.

Page-level extraction cannot know that "Comments are checked by our moderators" or a
newsletter pitch is furniture when it sits inside the article container. Across a site's
pages it is obvious: real paragraphs are (nearly) unique to their article, furniture repeats.
This module is pure: the pipeline stores the per-site counts and hands them back here.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MIN_SHARE = 0.5  # a paragraph on more than half of a site's pages is furniture: furniture is on
# (nearly) every page, while recurring background paragraphs and wire credit lines sit on a minority
# How sure that share must be (a one-sided 97.5% Wilson bound), which also sets how many pages it
# takes: 3 of 3 is not enough (bound 0.44), 4 of 4 is (0.51). A site's first pages are a small sample
# whose order is the order fetches finished: with "3 pages and half of those seen", a wire sign-off
# ("— Meridian Wire") on three of a site's nine pages was learned whenever those three came among the
# first six, and removed from every page.
CONFIDENCE_Z = 1.96
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def site_key(url: str) -> str:
    """The site a page belongs to: its host, without a leading "www."."""
    host = (urlsplit(url).hostname or "").lower()
    port = urlsplit(url).port
    host = host.removeprefix("www.")
    return f"{host}:{port}" if port else host


def fingerprint(paragraph: str) -> str:
    """A paragraph's identity across pages: case, punctuation and numbers ignored
    ("Comments (12)" and "Comments (58)" are the same furniture)."""
    text = _DIGITS.sub("0", paragraph.lower())
    text = " ".join(_NON_WORD.sub(" ", text).split())
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass
class SiteProfile:
    """What is known about one site: pages seen, and on how many pages each fingerprint appeared."""

    site: str
    pages: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def is_boilerplate_fingerprint(self, fp: str) -> bool:
        """True when this fingerprint repeats across enough of the site's pages: we are confident
        that it is on more than MIN_SHARE of them, not just that it was so far."""
        return share_lower_bound(self.counts.get(fp, 0), self.pages) >= MIN_SHARE

    def is_boilerplate(self, paragraph: str) -> bool:
        """True when this paragraph is the site's furniture."""
        return self.is_boilerplate_fingerprint(fingerprint(paragraph))


def share_lower_bound(seen: int, pages: int, z: float = CONFIDENCE_Z) -> float:
    """The Wilson score lower bound of the share of a site's pages that carry a paragraph."""
    if pages <= 0:
        return 0.0
    share, z2 = min(seen / pages, 1.0), z * z
    centre = share + z2 / (2 * pages)
    spread = z * math.sqrt(share * (1 - share) / pages + z2 / (4 * pages * pages))
    return (centre - spread) / (1 + z2 / pages)


def page_fingerprints(paragraphs: list[str]) -> set[str]:
    """The distinct fingerprints of one page (a page counts once per fingerprint)."""
    return {fingerprint(p) for p in paragraphs if p.strip()}


def remove_boilerplate(paragraphs: list[str], profile: SiteProfile) -> list[str]:
    """Paragraphs without the site's boilerplate; the page is kept whole if nothing would remain."""
    kept = [p for p in paragraphs if not profile.is_boilerplate(p)]
    return kept if kept else list(paragraphs)
