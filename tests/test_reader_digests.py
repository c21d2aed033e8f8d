"""Readers' digests: an issue's contents (what they follow, less what they mute), the email delivered
to a real SMTP server on loopback (aiosmtpd, started here), once per period whoever sends it, the
unsubscribe link that works without signing in, and the private Atom feed at a secret address."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest
from httpserver import AppServer
from test_accounts import PASSWORD, csrf_of, login
from test_following import NOW, make_desk

from broadsheet.config import load_config
from broadsheet.pipeline import mailing
from broadsheet.store import follows as follow_store
from broadsheet.store import reader_digests as digest_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.web.app import create_app

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
PUBLIC = "http://news.example.org"  # http: the test talks plain http, where a Secure cookie never returns


class Inbox:
    """What the test's SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    """A real SMTP server on a loopback port; yields (inbox, port)."""
    box = Inbox()
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mail_config(config, inbox):
    _, port = inbox
    return config.replace(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="off",
        smtp_from="Broadsheet <digest@news.example.org>",
        public_url=PUBLIC,
    )


@pytest.fixture
def reader(engine):
    """A reader of the fictional desk who follows the Coast Herald, mutes "festival" and wants email."""
    desk = make_desk(engine)
    user = user_store.create_user(engine, "reader1", PASSWORD, "reader1@example.org")
    follow_store.follow(engine, user.id, "source", desk["herald"], "Coast Herald")
    follow_store.mute(engine, user.id, "word", "festival")
    digest_store.save_settings(engine, user.id, "daily", True)
    return user


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_an_issue_holds_the_top_stories_and_what_the_reader_follows_less_their_mutes(engine, reader):
    issue = digest_store.build_digest(engine, reader.id, reader.username, "daily", NOW + timedelta(minutes=1))
    assert [s.heading for s in issue.sections] == ["Top stories"]  # the followed outlet's news leads it already
    top = [item.title for item in issue.sections[0].items]
    assert top[0] == "New tide gauge installed at the breakwater"  # raised: the reader follows its outlet
    assert "Ferry crews strike over rosters" in top
    assert not any("festival" in item.title.lower() for s in issue.sections for item in s.items)
    later = digest_store.build_digest(engine, reader.id, reader.username, "daily", NOW + timedelta(days=3))
    assert later.empty  # nothing in that day


def test_each_followed_subject_lists_what_the_top_stories_left_out(engine, reader, monkeypatch):
    monkeypatch.setattr(digest_store, "TOP_STORIES", 1)
    gazette = next(s.id for s in source_store.list_sources(engine) if s.title == "Harbour Gazette")
    follow_store.follow(engine, reader.id, "source", gazette, "Harbour Gazette")
    issue = digest_store.build_digest(engine, reader.id, reader.username, "daily", NOW + timedelta(minutes=1))
    sections = {s.heading: [item.path for item in s.items] for s in issue.sections}
    # The ferry story (two outlets, one followed) leads; its lead is not listed again under its outlet.
    assert sections == {"Top stories": ["/stories/s-ferry"], "Coast Herald (source)": ["/articles/a-tide"]}


def test_the_digest_email_arrives_once_per_period(engine, reader, mail_config, inbox):
    box, _ = inbox
    report = mailing.send_due_digests(engine, mail_config, NOW + timedelta(minutes=1))
    assert (report.sent, report.failed) == (1, 0)
    rcpt, message = box.messages[0]
    assert rcpt == ["reader1@example.org"] and message["To"] == "reader1@example.org"
    assert message["Subject"].startswith("Your daily Broadsheet digest")
    body = _text(message)
    assert "New tide gauge installed at the breakwater" in body and f"{PUBLIC}/stories/s-tide" in body
    assert "festival" not in body.lower()
    unsubscribe = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{PUBLIC}/digests/unsubscribe/") and unsubscribe in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{PUBLIC}/stories/s-tide"' in message.get_body(("html",)).get_content()
    again = mailing.send_due_digests(engine, mail_config, NOW + timedelta(minutes=5))
    assert again.sent == 0 and len(box.messages) == 1  # this period's issue is sent
    tomorrow = NOW + timedelta(days=1, minutes=1)
    assert digest_store.due_recipients(engine, tomorrow, mail_config.digest_hour)


