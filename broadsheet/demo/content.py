"""The demo newsroom's content: fictional publishers and the stories they cover.

Stories live in `stories/*.toml`, one file per story, so writers can add coverage
without touching code. Every word of it is fiction written for this project.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

STORIES_DIR = Path(__file__).parent / "stories"


@dataclass(frozen=True)
class DemoPublisher:
    """One fictional publisher, served as its own site on its own loopback port."""

    slug: str
    name: str
    feed_format: str  # "rss" or "atom"
    charset: str = "utf-8"  # one publisher still serves a legacy encoding
    tagline: str = ""


@dataclass(frozen=True)
class DemoArticle:
    """One article as a publisher prints it; `paragraphs` is the ground-truth body."""

    slug: str
    publisher: str
    story: str
    section: str
    title: str
    byline: str
    minutes_ago: int  # age when the demo starts, so "14 minutes ago" reads naturally
    paragraphs: tuple[str, ...]
    summary: str = ""
    image_caption: str = ""
    tags: tuple[str, ...] = ()
    wire_of: str | None = None  # slug of the wire original this copy syndicates
    extra: dict = field(default_factory=dict, compare=False, hash=False)


PUBLISHERS: tuple[DemoPublisher, ...] = (
    DemoPublisher("northgate-herald", "The Northgate Herald", "rss", tagline="Esterland's paper of record since 1861"),
    DemoPublisher("valley-courier", "Valley Courier", "atom", tagline="News from the Halvern valley and beyond"),
    DemoPublisher("meridian-wire", "Meridian Wire", "rss", tagline="The independent news agency"),
    DemoPublisher("civic-ledger", "The Civic Ledger", "atom", tagline="Politics, money and power"),
    DemoPublisher("brightline", "Brightline", "rss", tagline="Technology and science, explained"),
    DemoPublisher("harbour-times", "Harbour Times", "rss", charset="iso-8859-1", tagline="Port Varrow's daily"),
    DemoPublisher("evening-sentinel", "The Evening Sentinel", "rss", tagline="First with the news that matters"),
)


def publisher(slug: str) -> DemoPublisher:
    """Return the publisher with this slug."""
    for pub in PUBLISHERS:
        if pub.slug == slug:
            return pub
    raise KeyError(f"demo: unknown publisher {slug!r}")


def _article_from(story_key: str, section: str, raw: dict) -> DemoArticle:
    known = {
        "slug",
        "publisher",
        "title",
        "byline",
        "minutes_ago",
        "paragraphs",
        "summary",
        "image_caption",
        "tags",
        "wire_of",
        "section",
    }
    return DemoArticle(
        slug=raw["slug"],
        publisher=publisher(raw["publisher"]).slug,
        story=story_key,
        section=raw.get("section", section),
        title=raw["title"],
        byline=raw.get("byline", ""),
        minutes_ago=int(raw["minutes_ago"]),
        paragraphs=tuple(raw["paragraphs"]),
        summary=raw.get("summary", ""),
        image_caption=raw.get("image_caption", ""),
        tags=tuple(raw.get("tags", ())),
        wire_of=raw.get("wire_of"),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_articles(directory: Path = STORIES_DIR) -> list[DemoArticle]:
    """Read every story file; articles come back oldest first."""
    articles: list[DemoArticle] = []
    for path in sorted(directory.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for raw in data.get("articles", []):
            articles.append(_article_from(data["key"], data["section"], raw))
    slugs = [a.slug for a in articles]
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    if duplicates:
        raise ValueError(f"demo: duplicate article slugs {sorted(duplicates)}")
    return sorted(articles, key=lambda a: -a.minutes_ago)
