import re
from datetime import UTC, datetime, timedelta

import html5lib
import httpx
import pytest
from httpserver import AppServer

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app
from broadsheet.web.timefmt import relative_time

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "delta, text",
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=14), "14 minutes ago"),
        (timedelta(minutes=61), "1 hour ago"),
        (timedelta(days=3, hours=2), "3 days ago"),
        (timedelta(days=400), "1 year ago"),
        (-timedelta(minutes=5), "in 5 minutes"),
    ],
)
def test_relative_time(delta, text):
    assert relative_time(NOW - delta, now=NOW) == text


def assert_valid_html(page: str) -> None:
    """Parse strictly as HTML5: any parse error fails."""
    html5lib.HTMLParser(strict=True).parse(page)


@pytest.fixture
def client(engine, config):
    source, _ = source_store.add_source(engine, "http://pub.invalid/feed", title="Pub & Co")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="a1",
                    url="http://pub.invalid/a1",
                    title="Harbour <wall> repaired",
                    source_id=source.id,
                    source_name="Pub & Co",
                    byline="Ines Vale",
                    published_at=now - timedelta(minutes=14),
                    image="http://pub.invalid/a1.jpg",
                    text="First paragraph.\n\nSecond <b>paragraph</b>.",
                ),
                Article(id="a2", url="http://pub.invalid/a2", title="Pending", source_id=source.id, status="pending"),
            ],
        )
    article_store.record_article_failure(engine, "a2", "fetch: 503 from pub.invalid", now + timedelta(minutes=10))
    source_store.record_failure(
        engine, source.id, "fetch: 500 from pub.invalid", now + timedelta(minutes=5), status=500
    )
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        yield http


def test_article_page(client):
    response = client.get("/articles/a1")
    assert response.status_code == 200
    page = response.text
    assert_valid_html(page)
    assert '<h1 id="headline">Harbour &lt;wall&gt; repaired</h1>' in page
    assert '<a class="source" href="http://pub.invalid/a1" rel="noopener noreferrer">Pub &amp; Co</a>' in page
    assert ">14 minutes ago</time>" in page and "By Ines Vale" in page
    assert "<p>Second &lt;b&gt;paragraph&lt;/b&gt;.</p>" in page  # body text is escaped, never trusted as HTML
    assert "pub.invalid/a1.jpg" not in page  # never hot-linked: the pipeline's stored copy is shown once it has one
    assert 'id="comments-heading"' in page and 'id="related-heading"' in page


