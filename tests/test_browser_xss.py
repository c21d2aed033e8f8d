"""Hostile publishers and importers against a real browser (Debian's chromium, Playwright): script
URLs in feeds, JSON Feed, OPML and imports, hostile image URLs, NUL bytes, and every sanitizer case of
feedparser's test suite (read from ../shared/data at test time). Nothing may run on load, on click or
on Enter; an inline script injected into a page is blocked by the Content-Security-Policy and reported."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from xml.sax.saxutils import quoteattr

import httpserver
import pytest
from fixtures_html import article_page
from httpserver import AppServer, Reply

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SANITIZER_CASES = (
    Path(__file__).resolve().parents[2] / "shared/data/feeds/kurtmckee_feedparser/tests/wellformed/sanitize"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)"
)
SCRIPT_URLS = [
    "javascript:alert('xss')",
    " JaVaScRiPt:alert('xss')",
    "java\tscript:alert('xss')",
    "data:text/html,<script>alert('xss')</script>",
    "vbscript:msgbox('xss')",
]
# Recorded in every page before its own scripts: dialogs, CSP reports, any sign a payload ran.
WATCH = """
window.__xss = []; window.__csp = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) { window[name] = (m) => window.__xss.push(name + ':' + m); }
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
// A click (or Enter) on a link to another site is recorded and stopped, so the page stays under test;
// any other link (a script URL, had one got through) is left to the browser to follow, or run.
window.__left = [];
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href]');
  if (a && /^https?:$/.test(a.protocol) && a.origin !== location.origin) { e.preventDefault(); window.__left.push(a.href); }
}, true);
"""


def _hostile_feeds(server: httpserver.TestServer) -> None:
    """An RSS feed and a JSON Feed whose site links, entry links and titles carry script."""
    page = server.url("/story")
    items = "".join(
        f"<item><title>&lt;script&gt;alert('t{n}')&lt;/script&gt;Title\x01{n}</title><link>{u.replace('<', '&lt;')}"
        f"</link></item>"
        for n, u in enumerate(SCRIPT_URLS)
    )
    rss = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>Hostile &lt;img src=x onerror=alert(1)&gt;"
        f"</title><link>javascript:alert('channel')</link>{items}<item><title>Real story</title>"
        f"<link>{page}</link></item></channel></rss>"
    )
    json_feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON <svg onload=alert(1)>",
        "home_page_url": "javascript:alert('home')",
        "items": [{"id": "1", "url": u, "title": "json"} for u in SCRIPT_URLS],
    }
    html = article_page().replace(
        "<head>",
        "<head><link rel='canonical' href='javascript:alert(\"canon\")'>"
        "<meta property='og:image' content='javascript:alert(\"img\")'>",
        1,
    )
    server.routes.update(
        {
            "/rss.xml": Reply(200, rss.encode(), {"Content-Type": "application/rss+xml"}),
            "/feed.json": Reply(200, json.dumps(json_feed).encode(), {"Content-Type": "application/json"}),
            "/story": Reply(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"}),
        }
    )


def _sanitizer_records() -> list[dict]:
    """Every sanitizer case of feedparser's suite as parsed by our feed parser, as import records."""
    from broadsheet.errors import FeedError
    from broadsheet.ingest.feeds import parse_feed

    records = []
    for path in sorted(SANITIZER_CASES.glob("*.xml")):
        try:
            feed = parse_feed(path.read_bytes(), "http://pub.example/feed")
        except FeedError:
            continue
        for entry in feed.entries or []:
            body = " ".join(filter(None, (entry.summary, entry.content_html))) or "empty"
            records.append(
                {
                    "id": path.stem,
                    "title": entry.title or feed.title,
                    "text": body,
                    "byline": entry.author,
                    "source": feed.title,
                }
            )
        if not feed.entries:
            records.append({"id": path.stem, "title": feed.title or path.stem, "text": "feed-level case"})
    # Titles and first paragraphs show on /latest; whole bodies on article pages, 40 cases to a page.
    bodies = [f"{r['id']}: {r['text']}" for r in records]
    records += [
        {"id": f"cases-{n}", "title": f"Sanitizer cases {n}", "text": "\n\n".join(bodies[n : n + 40])}
        for n in range(0, len(bodies), 40)
    ]
    return records


