"""A reader's digest on the web: their private Atom feed at a secret address, and the unsubscribe
link of their emails, which works without signing in (a GET asks, a POST unsubscribes)."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from broadsheet import __version__
from broadsheet.errors import NotFound
from broadsheet.pipeline.mailing import UNSUBSCRIBE_SECRET, digest_html, digest_title
from broadsheet.store import reader_digests as digest_store
from broadsheet.store.reader_digests import Digest
from broadsheet.store.users import site_secret
from broadsheet.text.sanitize import xml_text
from broadsheet.web.accounts import Accounts
from broadsheet.web.atom import ATOM
from broadsheet.web.security import site_base

ONE_CLICK = "One-Click"  # RFC 8058: what a mail client POSTs as List-Unsubscribe


def _issue_key(digest: Digest) -> str:
    """The issue's name in its period: the day, or the ISO week."""
    year, week, _ = digest.end.isocalendar()
    return f"{year}-W{week:02d}" if digest.frequency == "weekly" else digest.end.strftime("%Y-%m-%d")


def digest_feed(digest: Digest, base: str, self_url: str) -> bytes:
    """An Atom document holding the current issue as one entry (its id names the day or week, so a
    feed reader shows a new entry each period and updates the one in hand)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element("feed", {"xmlns": ATOM})
    # The newest line's time: a feed reader polling within a period sees the entry change only with it.
    times = [item.when for section in digest.sections for item in section.items if item.when]
    updated = max(times, default=digest.start).astimezone(UTC).isoformat()
    fields = {"title": f"Broadsheet: {digest.username}'s {digest.frequency} digest", "updated": updated}
    fields["id"] = f"urn:broadsheet:digest:{digest.user_id}:{digest.frequency}"
    for tag, value in fields.items():
        ET.SubElement(feed, tag).text = xml_text(value)
    ET.SubElement(feed, "link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": f"{base}/for-you", "type": "text/html"})
    ET.SubElement(feed, "generator", {"version": __version__}).text = "Broadsheet"
    entry = ET.SubElement(feed, "entry")
    ET.SubElement(entry, "title").text = xml_text(digest_title(digest))
    ET.SubElement(entry, "id").text = f"{fields['id']}:{_issue_key(digest)}"
    ET.SubElement(entry, "updated").text = updated
    ET.SubElement(entry, "link", {"rel": "alternate", "href": f"{base}/for-you", "type": "text/html"})
    ET.SubElement(ET.SubElement(entry, "author"), "name").text = "Broadsheet"
    body = digest_html(digest, base) if not digest.empty else "<p>Nothing new in this period.</p>"
    ET.SubElement(entry, "content", {"type": "html"}).text = xml_text(body)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def reader_digests_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """Routes: /digests/{token}.atom and /digests/unsubscribe/{token}."""
    router = APIRouter()
    engine, config = accounts.engine, accounts.config

    @router.get("/digests/{token}.atom", include_in_schema=False)
    def feed(request: Request, token: str) -> Response:
        found = digest_store.reader_of_feed(engine, token)
        if found is None:
            raise NotFound("digests: no digest feed at this address (it may have been replaced)")
        user_id, username, settings = found
        base = site_base(config)  # public_url (or the listening address): never the Host a client sent
        digest = digest_store.build_digest(engine, user_id, username, settings.frequency, datetime.now(UTC))
        body = digest_feed(digest, base, f"{base}/digests/{token}.atom")
        headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"}
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)

    _unsubscribe_routes(router, accounts, templates)
    return router


def _unsubscribe_routes(router: APIRouter, accounts: Accounts, templates: Jinja2Templates) -> None:
    """The link in every digest email: a GET asks, a POST (the form, or a mail client's one click) stops them."""
    secret = site_secret(accounts.engine, UNSUBSCRIBE_SECRET)  # made (or read) at start-up: a GET must not write

    def reader_of(token: str) -> int:
        user_id = digest_store.unsubscribe_reader(secret, token)
        if user_id is None:
            raise NotFound("digests: this unsubscribe link is not valid")
        return user_id

    def page(request: Request, done: bool) -> HTMLResponse:
        csrf, new = accounts.anonymous_token(request)
        context = {"csrf": csrf, "done": done, "action": request.url.path}
        response = templates.TemplateResponse(request, "personal/unsubscribe.html", context)
        accounts.remember_anonymous_token(request, response, csrf, new)
        return response

    @router.get("/digests/unsubscribe/{token}", response_class=HTMLResponse)
    def unsubscribe_form(request: Request, token: str) -> Response:
        reader_of(token)
        return page(request, done=False)

    async def csrf_or_one_click(request: Request) -> None:
        """The confirmation form carries the usual CSRF token; a mail client's one-click POST
        (RFC 8058) carries none: the signed token in the address is what authorises both."""
        if (await request.form()).get("List-Unsubscribe") != ONE_CLICK:
            await accounts.require_csrf(request)

    @router.post("/digests/unsubscribe/{token}", response_class=HTMLResponse)
    def unsubscribe(request: Request, token: str, _: None = Depends(csrf_or_one_click)) -> Response:
        digest_store.stop_emails(accounts.engine, reader_of(token))
        return page(request, done=True)
