"""What each demo publisher serves: URL layout, routing, feeds, lead images and robots.txt.

`SiteApp` is one publisher's whole site as a pure function of (request target, now): the
HTTP plumbing lives in `server.py`, the page markup in `templates.py`.
"""

from __future__ import annotations

import colorsys
import io
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape as xml_escape

from PIL import Image, ImageDraw, ImageFont

from broadsheet.demo import templates as tpl
from broadsheet.demo.content import PUBLISHERS, DemoArticle, DemoPublisher

# Strings that only page furniture carries. A cleanly extracted article body contains none
# of them (compared lowercase); tests check every one is on some page and in no story.
FURNITURE_PHRASES: tuple[str, ...] = (
    "no longer supported",
    "to improve your experience",
    "cookie",
    "sign up for",
    "newsletter",
    "share on",
    "copy link",
    "join the conversation",
    "comments (",
    "community guidelines",
    "readers' cooperative",
    "supporting member",
    "comment policy",
    "about the author",
    "contact us",
    "all rights reserved",
    "advertisement",
    "tags:",
    "filed under:",
    "topics:",
    "tagged:",
    "more from the northgate herald",
    "more from meridian wire",
    "more from the civic ledger",
    "more from harbour times",
    "read more:",
    "most read",
    "you may also like",
    "picture desk",
    "photo credit:",
    "illustration: brightline studio",
    "harbour times archive",
)

TRACKING_KEYS = frozenset({"ref", "fbclid", "gclid", "cmpid"})
HOME_LIMIT = 50
RELATED_LIMIT = 4


@dataclass(frozen=True)
class Layout:
    """Where one publisher puts things; paths are str.format patterns over article fields."""

    article: str
    image: str
    feed: str
    section: str
    sections: tuple[str, ...]
    tracking: str = ""  # query string appended to feed item links
    full_content: bool = False  # feed carries the whole body, not just a summary
    feed_mime: str = ""  # Content-Type of the feed, if not the format's own


# Paths and feed habits differ per publisher on purpose; see the module docstring of templates.py.
LAYOUTS: dict[str, Layout] = {
    "northgate-herald": Layout(
        "/news/{section}/{slug}",
        "/images/lead/{slug}.jpg",
        "/feed.xml",
        "/section/{section}",
        ("News", "Politics", "Business", "World", "Sport", "Culture", "Opinion"),
        tracking="utm_source=rss&utm_medium=feed",
    ),
    "valley-courier": Layout(
        "/{yyyy}/{mm}/{dd}/{slug}/",
        "/media/{yyyy}/{mm}/{slug}-lead.png",
        "/atom.xml",
        "/category/{section}/",
        ("Local", "Business", "Technology", "Science", "Farming", "What's on"),
        full_content=True,
    ),
    "meridian-wire": Layout(
        "/wire/{id}-{slug}",
        "/photos/{id}.jpg",
        "/rss",
        "/wire/topic/{section}",
        ("World", "Politics", "Business", "Technology", "Science"),
        full_content=True,
        feed_mime="application/xml; charset=utf-8",
    ),
    "civic-ledger": Layout(
        "/{section}/{slug}.html",
        "/assets/img/{slug}.png",
        "/atom.xml",
        "/{section}/",
        ("Politics", "Business", "Economy", "Courts", "Investigations"),
    ),
    "brightline": Layout(
        "/articles/{slug}",
        "/wp-content/uploads/{yyyy}/{mm}/{slug}.jpg",
        "/feed.xml",
        "/category/{section}/",
        ("Technology", "Science", "Security", "Space", "Reviews"),
    ),
    "harbour-times": Layout(
        "/article.php?id={id}",
        "/pics/{id}.jpg",
        "/rss.xml",
        "/section.php?name={section}",
        ("News", "Business", "Port", "Sport", "Café society"),
        feed_mime="text/xml; charset=iso-8859-1",
    ),
    "evening-sentinel": Layout(
        "/{section}/{slug}-n{id}",
        "/img/{section}/{slug}-{id}.png",
        "/rss",
        "/{section}",
        ("News", "Politics", "Business", "Technology", "Sport", "Showbiz"),
        tracking="utm_source=feed&utm_medium=rss&utm_campaign=sentinel&ref=rss",
    ),
}