IMPORTS = (
    [{"id": "js-url", "url": u, "title": "Script URL", "text": "Body."} for u in SCRIPT_URLS]
    + [
        {"id": "js-image", "url": "https://pub.example/img", "title": "Image", "text": "Body.", "image": u}
        for u in SCRIPT_URLS
    ]
    + [
        {"id": "nul", "url": "https://pub.example/nul", "title": "Nul\u0000 <b>byte</b>", "text": "A\u0000 b\u000b c."},
        {"id": "bad-port", "url": "http://example.org:99999/x", "title": "Port", "text": "Body."},
        {
            "id": "onerror",
            "url": "https://pub.example/onerror",
            "title": "<img src=x onerror=alert(1)>",
            "text": "<script>alert(1)</script>",
            "image": 'https://pub.example/x.png" onerror="alert(1)',
        },
    ]
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A desk that ingested every hostile input through the real paths: feeds, OPML, JSONL import."""
    from broadsheet.config import load_config
    from broadsheet.ingest.feeds import read_opml
    from broadsheet.pipeline.bulk import import_jsonl
    from broadsheet.pipeline.runner import refresh
    from broadsheet.store import sources as source_store
    from broadsheet.store.db import open_database
    from broadsheet.web.app import create_app

    folder = tmp_path_factory.mktemp("xss")
    config = load_config(
        environ={},
        data_dir=str(folder),
        allow_private_addresses=True,
        per_host_delay=0.0,
        page_cache_seconds=0.0,
        page_size=1000,
        embeddings="off",
    )
    engine = open_database(config.resolved_database_url)
    records = IMPORTS + (_sanitizer_records() if SANITIZER_CASES.is_dir() else [])
    (folder / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    import_jsonl(engine, folder / "in.jsonl")
    opml = "".join(f'<outline text="o" xmlUrl={quoteattr(u)} htmlUrl={quoteattr(u)}/>' for u in SCRIPT_URLS)
    opml += f'<outline text="ok" xmlUrl="http://pub.example/ok.xml" htmlUrl={quoteattr(SCRIPT_URLS[0])}/>'
    for source in read_opml(f'<opml version="2.0"><body>{opml}</body></opml>'.encode()).sources:
        source_store.add_source(engine, source.feed_url, source.title, source.site_url)
    with httpserver.TestServer() as publisher:
        _hostile_feeds(publisher)
        for path in ("/rss.xml", "/feed.json"):
            source_store.add_source(engine, publisher.url(path))
        asyncio.run(refresh(engine, config))
    with AppServer(create_app(engine, config)) as base:
        yield base, engine


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _watched_page(browser, base: str):
    """A page that records dialogs and CSP reports, and never leaves the site (navigations away are
    aborted and recorded: a script URL cannot even be requested)."""
    page = browser.new_page()
    page.add_init_script(WATCH)
    escaped: list[str] = []
    page.on("dialog", lambda dialog: (escaped.append("dialog:" + dialog.message), dialog.dismiss()))
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(base)
            else (escaped.append(route.request.resource_type + ":" + route.request.url), route.abort())
        ),
    )
    return page, escaped


def _case_prefixes() -> tuple[str, ...]:
    return tuple({p.stem for p in SANITIZER_CASES.glob("*.xml")}) if SANITIZER_CASES.is_dir() else ()


def _pages(base: str, engine) -> list[str]:
    from broadsheet.store import articles as article_store
    from broadsheet.store import sources as source_store

    # Every article page but the one-case ones (their title and first paragraph are on /latest, their
    # whole body on a "Sanitizer cases" page): a few dozen pages instead of hundreds.
    ids = [
        a.id
        for a in article_store.latest_articles(engine, limit=5000)
        if not (a.import_id or "").startswith(_case_prefixes())
    ]
    sources = [f"/sources/{s.id}" for s in source_store.list_sources(engine)]
    return ["/", "/latest", "/sources", "/search?q=script", *sources, *[f"/articles/{i}" for i in ids]]


def _back(page, url: str) -> None:
    """Settle after a click, then return to the page under test if the click left it."""
    page.wait_for_load_state("load")
    if page.url != url:
        page.goto(url, wait_until="load")


def test_nothing_hostile_runs_on_load_click_or_enter(hostile_site, browser):
    base, engine = hostile_site
    page, escaped = _watched_page(browser, base)
    pages = _pages(base, engine)
    assert len(pages) > 25  # the sanitizer corpus and the hostile imports are all on the site
    for path in pages:
        page.goto(base + path, wait_until="load")
        hrefs = page.eval_on_selector_all(
            "[href], [src], [action]",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))",
        )
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))], path
        links = page.locator("a.source, p.original a, .meta a[rel~=noopener]")
        for n in range(links.count()):  # the links a publisher controls: click them, and press Enter on them
            links.nth(n).click()
            links.nth(n).focus()
            page.keyboard.press("Enter")
            _back(page, base + path)
        assert page.evaluate("window.__left.length") == 2 * links.count(), path  # every one was an http(s) link
        assert page.evaluate("window.__xss") == [] and page.evaluate("window.__csp") == [], path
    assert not [e for e in escaped if e.startswith(("dialog:", "script:", "document:javascript"))], escaped[:5]
    page.close()


def test_an_injected_inline_script_is_blocked_and_reported(hostile_site, browser):
    base, _ = hostile_site
    page, _ = _watched_page(browser, base)
    response = page.goto(base + "/latest")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = "window.__ran = true";
        document.body.appendChild(script);
        const div = document.createElement('div');
        div.setAttribute('onclick', 'window.__clicked = true');
        div.textContent = 'click me';
        document.body.appendChild(div);
    }""")
    page.get_by_text("click me").click()
    page.wait_for_function("window.__csp.length >= 2")  # the violation events arrive asynchronously
    assert page.evaluate("window.__ran") is None and page.evaluate("window.__clicked") is None
    assert all(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    page.close()


def test_the_site_cannot_be_framed(hostile_site, browser):
    base, _ = hostile_site
    page, _ = _watched_page(browser, base)
    page.goto(base + "/latest")
    page.evaluate(
        """(url) => { const f = document.createElement('iframe'); f.src = url; f.id = 'inner';
                     document.body.appendChild(f); }""",
        base + "/login",
    )
    page.wait_for_function("window.__csp.length >= 1 || document.getElementById('inner').contentDocument === null")
    assert page.frame_locator("#inner").locator("form").count() == 0  # frame-ancestors 'none' / X-Frame-Options
    page.close()
