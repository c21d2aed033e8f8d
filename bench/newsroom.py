"""A generated loopback newsroom for scale tests and benchmarks: N fictional publishers, each its
own HTTP server on 127.0.0.1 with an RSS feed and article pages, covering invented stories.

Every name and word of a story is made up from syllables by a seeded generator, so the newsroom is
the same on every run, as large as asked, and each article's story is known (for BCubed). Articles
can be held back and released later (`release`), to measure how soon a new item is served.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

SYLLABLES = (
    "ka",
    "lo",
    "ven",
    "dra",
    "mi",
    "tor",
    "sel",
    "bu",
    "ran",
    "eth",
    "qua",
    "zin",
    "pol",
    "ad",
    "mer",
    "vos",
    "tal",
    "iri",
    "gen",
    "hob",
    "ust",
    "cle",
    "nar",
    "fid",
    "ow",
    "yre",
    "sab",
    "kel",
)
FILLER = (
    "The announcement came after weeks of discussion among residents and officials.",
    "Further details are expected to be published later this week.",
    "Local businesses said they were watching the situation closely.",
    "Critics argued that the timetable left too little room for consultation.",
    "A spokesperson declined to comment on the figures before the formal release.",
)
TEMPLATES = (
    "{p1} said the {t1} in {place} would be reviewed before the {t2} reopened.",
    "Officials at the {org} confirmed that {n} {t3} workers had been moved since {day}.",
    "In {place}, the {t1} dispute has drawn crowds to the {t4} for a {nth} day.",
    "{p2} of the {org} warned that the {t2} could cost {place} {n} million crowns.",
    "The {t5} report, seen by reporters, describes the {t1} as fragile.",
    "Residents near the {t4} in {place} told {p1} that the {t3} plan was rushed.",
    "{p1} and {p2} met at the {org} offices to discuss the {t5} and the {t2}.",
    "According to the {org}, {n} households in {place} depend on the {t1}.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FURNITURE = (
    "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>",
    "<aside class='newsletter'>Sign up for our morning briefing.</aside>",
    "<footer><p>Contact us</p><p>All rights reserved.</p></footer>",
)


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


@dataclass
class Story:
    """An invented event: its people, place, organisation and topic words."""

    key: str
    people: tuple[str, str]
    place: str
    org: str
    topics: tuple[str, ...]


@dataclass
class Item:
    """One article of one publisher, about one story."""

    slug: str
    publisher: int
    story: str
    title: str
    paragraphs: list[str]
    published: datetime
    released: bool = True


def _story(rng: random.Random, index: int) -> Story:
    name = lambda: f"{_word(rng, 2).title()} {_word(rng, 3).title()}"  # noqa: E731 (a two-use helper)
    return Story(
        f"story-{index:03d}",
        (name(), name()),
        _word(rng, 3).title(),
        f"{_word(rng, 2).title()} Council",
        tuple(_word(rng, 2) for _ in range(5)),
    )


def _paragraphs(rng: random.Random, story: Story) -> list[str]:
    fields = {
        "p1": story.people[0],
        "p2": story.people[1],
        "place": story.place,
        "org": story.org,
        "day": rng.choice(DAYS),
        "n": rng.randint(3, 90),
        "nth": rng.choice(("second", "third", "fourth")),
    }
    fields.update({f"t{i + 1}": t for i, t in enumerate(story.topics)})
    sentences = [t.format(**fields) for t in rng.sample(TEMPLATES, 6)] + rng.sample(FILLER, 2)
    rng.shuffle(sentences)
    return [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]


def generate(articles: int = 500, publishers: int = 10, seed: int = 12) -> list[Item]:
    """`articles` items over about articles/5 stories, each story covered by several publishers."""
    rng = random.Random(seed)
    stories = [_story(rng, i) for i in range(max(1, articles // 5))]
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=12)
    items = []
    for index in range(articles):
        story = stories[index % len(stories)]
        order = stories.index(story)
        title = f"{story.people[0]} and the {story.topics[0]} row in {story.place}: {rng.choice(story.topics[1:])} {_word(rng, 2)}"
        published = base + timedelta(minutes=order * 6 + rng.randint(0, 40))
        items.append(
            Item(
                f"{story.key}-{index:04d}",
                rng.randrange(publishers),
                story.key,
                title,
                _paragraphs(rng, story),
                published,
            )
        )
    return sorted(items, key=lambda i: i.published)


def article_html(item: Item, publisher: str) -> str:
    """The article page, with page furniture around the story."""
    body = "".join(f"<p>{escape(p)}</p>" for p in item.paragraphs)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(item.title)} | {publisher}"
        f"</title><meta property='article:published_time' content='{item.published.isoformat()}'></head><body>"
        f"{FURNITURE[0]}<main><article><h1>{escape(item.title)}</h1><p class='byline'>By Staff Reporter</p>"
        f"{body}</article></main>{FURNITURE[1]}{FURNITURE[2]}</body></html>"
    )


def feed_xml(items: list[Item], publisher: str, base: str) -> str:
    """An RSS feed of the released items, newest first."""
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{base}/a/{i.slug}</link><guid>{base}/a/{i.slug}</guid>"
        f"<pubDate>{format_datetime(i.published)}</pubDate></item>"
        for i in sorted(items, key=lambda i: i.published, reverse=True)
        if i.released
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{publisher}</title>"
        f"<link>{base}/</link><description>Fictional news</description>{entries}</channel></rss>"
    )


@dataclass
class Newsroom:
    """The running publishers; `items` in publication order."""

    items: list[Item]
    publishers: int
    servers: list[ThreadingHTTPServer] = field(default_factory=list)
    released_at: dict[str, float] = field(default_factory=dict)  # slug -> monotonic time it appeared in a feed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self, publisher: int) -> str:
        """The root URL of a publisher's site."""
        return f"http://127.0.0.1:{self.servers[publisher].server_address[1]}"

    def feed_urls(self) -> list[str]:
        """Every publisher's feed URL."""
        return [f"{self.base(p)}/feed.xml" for p in range(self.publishers)]

    def url(self, item: Item) -> str:
        """The URL an item's feed entry links to."""
        return f"{self.base(item.publisher)}/a/{item.slug}"

    def release(self, item: Item) -> None:
        """Put a held-back item into its publisher's feed now."""
        with self.lock:
            item.released = True
            self.released_at[item.slug] = time.monotonic()

    def respond(self, publisher: int, path: str) -> tuple[int, str, str]:
        """(status, content type, body) for a request to one publisher."""
        name = f"Publisher {publisher + 1} Gazette"
        mine = [i for i in self.items if i.publisher == publisher]
        if path.split("?")[0] == "/feed.xml":
            with self.lock:
                return 200, "application/rss+xml; charset=utf-8", feed_xml(mine, name, self.base(publisher))
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        found = [i for i in mine if path == f"/a/{i.slug}" and i.released]
        if found:
            return 200, "text/html; charset=utf-8", article_html(found[0], name)
        return 404, "text/plain", "not found"

    def stop(self) -> None:
        """Shut every server down."""
        for server in self.servers:
            server.shutdown()
            server.server_close()


def start_newsroom(items: list[Item], publishers: int = 10) -> Newsroom:
    """Serve each publisher on its own loopback port (threads; stop() ends them)."""
    room = Newsroom(items, publishers)
    for publisher in range(publishers):

        class Handler(BaseHTTPRequestHandler):
            index = publisher

            def do_GET(self) -> None:
                status, kind, body = room.respond(self.index, self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        room.servers.append(server)
    return room
