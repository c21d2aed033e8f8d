"""A reader in a real browser (Debian's chromium driven by Playwright) on the demo newsroom:
read, use the AI panel, ask, register, comment, reply, report, moderate, search. Screenshots of
the main pages go to $BROADSHEET_SCREENSHOTS (default: the test's temporary folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from httpserver import AppServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from broadsheet.config import load_config
    from broadsheet.demo.run import ingest_newsroom
    from broadsheet.demo.server import start_newsroom
    from broadsheet.store.db import open_database
    from broadsheet.store.users import create_user
    from broadsheet.web.app import create_app

    data = tmp_path_factory.mktemp("browser")
    config = load_config(
        environ={}, data_dir=str(data), allow_private_addresses=True, per_host_delay=0.0, page_cache_seconds=0.0
    )
    engine = open_database(config.resolved_database_url)
    create_user(engine, "morgan", PASSWORD, role="moderator")
    with start_newsroom() as newsroom:
        ingest_newsroom(engine, config, newsroom)
        with AppServer(create_app(engine, config)) as base:
            yield base


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("BROADSHEET_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_read_an_article_and_ask_the_ai_panel(site, browser, shots):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(site + "/")
    page.screenshot(path=str(shots / "front.png"), full_page=True)
    page.locator(".story-card h2 a").first.click()
    assert page.locator("h1#story-heading").is_visible()
    page.screenshot(path=str(shots / "story.png"), full_page=True)
    page.locator(".coverage a").first.click()
    assert page.locator("h1#headline").is_visible()
    assert page.locator(".body p").count() >= 3
    panel = page.locator("section.ai-panel")
    assert panel.is_visible() and panel.locator(".key-points li").count() >= 3
    page.get_by_label("Question").fill("Who said what about it?")
    page.get_by_role("button", name="Ask").click()
    answer = page.locator("#answer")
    assert answer.is_visible()
    assert answer.locator("blockquote").count() >= 1 or "The sources do not say" in answer.inner_text()
    page.screenshot(path=str(shots / "article.png"), full_page=True)
    mobile = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="dark")
    mobile.goto(page.url)
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no horizontal scrolling on a phone"
    mobile.screenshot(path=str(shots / "article-mobile-dark.png"), full_page=True)


def register(browser, site: str, name: str):
    page = browser.new_context().new_page()
    page.goto(site + "/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text(name).first.is_visible()
    return page


def test_register_comment_reply_report_and_moderate(site, browser):
    casey = register(browser, site, "casey")
    casey.goto(site + "/latest")
    casey.locator(".card-title a").first.click()
    article_url = casey.url
    casey.get_by_label("Add a comment").fill("A first comment about the harbour, see https://example.org/x")
    casey.get_by_role("button", name="Post comment").click()
    comment = casey.locator(".comment").first
    assert "A first comment" in comment.inner_text()
    assert comment.locator('a[rel="nofollow ugc"]').count() == 1

    devon = register(browser, site, "devon")
    devon.goto(article_url)
    devon.locator(".comment").first.get_by_role("link", name="Reply").click()
    devon.get_by_label("Your reply").fill("I disagree, and politely say so.")
    devon.locator("main form button[type=submit]").click()
    assert devon.locator(".comment-replies .comment").count() == 1
    devon.locator(".comment").first.get_by_role("link", name="Report").first.click()
    devon.locator("input[name=reason]").first.check()
    devon.get_by_role("button", name="Send report").click()

    moderator = browser.new_context().new_page()
    moderator.goto(site + "/login")
    moderator.get_by_label("Username").fill("morgan")
    moderator.get_by_label("Password").fill(PASSWORD)
    moderator.get_by_role("button", name="Log in").click()
    moderator.goto(site + "/moderation")
    assert "A first comment" in moderator.locator("main").inner_text()
    moderator.get_by_role("button", name="Hide").first.click()
    devon.goto(article_url)
    assert "A first comment" not in devon.locator("section.comments").inner_text()
    assert "I disagree" in devon.locator("section.comments").inner_text()


def test_search_from_the_header(site, browser, shots):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(site + "/")
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Search the news").fill("harbour strike")
    page.get_by_role("button", name="Search").click()
    results = page.locator(".card-title a")
    assert results.count() >= 1
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    results.first.click()
    assert page.locator("h1#headline").is_visible()


TARGETS = (
    "header a, header button, .sections a, .pager a, .full-coverage a, .also a, .original a, a.cite, "
    ".coverage li > a, .related-list li > a, main button, main select, main input:not([type=hidden])"
)


def small_targets(page) -> list[str]:
    """Visible controls and standalone links smaller than 24 by 24 CSS pixels (WCAG 2.2, 2.5.8)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.height < 24 || r.width < 24)
            .map(([e, r]) => `${e.tagName.toLowerCase()}.${e.className} "${e.textContent.trim().slice(0, 30)}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`)""",
        TARGETS,
    )


def own_pictures(page, site: str) -> list[str]:
    """The sources of every picture on the page, after checking that each is the site's own."""
    sources = page.evaluate("[...document.images].map(i => i.currentSrc || i.src)")
    assert sources and all(src.startswith(site + "/pictures/") for src in sources), sources
    return sources


def test_pictures_full_coverage_first_and_touch_targets(site, browser, shots):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    for path, card in (("/", ".story-card"), ("/latest", ".card")):
        page.goto(site + path)
        assert page.locator(f"{card} img.thumb").count() >= 3, path
        page.wait_for_function(
            "() => { const i = document.querySelector('img.thumb'); return i.complete && i.naturalWidth > 0; }"
        )
        own_pictures(page, site)
    page.goto(site + "/")
    page.locator(".story-card h2 a").first.click()
    story_url = page.url
    assert page.locator("figure.lead-image img").count() == 1
    own_pictures(page, site)
    coverage, panel = page.locator("section.coverage").bounding_box(), page.locator("section.ai-panel").bounding_box()
    assert coverage and panel and coverage["y"] < panel["y"]
    assert page.locator(".first-report").is_visible()
    page.locator(".coverage li > a").first.click()
    banner = page.locator(".full-coverage")
    assert "Full coverage:" in banner.inner_text() and "Original:" in banner.inner_text()
    box, panel = banner.bounding_box(), page.locator("section.ai-panel").bounding_box()
    assert box and panel and box["y"] < panel["y"]  # the story before the AI panel
    article_url = page.url
    mobile = browser.new_page(viewport={"width": 390, "height": 844})
    for url in (article_url, story_url):
        mobile.goto(url)
        assert small_targets(mobile) == [], url
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    mobile.screenshot(path=str(shots / "story-mobile.png"), full_page=True)
