"""The personal layer in a real browser (Debian's chromium driven by Playwright) on the demo newsroom:
sign up, follow a source and see the For you page change, mute a word and see its article gone
from every listing, then get the digest by feed and by email (a real SMTP server on loopback) and
stop the emails from the link in one, without signing in."""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import socket
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from httpserver import AppServer
from test_browser import CHROMIUM, FLAGS, PASSWORD

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
PUBLIC = "http://news.example.org"  # links in emails and feeds use it: the test maps it back to the site


class Inbox:
    """What the test's SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The demo newsroom collected into a site, a mail server for it; yields (base, engine, config, inbox)."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from broadsheet.config import load_config
    from broadsheet.demo.run import ingest_newsroom
    from broadsheet.demo.server import start_newsroom
    from broadsheet.store.db import open_database
    from broadsheet.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    data = tmp_path_factory.mktemp("browser-personal")
    config = load_config(
        environ={},
        data_dir=str(data),
        allow_private_addresses=True,
        per_host_delay=0.0,
        page_cache_seconds=0.0,
        public_url=PUBLIC,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="off",
        smtp_from="Broadsheet <digest@news.example.org>",
    )
    engine = open_database(config.resolved_database_url)
    try:
        with start_newsroom() as newsroom:
            ingest_newsroom(engine, config, newsroom)
        with AppServer(create_app(engine, config)) as base:
            yield base, engine, config, inbox
    finally:
        controller.stop()
        engine.dispose()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _sign_up(browser, base: str):
    page = browser.new_context().new_page()
    page.goto(base + "/register")
    page.get_by_label("Username").fill("riley")
    page.get_by_label("Email").fill("riley@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("link", name="For you").is_visible()
    return page


def _titles(page) -> list[str]:
    return page.locator(".story-card h2 a").all_inner_texts()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("BROADSHEET_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_follow_save_mute_and_digests_in_a_browser(desk, browser, shots):
    base, engine, config, inbox = desk
    page = _sign_up(browser, base)
    page.get_by_role("link", name="For you").click()
    before = _titles(page)
    assert len(before) >= 3 and page.get_by_text("You follow nothing yet").is_visible()
    # Follow the outlets of the story at the bottom of the page: it (and their other stories) rise.
    last = page.locator(".story-card").last.locator(".meta").inner_text()
    outlet = re.search(r"sources?: ([^,·]+)", last).group(1).strip()
    page.goto(base + "/sources")
    page.get_by_role("link", name=outlet, exact=True).first.click()
    page.get_by_role("button", name=f"Follow {outlet}").click()
    assert page.get_by_role("button", name=f"Unfollow {outlet}").is_visible()
    page.goto(base + "/for-you")
    after = _titles(page)
    assert after != before and page.locator(".because", has_text=outlet).count() >= 1
    page.screenshot(path=str(shots / "for-you.png"), full_page=True)
    _save_an_article(page, base)
    muted = _mute_a_word(page, base)
    page.goto(base + "/for-you")
    _digest_by_feed_and_email(page, base, engine, config, inbox, browser, _titles(page), muted)
    page.screenshot(path=str(shots / "following.png"), full_page=True)


def _save_an_article(page, base: str) -> None:
    """Save ("read later") from the article page; the Saved page lists it, and unsaving empties it."""
    page.goto(base + "/saved")
    assert page.get_by_text("Nothing saved yet").is_visible()
    page.goto(base + "/latest")
    link = page.locator(".card-title a").first
    title = link.inner_text().strip()
    link.click()
    page.locator("main").get_by_role("button", name="Save", exact=True).first.click()
    assert page.locator("main").get_by_role("button", name="Saved: unsave").first.is_visible()
    page.get_by_role("link", name="Saved", exact=True).click()
    assert page.locator(".card-title a", has_text=title).count() == 1
    page.locator("main").get_by_role("button", name="Saved: unsave").first.click()
    page.goto(base + "/saved")
    assert page.get_by_text("Nothing saved yet").is_visible()


def _mute_a_word(page, base: str) -> str:
    """Mute a word of the newest article's headline: that article leaves every listing."""
    page.goto(base + "/latest")
    title = page.locator(".card-title a").first.inner_text()
    word = max(re.findall(r"[A-Za-z]{5,}", title), key=len)
    searched = f"/search?q={quote(word)}"
    page.goto(base + searched)
    assert page.locator(".card-title a", has_text=title).count() == 1
    page.goto(base + "/following")
    page.get_by_label("Mute a word or phrase").fill(word)
    page.get_by_role("button", name="Mute word").click()
    assert page.get_by_role("button", name=f"Unmute {word.lower()}").is_visible()
    for path in ("/latest", searched, "/", "/for-you"):
        page.goto(base + path)
        assert page.locator("main").get_by_text(title, exact=True).count() == 0, path
    return title


def _digest_by_feed_and_email(page, base, engine, config, inbox, browser, titles, muted) -> None:
    from broadsheet.pipeline.mailing import send_due_digests

    page.goto(base + "/following")
    page.get_by_label("Weekly (Mondays)").check()
    page.get_by_label("Send it to me by email").check()
    page.get_by_role("button", name="Save digest settings").click()
    assert page.get_by_text("Your digest settings are saved").is_visible()
    page.get_by_role("button", name="Make my digest feed").click()
    feed_url = page.get_by_label("Feed address").input_value()
    assert feed_url.startswith(PUBLIC + "/digests/")
    feed = page.request.get(base + feed_url.removeprefix(PUBLIC))
    assert feed.ok
    entry = html.unescape(ET.fromstring(feed.body()).find("{http://www.w3.org/2005/Atom}entry/{*}content").text)
    assert titles[0] in entry and muted not in entry  # the reader's first story; never what they muted
    report = send_due_digests(engine, config)  # what the refresh loop or the job does, never a page view
    assert report.sent == 1 and len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "riley@example.org" and "weekly" in message["Subject"]
    assert titles[0] in message.get_body(("plain",)).get_content()
    link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    stranger = browser.new_context().new_page()  # not signed in
    stranger.goto(base + link.removeprefix(PUBLIC))
    stranger.get_by_role("button", name="Stop digest emails").click()
    assert stranger.get_by_text("You will get no more digest emails").is_visible()
    page.goto(base + "/following")
    assert not page.get_by_label("Send it to me by email").is_checked()
