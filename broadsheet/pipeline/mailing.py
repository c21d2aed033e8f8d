"""Readers' digests by email: who is due, one issue each, sent over SMTP. Run by the job side only
(the embedded refresh loop, the job engine's periodic job, `broadsheet digests send`), never by a
page view. Links are built from `public_url`: a process sending mail has no request to trust."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from markupsafe import escape
from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.store import reader_digests as digest_store
from broadsheet.store.reader_digests import Digest, Recipient
from broadsheet.store.users import site_secret
from broadsheet.text.urls import safe_url

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 30.0  # seconds: a stuck mail server must not hold the refresh loop for ever
UNSUBSCRIBE_SECRET = "unsubscribe"  # the name of the site secret signing unsubscribe links


@dataclass
class MailingReport:
    """What one sending pass did."""

    sent: int = 0
    empty: int = 0  # due, but nothing in the period for them: no email
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def mail_base(config: Config) -> str:
    """The site's address for links in emails: `public_url`, or "" when it is not set."""
    public = safe_url(config.public_url)
    return public.rstrip("/") if public else ""


def can_send(config: Config) -> str | None:
    """Why digest emails cannot be sent with these settings (None: they can)."""
    if not config.smtp_host:
        return "smtp_host is not set"
    if not config.smtp_from:
        return "smtp_from is not set"
    if not mail_base(config):
        return "public_url is not set (links in emails need the site's public address)"
    return None


def digest_title(digest: Digest) -> str:
    """The subject of an issue."""
    return f"Your {digest.frequency} Broadsheet digest, {digest.end:%A} {digest.end.day} {digest.end:%B %Y}"


def digest_text(digest: Digest, base: str, unsubscribe: str = "") -> str:
    """An issue as plain text."""
    lines = [digest_title(digest), ""]
    for section in digest.sections:
        if not section.items:
            continue
        lines += [section.heading, "=" * len(section.heading), ""]
        for item in section.items:
            lines.append(f"* {item.title}")
            if item.sources:
                lines.append(f"  {', '.join(item.sources)}")
            lines += [f"  {base}{item.path}", ""]
    if unsubscribe:
        lines += ["--", f"Stop these emails: {unsubscribe}", f"Change your digest: {base}/following"]
    return "\n".join(lines) + "\n"


def digest_html(digest: Digest, base: str, unsubscribe: str = "") -> str:
    """An issue as HTML (every value escaped): the email's second part, the feed entry's content."""
    parts = []
    for section in digest.sections:
        if not section.items:
            continue
        parts.append(f"<h2>{escape(section.heading)}</h2><ul>")
        for item in section.items:
            sources = f"<br><small>{escape(', '.join(item.sources))}</small>" if item.sources else ""
            excerpt = f"<br>{escape(item.excerpt)}" if item.excerpt else ""
            parts.append(f'<li><a href="{escape(base + item.path)}">{escape(item.title)}</a>{sources}{excerpt}</li>')
        parts.append("</ul>")
    if unsubscribe:
        parts.append(
            f'<p><small><a href="{escape(unsubscribe)}">Stop these emails</a> · '
            f'<a href="{escape(base)}/following">Change your digest</a></small></p>'
        )
    return "".join(parts)


def compose(config: Config, digest: Digest, to: str, unsubscribe: str) -> EmailMessage:
    """The email of one issue: plain text and HTML, with one-click unsubscribe headers (RFC 8058)."""
    base = mail_base(config)
    message = EmailMessage()
    message["Subject"] = digest_title(digest)
    message["From"] = config.smtp_from
    message["To"] = to
    message["Date"] = format_datetime(digest.end)
    message["Message-ID"] = make_msgid("digest", domain=urlsplit(base).hostname or "broadsheet.invalid")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(digest_text(digest, base, unsubscribe))
    heading = f"<h1>{escape(digest_title(digest))}</h1>"
    message.add_alternative(
        f"<!doctype html><html><body>{heading}{digest_html(digest, base, unsubscribe)}</body></html>", subtype="html"
    )
    return message


def send_message(config: Config, message: EmailMessage) -> None:
    """Hand one email to the configured mail server."""
    context = ssl.create_default_context()
    if config.smtp_tls == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        server = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=SMTP_TIMEOUT)
    with server:
        if config.smtp_tls == "starttls":
            server.starttls(context=context)
        if config.smtp_user:
            server.login(config.smtp_user, config.smtp_password)
        server.send_message(message)


def unsubscribe_url(config: Config, secret: bytes, user_id: int) -> str:
    """The link in a reader's emails that stops them, without signing in."""
    return f"{mail_base(config)}/digests/unsubscribe/{digest_store.unsubscribe_token(secret, user_id)}"


def send_due_digests(engine: Engine, config: Config, now: datetime | None = None) -> MailingReport:
    """Send every digest email that is due; each reader is claimed first, so two processes running
    this at once send each issue once. A failure is kept on the reader's row and tried next pass."""
    report = MailingReport()
    reason = can_send(config)
    if reason:
        log.debug("digests: no emails sent: %s", reason)
        return report
    now = now or datetime.now(UTC)
    secret = site_secret(engine, UNSUBSCRIBE_SECRET)
    for recipient in digest_store.due_recipients(engine, now, config.digest_hour):
        if not digest_store.claim(engine, recipient, now, config.digest_hour):
            continue  # another process has it
        _send_one(engine, config, secret, recipient, now, report)
    return report


def _send_one(
    engine: Engine, config: Config, secret: bytes, recipient: Recipient, now: datetime, report: MailingReport
) -> None:
    digest = digest_store.build_digest(engine, recipient.user_id, recipient.username, recipient.frequency, now)
    if digest.empty:
        report.empty += 1
        digest_store.record_outcome(engine, recipient, None)
        return
    message = compose(config, digest, recipient.email, unsubscribe_url(config, secret, recipient.user_id))
    try:
        send_message(config, message)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"mail: {config.smtp_host}:{config.smtp_port} refused the digest for {recipient.username} ({exc})"
        log.warning("%s", error)
        report.failed += 1
        report.errors.append(error)
        digest_store.record_outcome(engine, recipient, error)
        return
    report.sent += 1
    digest_store.record_outcome(engine, recipient, None)