def test_pages_are_valid_and_errors_are_pages(client):
    for path in ("/", "/sources", "/sources/1"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_valid_html(response.text)
    missing = client.get("/articles/nope")
    assert missing.status_code == 404 and "That page does not exist." in missing.text
    assert client.get("/articles/a2").status_code == 404  # not readable yet
    assert client.get("/sources/999").status_code == 404
    assert client.get("/?page=abc").status_code == 200


def test_source_page_shows_health_and_failures(client):
    page = client.get("/sources/1").text
    assert "Failing (1 in a row)" in page and "fetch: 500 from pub.invalid" in page and "HTTP 500" in page
    assert "fetch: 503 from pub.invalid" in page  # the article that could not be read is listed
    opml = client.get("/sources.opml")
    assert 'xmlUrl="http://pub.invalid/feed"' in opml.text and opml.headers["content-type"].startswith("text/x-opml")
    assert client.get("/healthz").json()["status"] == "ok"


def test_anonymous_pages_are_micro_cached_but_signed_in_readers_are_not(engine, config):
    from broadsheet.web.app import create_app

    source_store.add_source(engine, "http://cache.invalid/feed", title="Cache")
    app = create_app(engine, config.replace(page_cache_seconds=60))
    with AppServer(app) as base, httpx.Client(base_url=base) as http:
        first = http.get("/latest")
        with engine.begin() as conn:
            article_store.save_articles(
                conn,
                [
                    Article(
                        id="new1",
                        url="http://cache.invalid/n",
                        title="Fresh item",
                        text="Body.",
                        published_at=datetime.now(UTC),
                    )
                ],
            )
        assert "Fresh item" not in http.get("/latest").text  # the same rendering, within the TTL
        assert "Fresh item" in http.get("/latest", params={"page": 1}).text  # another URL renders anew
        signed_in = http.get("/latest", headers={"Cookie": "broadsheet_session=whatever"})
        assert "Fresh item" in signed_in.text
        assert first.status_code == 200
        api = http.get("/api/sources")
        assert http.get("/api/sources", headers={"If-None-Match": api.headers["etag"]}).status_code == 304


def test_concurrent_first_requests_share_one_rendering(engine, config):
    import asyncio

    from broadsheet.web.cache import PageCache

    renders = []

    async def slow_app(scope, receive, send):
        renders.append(1)
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"page"})

    cache = PageCache(slow_app, ttl=10)

    async def one():
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
        await cache(scope, None, send)
        return sent[-1]["body"]

    async def many():
        return await asyncio.gather(*(one() for _ in range(20)))

    assert asyncio.run(many()) == [b"page"] * 20 and len(renders) == 1


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expired_pages_are_served_at_once_and_rerendered_in_the_background():
    import asyncio

    from broadsheet.web.cache import PageCache

    version = {"n": 1}
    clock = FakeClock()

    async def app(scope, receive, send):
        body = f"version {version['n']}".encode()
        if version["n"] == 2:
            await release.wait()  # the re-render is slow: a reader must not wait for it
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": body})

    cache = PageCache(app, ttl=0.1, longer={"/articles/": 0.5}, clock=clock)

    async def get(path):
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
        await cache(scope, None, send)
        return sent[-1]["body"]

    async def scenario():
        assert await get("/") == b"version 1"
        assert await get("/articles/a") == b"version 1"
        version["n"] = 2
        clock.now += 0.15  # the front page expired, the article page (longer TTL) did not
        assert await get("/") == b"version 1"  # the stale copy at once, while the render waits
        assert await get("/articles/a") == b"version 1"
        assert cache.tasks  # the re-render is under way
        release.set()
        await asyncio.gather(*cache.tasks)
        assert await get("/") == b"version 2"
        assert not cache.tasks

    release = None

    async def main():
        nonlocal release
        release = asyncio.Event()
        await scenario()

    asyncio.run(main())


def test_a_change_in_one_process_drops_cached_pages_in_every_process_within_a_second(engine):
    import asyncio

    from broadsheet.store import generations
    from broadsheet.web.cache import PageCache, SharedGeneration

    comments = {"n": 0}
    clock = FakeClock()

    async def app(scope, receive, send):
        if scope["method"] == "POST":
            comments["n"] += 1
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", b"/articles/a")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": f"{comments['n']} comments".encode()})

    def worker() -> PageCache:  # one web process: its own cache, the shared counter in the database
        shared = SharedGeneration(lambda: generations.read(engine), lambda: generations.bump(engine), clock=clock)
        return PageCache(app, ttl=300, shared=shared, clock=clock)

    first, second = worker(), worker()

    async def call(cache, method, path):
        sent = []

        async def send(message):
            sent.append(message)

        await cache({"type": "http", "method": method, "path": path, "query_string": b"", "headers": []}, None, send)
        return sent[-1]["body"]

    async def scenario():
        assert await call(first, "GET", "/articles/a") == b"0 comments"
        assert await call(second, "GET", "/articles/a") == b"0 comments"
        await call(first, "POST", "/comments")  # posted through the first process
        assert await call(first, "GET", "/articles/a") == b"1 comments"
        clock.now += 1.0  # a second later the other process has looked at the counter
        assert await call(second, "GET", "/articles/a") == b"1 comments"
        generations.bump(engine)  # a refresh stored new articles
        comments["n"] = 5
        clock.now += 1.0
        assert await call(first, "GET", "/articles/a") == b"5 comments"
        assert await call(second, "GET", "/articles/a") == b"5 comments"

    asyncio.run(scenario())