@dataclass
class Response:
    """A status, a content type, the encoded body and any extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens, for URL paths ("Café society" -> "cafe-society")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "news"


def request_key(target: str) -> str:
    """The route key for a request target: the path plus any non-tracking query parameters."""
    parts = urlsplit(target)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_KEYS
    ]
    return (parts.path or "/") + ("?" + urlencode(query) if query else "")


def xml_attr(text: str) -> str:
    """Escape text for a double-quoted XML attribute."""
    return xml_escape(text, {'"': "&quot;"})


def with_tracking(url: str, tracking: str) -> str:
    """Append a tracking query string to a URL, as feed links of some publishers carry."""
    if not tracking:
        return url
    return url + ("&" if "?" in url else "?") + tracking


def assign_ids(articles: list[DemoArticle]) -> dict[str, int]:
    """Stable five-digit numeric ids, unique within one publisher, for CMS-style URLs."""
    ids: dict[str, int] = {}
    used: set[int] = set()
    for article in sorted(articles, key=lambda a: a.slug):
        number = 10000 + zlib.crc32(article.slug.encode()) % 90000
        while number in used:  # a crc collision: take the next free number
            number = 10000 + (number - 9999) % 90000
        used.add(number)
        ids[article.slug] = number
    return ids


def _colour(hue: int, saturation: float, lightness: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def render_image(story: str, seed: str, fmt: str = "JPEG") -> bytes:
    """A lead picture drawn for the demo (plainly an illustration, not a photograph): the colours
    belong to the story, so its coverage looks alike across publishers; the shapes to the article."""
    hue, pick = zlib.crc32(story.encode()) % 360, zlib.crc32(seed.encode())
    image = Image.new("RGB", (960, 540), _colour(hue, 0.45, 0.32))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 360, 960, 540), fill=_colour(hue, 0.35, 0.22))  # a horizon
    for i in range(3 + pick % 3):
        x, y, r = 120 + (pick >> (i * 3)) % 720, 110 + (pick >> (i * 2)) % 260, 40 + (pick >> i) % 90
        shade = _colour((hue + 30 * (i + 1)) % 360, 0.55, 0.45 + 0.08 * i)
        if (pick >> i) % 2:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], fill=shade)
    draw.rectangle((24, 24, 208, 64), fill=(255, 255, 255))
    draw.text((36, 34), "ILLUSTRATION", fill=_colour(hue, 0.45, 0.25), font=ImageFont.load_default(size=20))
    out = io.BytesIO()
    image.save(out, fmt, quality=85) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def robots_txt(publisher: DemoPublisher) -> bytes:
    """A robots.txt that allows everything (two spellings of it, as real sites vary)."""
    if publisher.feed_format == "atom":
        return b"User-agent: *\nDisallow:\n"
    return b"User-agent: *\nAllow: /\n"


class SiteApp:
    """One publisher's site: every URL it answers, rendered for a given moment."""

    def __init__(
        self, publisher: DemoPublisher, base_url: str, articles: list[DemoArticle], published: Mapping[str, datetime]
    ) -> None:
        self.publisher = publisher
        self.base_url = base_url.rstrip("/")
        self.layout = LAYOUTS[publisher.slug]
        self.skin = tpl.SKINS[publisher.slug]
        self.published = published
        self.articles = [a for a in articles if a.publisher == publisher.slug]
        self.names = {a.slug: a.publisher for a in articles}  # for crediting syndicated copy
        self.ids = assign_ids(self.articles)
        self.routes = self._build_routes()

    @property
    def feed_url(self) -> str:
        """Absolute URL of the feed."""
        return self.base_url + self.layout.feed

    @property
    def home_url(self) -> str:
        """Absolute URL of the home page."""
        return self.base_url + "/"

    def article_url(self, article: DemoArticle) -> str:
        """The canonical absolute URL of an article page."""
        return self.base_url + self._format(self.layout.article, article)

    def image_url(self, article: DemoArticle) -> str:
        """The absolute URL of an article's lead image."""
        return self.base_url + self._format(self.layout.image, article)

    def section_url(self, section: str) -> str:
        """The absolute URL of a section page."""
        return self.base_url + self.layout.section.format(section=slugify(section))

    def _format(self, pattern: str, article: DemoArticle) -> str:
        when = self.published[article.slug]
        return pattern.format(
            slug=article.slug,
            section=slugify(article.section),
            id=self.ids[article.slug],
            yyyy=f"{when:%Y}",
            mm=f"{when:%m}",
            dd=f"{when:%d}",
        )

    def _build_routes(self) -> dict[str, tuple[str, DemoArticle | str | None]]:
        base = len(self.base_url)
        routes: dict[str, tuple[str, DemoArticle | str | None]] = {
            "/": ("home", None),
            self.layout.feed: ("feed", None),
            "/robots.txt": ("robots", None),
        }
        sections = {s: s for s in self.layout.sections} | {a.section: a.section for a in self.articles}
        for name in sections:
            routes[request_key(self.section_url(name)[base:])] = ("section", name)
        for article in self.articles:
            routes[request_key(self.article_url(article)[base:])] = ("article", article)
            routes[request_key(self.image_url(article)[base:])] = ("image", article)
        return routes

    def live(self, now: datetime) -> list[DemoArticle]:
        """Articles published by `now`, newest first."""
        return sorted(
            (a for a in self.articles if self.published[a.slug] <= now),
            key=lambda a: self.published[a.slug],
            reverse=True,
        )

    def respond(self, target: str, now: datetime) -> Response:
        """Answer one GET for `target` (path and query) as the site looks at `now`."""
        key = request_key(target)
        route = self.routes.get(key)
        if route is None:
            return self._redirect_or_404(key, now)
        kind, obj = route
        if isinstance(obj, DemoArticle):
            if self.published[obj.slug] > now:
                return self.not_found()  # future news does not exist yet
            if kind == "article":
                return self._html(self.skin.render_article(self.article_view(obj, now)))
            fmt, mime = ("PNG", "image/png") if key.endswith(".png") else ("JPEG", "image/jpeg")
            return Response(200, mime, render_image(obj.story, obj.slug, fmt), {"Cache-Control": "max-age=86400"})
        if kind == "feed":
            return self._feed(now)
        if kind == "robots":
            return Response(200, "text/plain; charset=utf-8", robots_txt(self.publisher))
        return self._html(self.skin.render_home(self.home_view(now, obj)))

    def _redirect_or_404(self, key: str, now: datetime) -> Response:
        # Like most CMSs, answer a missing or extra trailing slash with a permanent redirect.
        path, sep, query = key.partition("?")
        other = (path[:-1] if path.endswith("/") else path + "/") + sep + query
        route = self.routes.get(other)
        if route and not (isinstance(route[1], DemoArticle) and self.published[route[1].slug] > now):
            return Response(301, "text/plain; charset=utf-8", b"Moved\n", {"Location": self.base_url + other})
        return self.not_found()

    def not_found(self) -> Response:
        """The site's 404 page."""
        body = f'<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1><p><a href="/">{tpl.esc(self.publisher.name)}</a></p></body></html>'
        return Response(404, f"text/html; charset={self.publisher.charset}", self._encode(body))

    def _encode(self, text: str) -> bytes:
        # Characters the legacy charset lacks become numeric references, as old CMSs did.
        return text.encode(self.publisher.charset, "xmlcharrefreplace")

    def _html(self, text: str) -> Response:
        return Response(200, f"text/html; charset={self.publisher.charset}", self._encode(text))

    def _page_view(self, now: datetime) -> dict:
        feed_type = "application/atom+xml" if self.publisher.feed_format == "atom" else "application/rss+xml"
        nav = tuple(tpl.Link(s, self.section_url(s)) for s in self.layout.sections)
        return dict(
            name=self.publisher.name,
            tagline=self.publisher.tagline,
            charset=self.publisher.charset,
            home_url=self.home_url,
            feed_url=self.feed_url,
            feed_type=feed_type,
            nav=nav,
            now=now,
        )

    def home_view(self, now: datetime, section: str | None = None) -> tpl.HomeView:
        """The home page (or a section page) as of `now`."""
        live = [a for a in self.live(now) if section is None or a.section == section][:HOME_LIMIT]
        items = tuple(
            tpl.HomeItem(
                a.title, self.article_url(a), tpl.summary_of(a.summary, a.paragraphs), a.section, self.published[a.slug]
            )
            for a in live
        )
        url = self.section_url(section) if section else self.home_url
        return tpl.HomeView(**self._page_view(now), heading=section or self.publisher.name, url=url, items=items)

    def related(self, article: DemoArticle, now: datetime) -> tuple[tpl.Link, ...]:
        """Other live headlines: the same story first, then the latest."""
        others = [a for a in self.live(now) if a.slug != article.slug]
        others.sort(key=lambda a: a.story != article.story)  # stable: keeps newest-first within each group
        return tuple(tpl.Link(a.title, self.article_url(a)) for a in others[:RELATED_LIMIT])

    def article_view(self, article: DemoArticle, now: datetime) -> tpl.ArticleView:
        """Everything an article template may print."""
        credit = ""
        if article.wire_of:
            source = self.names.get(article.wire_of)
            credit = next((p.name for p in PUBLISHERS if p.slug == source), "a news agency")
        return tpl.ArticleView(
            **self._page_view(now),
            title=article.title,
            author=tpl.author_name(article.byline),
            section=article.section,
            section_url=self.section_url(article.section),
            summary=tpl.summary_of(article.summary, article.paragraphs),
            deck=article.summary,
            paragraphs=article.paragraphs,
            tags=article.tags,
            url=self.article_url(article),
            image_url=self.image_url(article),
            image_alt=str(article.extra.get("image_alt") or article.image_caption or article.title),
            caption=article.image_caption,
            published=self.published[article.slug],
            related=self.related(article, now),
            comments=3 + zlib.crc32(article.slug.encode()) % 140,
            wire_credit=credit,
        )

    def _feed(self, now: datetime) -> Response:
        live = self.live(now)
        if self.publisher.feed_format == "atom":
            body, mime = self.render_atom(live, now), "application/atom+xml; charset=utf-8"
        else:
            body, mime = self.render_rss(live, now), f"application/rss+xml; charset={self.publisher.charset}"
        newest = max((self.published[a.slug] for a in live), default=now)
        return Response(
            200,
            self.layout.feed_mime or mime,
            self._encode(body),
            {"Last-Modified": format_datetime(newest, usegmt=True)},
        )

    def _body_html(self, article: DemoArticle) -> str:
        return "".join(f"<p>{tpl.esc(p)}</p>" for p in article.paragraphs)

    def _rss_item(self, article: DemoArticle) -> str:
        url = self.article_url(article)
        author = tpl.author_name(article.byline)
        slug = self.publisher.slug
        if slug == "brightline":  # WordPress-style opaque guid
            guid = f'<guid isPermaLink="false">{self.base_url}/?p={self.ids[article.slug]}</guid>'
        elif slug in ("meridian-wire", "evening-sentinel"):
            guid = f'<guid isPermaLink="false">{slug}:{self.ids[article.slug]}</guid>'
        else:
            guid = f"<guid>{xml_escape(url)}</guid>"
        if slug in ("meridian-wire", "harbour-times"):  # RSS 2.0's own author element wants an email
            who = f"<author>desk@{slug}.example ({xml_escape(author)})</author>" if author else ""
        else:
            who = f"<dc:creator>{xml_escape(author)}</dc:creator>" if author else ""
        cats = "".join(f"<category>{xml_escape(t)}</category>" for t in article.tags)
        content = (
            f"<content:encoded>{xml_escape(self._body_html(article))}</content:encoded>"
            if self.layout.full_content
            else ""
        )
        return (
            f"<item><title>{xml_escape(article.title)}</title>"
            f"<link>{xml_escape(with_tracking(url, self.layout.tracking))}</link>{guid}"
            f"<pubDate>{format_datetime(self.published[article.slug], usegmt=True)}</pubDate>{who}{cats}"
            f"<description>{xml_escape(tpl.summary_of(article.summary, article.paragraphs))}</description>{content}"
            f'<enclosure url="{xml_attr(self.image_url(article))}" length="0" type="image/svg+xml"/></item>'
        )

    def render_rss(self, live: list[DemoArticle], now: datetime) -> str:
        """The RSS 2.0 feed of the live articles."""
        items = "\n".join(self._rss_item(a) for a in live)
        return (
            f'<?xml version="1.0" encoding="{self.publisher.charset.upper()}"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
            f"<title>{xml_escape(self.publisher.name)}</title><link>{self.home_url}</link>"
            f"<description>{xml_escape(self.publisher.tagline)}</description><language>en-gb</language>"
            # The newest item's time, not now: the feed's bytes (and ETag) change only when news arrives.
            f"<lastBuildDate>{format_datetime(max((self.published[a.slug] for a in live), default=now), usegmt=True)}</lastBuildDate>"
            f'<atom:link href="{self.feed_url}" rel="self" type="application/rss+xml"/>\n{items}\n</channel>\n</rss>\n'
        )

    def _atom_entry(self, article: DemoArticle) -> str:
        when = tpl.iso(self.published[article.slug])
        author = tpl.author_name(article.byline)
        who = f"<author><name>{xml_escape(author)}</name></author>" if author else ""
        cats = "".join(f'<category term="{xml_attr(t)}"/>' for t in article.tags)
        content = (
            f'<content type="html">{xml_escape(self._body_html(article))}</content>' if self.layout.full_content else ""
        )
        return (
            f"<entry><title>{xml_escape(article.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_attr(with_tracking(self.article_url(article), self.layout.tracking))}"/>'
            # The id must survive restarts, so it names neither the port nor the run's dates.
            f"<id>tag:{self.publisher.slug}.example,2026:{article.slug}</id>"
            f"<published>{when}</published><updated>{when}</updated>{who}{cats}"
            f'<summary type="text">{xml_escape(tpl.summary_of(article.summary, article.paragraphs))}</summary>{content}</entry>'
        )

    def render_atom(self, live: list[DemoArticle], now: datetime) -> str:
        """The Atom 1.0 feed of the live articles."""
        entries = "\n".join(self._atom_entry(a) for a in live)
        updated = tpl.iso(max((self.published[a.slug] for a in live), default=now))
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>{xml_escape(self.publisher.name)}</title><subtitle>{xml_escape(self.publisher.tagline)}</subtitle>"
            f'<link rel="alternate" type="text/html" href="{self.home_url}"/><link rel="self" type="application/atom+xml" href="{self.feed_url}"/>'
            f"<id>{self.home_url}</id><updated>{updated}</updated>\n{entries}\n</feed>\n"
        )