def test_two_senders_at_once_send_one_email(engine, reader, mail_config):
    hour = mail_config.digest_hour
    due = digest_store.due_recipients(engine, NOW, hour)
    assert len(due) == 1
    assert digest_store.claim(engine, due[0], NOW, hour) is True
    assert digest_store.claim(engine, due[0], NOW, hour) is False  # the other process lost the race
    assert digest_store.due_recipients(engine, NOW, hour) == []


def test_a_refused_email_is_kept_as_an_error_and_tried_again(engine, reader, mail_config, inbox):
    box, _ = inbox
    down = mail_config.replace(smtp_port=free_port())  # nothing listens there
    failed = mailing.send_due_digests(engine, down, NOW)
    assert failed.failed == 1 and "refused the digest for reader1" in failed.errors[0]
    settings = digest_store.settings_of(engine, reader.id)
    assert settings.last_error and settings.last_sent_at is None  # the claim was given back
    assert mailing.send_due_digests(engine, mail_config, NOW).sent == 1
    assert digest_store.settings_of(engine, reader.id).last_error is None and len(box.messages) == 1


def test_no_email_without_a_mail_server_or_a_public_address(engine, reader, config):
    assert mailing.can_send(config) == "smtp_host is not set"
    no_public = config.replace(smtp_host="127.0.0.1", smtp_from="x@example.org")
    assert "public_url" in mailing.can_send(no_public)
    assert mailing.send_due_digests(engine, no_public, NOW).sent == 0
    assert digest_store.settings_of(engine, reader.id).last_sent_at is None


def test_the_refresh_loop_and_the_job_send_due_digests(engine, reader, mail_config, inbox):
    from broadsheet.jobs import tasks
    from broadsheet.service import RefreshLoop

    box, _ = inbox
    RefreshLoop(engine, mail_config, 300).send_digests()  # what the embedded loop does after a pass
    assert len(box.messages) == 1
    with engine.begin() as conn:  # as if the period had turned
        conn.execute(digest_store.reader_digests.update().values(last_sent_at=datetime(2020, 1, 1, tzinfo=UTC)))
    assert tasks.send_reader_digests(tasks.Context(engine, mail_config, None)) == 1
    assert len(box.messages) == 2


def test_the_job_engine_sends_digests_every_few_minutes():
    import procrastinate
    from procrastinate.testing import InMemoryConnector

    from broadsheet.jobs import tasks

    app = procrastinate.App(connector=InMemoryConnector())
    tasks.register(app, tasks.Context(None, load_config(environ={}), None))
    periodic = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic[tasks.SEND_DIGESTS.name] == f"*/{tasks.DIGEST_EVERY} * * * *"


def test_period_starts_at_the_digest_hour_and_on_mondays():
    thursday = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)
    assert digest_store.period_start("daily", thursday, 6) == datetime(2026, 12, 2, 6, tzinfo=UTC)
    assert digest_store.period_start("daily", thursday, 5) == datetime(2026, 12, 3, 5, tzinfo=UTC)
    assert digest_store.period_start("weekly", thursday, 6) == datetime(2026, 11, 30, 6, tzinfo=UTC)


def test_the_unsubscribe_token_is_signed():
    secret = b"k" * 32
    token = digest_store.unsubscribe_token(secret, 7)
    assert digest_store.unsubscribe_reader(secret, token) == 7
    assert digest_store.unsubscribe_reader(secret, token.replace("7.", "8.", 1)) is None
    assert digest_store.unsubscribe_reader(b"other" * 8, token) is None
    assert digest_store.unsubscribe_reader(secret, "nonsense") is None