def test_a_form_that_changes_a_page_drops_it_from_the_cache():
    import asyncio

    from broadsheet.web.cache import PageCache

    comments = {"n": 0}

    async def app(scope, receive, send):
        if scope["method"] == "POST":
            comments["n"] += 1
            location = b"/moderation" if scope["path"].endswith("/hide") else b"/articles/a#comment-1"
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location)]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": f"{scope['path']} {comments['n']} comments".encode()})

    cache = PageCache(app, ttl=10, longer={"/articles/": 300})

    async def call(method, path):
        sent = []

        async def send(message):
            sent.append(message)

        await cache({"type": "http", "method": method, "path": path, "query_string": b"", "headers": []}, None, send)
        return sent[-1]["body"]

    async def scenario():
        assert await call("GET", "/articles/a") == b"/articles/a 0 comments"
        assert await call("GET", "/articles/b") == b"/articles/b 0 comments"
        await call("POST", "/comments")
        assert await call("GET", "/articles/a") == b"/articles/a 1 comments"  # dropped, rendered anew
        assert await call("GET", "/articles/b") == b"/articles/b 0 comments"  # untouched: still cached
        await call("POST", "/comments/7/hide")  # from the moderation queue: every article page goes
        assert await call("GET", "/articles/b") == b"/articles/b 2 comments"

    asyncio.run(scenario())


def _leaf_routes(routes, owner=None):
    """(route, the router that declared it) of every route, through FastAPI's included routers."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _leaf_routes(route.original_router.routes, route.original_router)
        else:
            yield route, owner


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def test_the_reader_pages_matched_first_share_no_path_with_any_other_route(engine, config):
    """web/app.py tries the reader pages' routes before the others, for speed; that is only safe
    while no other route could answer the same method and path."""
    from broadsheet.web import articles, coverage, search

    app = create_app(engine, config)
    first = {id(coverage.router), id(articles.router), id(search.router)}
    routes = list(_leaf_routes(app.router.routes))
    ahead = [r for r, owner in routes if id(owner) in first]
    others = [r for r, owner in routes if id(owner) not in first]
    assert len(ahead) >= 10 and len(others) >= 50  # the walk reached into the included routers
    clashes = []
    for page in ahead:
        example = re.sub(r"\{[^}]+\}", "x1", page.path)
        for other in others:
            shared = page.methods & (getattr(other, "methods", None) or {"GET", "HEAD", "POST"})
            path = getattr(other, "path", "")
            if (
                shared
                and (_pattern(path).match(example) or _pattern(page.path).match(re.sub(r"\{[^}]+\}", "x1", path)))
            ) or (not hasattr(other, "methods") and path and example.startswith(path + "/")):
                clashes.append((page.path, path))
    assert clashes == []


def test_templates_read_dict_keys_first_yet_resolve_like_jinja():
    import jinja2

    from broadsheet.web.app import _templates

    source = (
        "{{ d.text }}|{{ d.missing is undefined }}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|"
        "{{ d.get('text') }}|{{ o.real }}|{{ o.missing is undefined }}"
    )
    values = {"d": {"text": "<b>", "items": "a key named like a method"}, "o": 3}
    ours = _templates().env.from_string(source).render(values)
    assert ours == jinja2.Environment(autoescape=True).from_string(source).render(values)
    assert ours == "&lt;b&gt;|True|text=&lt;b&gt;;items=a key named like a method;|&lt;b&gt;|3|True"


def test_a_page_runs_in_the_event_loop_only_when_nothing_it_does_waits(client, engine, config, monkeypatch):
    """On SQLite with no language model an article page renders in the loop's own thread (no hop to
    a worker thread); a question, a language model or PostgreSQL send it to a worker thread, so the
    loop never waits on a network."""
    import asyncio

    from broadsheet.web import articles

    in_loop: list[bool] = []
    render = articles._article_page

    def recorded(*args, **kwargs):
        in_loop.append(asyncio.events._get_running_loop() is not None)  # None in a worker thread
        return render(*args, **kwargs)

    monkeypatch.setattr(articles, "_article_page", recorded)
    local = engine.dialect.name == "sqlite"
    assert client.get("/articles/a1").status_code == 200
    # (answering loads the answer model on first use: seconds)
    assert client.get("/articles/a1", params={"q": "what was repaired?"}, timeout=120).status_code == 200
    assert in_loop == [local, False]
    with_model = config.replace(llm_url="http://127.0.0.1:9/v1")  # nothing listens: no answer
    with AppServer(create_app(engine, with_model)) as base:
        assert httpx.get(f"{base}/articles/a1", timeout=60).status_code == 200
    assert in_loop == [local, False, False]
