"""Serve the demo newsroom: one quiet HTTP server per publisher on 127.0.0.1, in daemon threads."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from broadsheet.demo.content import PUBLISHERS, DemoArticle, DemoPublisher, load_articles
from broadsheet.demo.sites import Response, SiteApp

log = logging.getLogger(__name__)


@dataclass
class Site:
    """One running publisher site."""

    publisher: DemoPublisher
    base_url: str  # e.g. "http://127.0.0.1:43121"
    feed_url: str  # RSS or Atom per publisher.feed_format
    home_url: str  # the home page links the feed with <link rel="alternate">


class _Handler(BaseHTTPRequestHandler):
    """Hands each GET or HEAD to the server's SiteApp."""

    server: _SiteServer
    server_version = "DemoNewsroom/1.0"

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        """Answer a HEAD."""
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        try:
            response = self.server.app.respond(self.path, datetime.now(UTC))
        except Exception:  # a template bug must not kill the thread silently or leave the client hanging
            log.exception("demo: %s failed rendering %s", self.server.app.publisher.slug, self.path)
            response = Response(500, "text/plain; charset=utf-8", b"Internal Server Error\n")
        etag = '"' + hashlib.sha1(response.body).hexdigest()[:16] + '"'
        if response.status == 200 and self._not_modified(etag, response.headers.get("Last-Modified")):
            kept = {k: v for k, v in response.headers.items() if k == "Last-Modified"}
            response = Response(304, response.content_type, b"", kept)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.status != 304:  # a 304 has no body, and its length would describe the 200's
            self.send_header("Content-Length", str(len(response.body)))
        if response.status in (200, 304):
            self.send_header("ETag", etag)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def _not_modified(self, etag: str, last_modified: str | None) -> bool:
        # Conditional GETs let the demo exercise a fetcher's ETag and Last-Modified handling.
        if "If-None-Match" in self.headers:
            return etag in self.headers["If-None-Match"]
        since = self.headers.get("If-Modified-Since")
        if not (since and last_modified):
            return False
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the demo runs beside a terminal UI and tests."""


class _SiteServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one SiteApp."""

    daemon_threads = True
    app: SiteApp

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response are normal; keep them off stderr."""
        log.debug("demo: connection from %s ended with an error", client_address)


class Newsroom:
    """The running demo: every publisher's site plus the clock that decides what is live."""

    def __init__(self, started_at: datetime, articles: list[DemoArticle]) -> None:
        self.started_at = started_at
        self.articles = articles
        self.sites: list[Site] = []
        self._apps: dict[str, SiteApp] = {}
        self._servers: list[tuple[_SiteServer, threading.Thread]] = []
        self._by_slug = {a.slug: a for a in articles}
        self._published = {a.slug: started_at - timedelta(minutes=a.minutes_ago) for a in articles}

    def _serve(self, publisher: DemoPublisher, host: str, port: int) -> None:
        server = _SiteServer((host, port), _Handler)
        base_url = f"http://{host}:{server.server_address[1]}"
        server.app = SiteApp(publisher, base_url, self.articles, self._published)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demo-{publisher.slug}", daemon=True
        )
        thread.start()
        self._servers.append((server, thread))
        self._apps[publisher.slug] = server.app
        self.sites.append(Site(publisher, base_url, server.app.feed_url, server.app.home_url))

    def site(self, publisher_slug: str) -> Site:
        """The running site of a publisher."""
        for site in self.sites:
            if site.publisher.slug == publisher_slug:
                return site
        raise KeyError(f"demo: no running site for {publisher_slug!r}")

    def article_url(self, slug: str) -> str:
        """The canonical URL of an article page (no tracking parameters)."""
        article = self._by_slug[slug]
        return self._apps[article.publisher].article_url(article)

    def image_url(self, slug: str) -> str:
        """The URL of an article's lead image."""
        article = self._by_slug[slug]
        return self._apps[article.publisher].image_url(article)

    def published_at(self, article: DemoArticle) -> datetime:
        """When the article is (or will be) published: started_at minus its age."""
        return self._published[article.slug]

    def is_live(self, article: DemoArticle) -> bool:
        """Whether the article has been published by now."""
        return self.published_at(article) <= datetime.now(UTC)

    def live_articles(self) -> list[DemoArticle]:
        """The articles published by now, oldest first."""
        return [a for a in self.articles if self.is_live(a)]

    def stop(self) -> None:
        """Shut every server down and free its port; safe to call twice."""
        while self._servers:
            server, thread = self._servers.pop()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def __enter__(self) -> Newsroom:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_newsroom(
    host: str = "127.0.0.1",
    port: int = 0,
    articles: list[DemoArticle] | None = None,
    started_at: datetime | None = None,
) -> Newsroom:
    """Start every publisher's site; port=0 picks free ports, otherwise port, port+1, ..."""
    if started_at is None:
        # Whole seconds, so feed dates (which have no fractions) match published_at exactly.
        started_at = datetime.now(UTC).replace(microsecond=0)
    elif started_at.tzinfo is None:
        raise ValueError("demo: started_at must be timezone-aware")
    newsroom = Newsroom(started_at.astimezone(UTC), load_articles() if articles is None else list(articles))
    try:
        for offset, publisher in enumerate(PUBLISHERS):
            newsroom._serve(publisher, host, port + offset if port else 0)
    except OSError as exc:
        newsroom.stop()
        raise OSError(
            f"demo: cannot listen on {host} port {port + offset if port else 0}: {exc.strerror or exc}"
        ) from exc
    return newsroom