# --- over HTTP -------------------------------------------------------------------------------------


@pytest.fixture
def site(engine, mail_config, reader):
    with AppServer(create_app(engine, mail_config)) as base:
        yield base


def test_unsubscribe_works_without_signing_in_and_the_get_changes_nothing(engine, reader, site, mail_config, inbox):
    box, _ = inbox
    mailing.send_due_digests(engine, mail_config, NOW)
    link = re.fullmatch(r"<(.+)>", box.messages[0][1]["List-Unsubscribe"]).group(1)
    local = site + link.removeprefix(PUBLIC)
    with httpx.Client() as visitor:  # a fresh browser: no session
        page = visitor.get(local)
        assert page.status_code == 200 and "Stop digest emails" in page.text
        assert digest_store.settings_of(engine, reader.id).email_enabled  # a GET changes nothing
        assert visitor.post(local, data={}).status_code == 403  # a form without its token
        done = visitor.post(local, data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 200 and "no more digest emails" in done.text
    assert not digest_store.settings_of(engine, reader.id).email_enabled
    assert httpx.get(local[:-3] + "abc").status_code == 404  # a forged signature


def test_one_click_unsubscribe_from_a_mail_client(engine, reader, site):
    secret = user_store.site_secret(engine, mailing.UNSUBSCRIBE_SECRET)
    path = f"/digests/unsubscribe/{digest_store.unsubscribe_token(secret, reader.id)}"
    answer = httpx.post(site + path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not digest_store.settings_of(engine, reader.id).email_enabled


def test_the_private_feed_has_the_issue_and_links_to_the_public_address(engine, reader, site):
    with httpx.Client(base_url=site) as http:
        login(http, "reader1")
        page = http.get("/following")
        assert "Make my digest feed" in page.text
        assert http.post("/following/feed", data={"csrf_token": csrf_of(page.text)}).status_code == 303
        shown = http.get("/following").text
    feed_url = re.search(r'value="(http://news\.example\.org/digests/[^"]+\.atom)"', shown).group(1)
    local = site + feed_url.removeprefix(PUBLIC)
    answer = httpx.get(local, headers={"Host": "evil.example"})  # no cookies: the token is the key
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(answer.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    content = root.find("a:entry/a:content", ns).text
    assert "New tide gauge installed at the breakwater" in content and f"{PUBLIC}/stories/s-tide" in content
    assert "evil.example" not in answer.text and "festival" not in content.lower()
    assert root.find("a:link[@rel='self']", ns).get("href") == feed_url
    assert httpx.get(site + "/digests/not-a-token.atom").status_code == 404
    with httpx.Client(base_url=site) as http:  # a new address: the old one stops working
        login(http, "reader1")
        http.post("/following/feed", data={"csrf_token": csrf_of(http.get("/following").text)})
    assert httpx.get(local).status_code == 404


def test_digest_settings_are_saved_from_the_following_page(engine, reader, site):
    with httpx.Client(base_url=site) as http:
        login(http, "reader1")
        token = csrf_of(http.get("/following").text)
        bad = http.post(
            "/following/digest", data={"csrf_token": token, "email": "not an address", "email_enabled": "on"}
        )
        assert bad.status_code == 400 and "does not look like an email address" in bad.text
        data = {"csrf_token": token, "frequency": "weekly", "email": "new@example.org"}
        assert http.post("/following/digest", data=data).status_code == 303
    settings = digest_store.settings_of(engine, reader.id)
    assert settings.frequency == "weekly" and not settings.email_enabled
    assert user_store.find_user(engine, "reader1").email == "new@example.org"


def test_the_digests_command_says_why_it_cannot_send(tmp_path):
    env = {"BROADSHEET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "broadsheet", "digests", "send"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1 and "smtp_host is not set" in done.stdout
