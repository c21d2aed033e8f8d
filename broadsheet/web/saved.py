"""A signed-in reader's own state on the site: the Saved page, the save and read forms on article
pages and lists, and which articles a list shows as read. Opening an article page marks it read
through the work queue (a GET never writes); the same state is what reader apps see
(`web/greader.py`, `web/fever.py`)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from broadsheet.api.params import page_number
from broadsheet.context import request_work
from broadsheet.errors import NotFound
from broadsheet.store import articles as article_store
from broadsheet.store import reading
from broadsheet.store.db import Reader
from broadsheet.store.users import Session
from broadsheet.web.accounts import Accounts, Forbidden, login_url, safe_next, viewer_of

SAVED_PAGE = 50


def reading_states(request: Request, db: Reader, article_ids: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """(read, saved) of the articles a page lists, for the signed-in reader (empty for visitors)."""
    viewer = viewer_of(request)
    return reading.states(db, viewer.user.id, article_ids) if viewer else {}


def opened(request: Request, article_id: str) -> None:
    """A signed-in reader opened an article: ask for it to be marked read (done off the request)."""
    viewer = viewer_of(request)
    if viewer is not None:
        request_work("read", f"{viewer.user.id}:{article_id}")


def _need_viewer(request: Request) -> Session:
    viewer = viewer_of(request)
    if viewer is None:
        raise Forbidden("reading: log in to save articles or mark them read.")
    return viewer


def _readable(accounts: Accounts, article_id: str) -> None:
    if article_store.get_article(accounts.engine, article_id).status != "ok":
        raise NotFound(f"reading: article {article_id} is not readable yet")


def saved_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """The Saved page and the save and read forms (every POST checked against CSRF)."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)], include_in_schema=False)

    @router.get("/saved", response_class=HTMLResponse)
    def saved_page(request: Request, page: str | None = None) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url("/saved"), status_code=303)
        number = page_number(page)
        found = reading.saved(accounts.engine, viewer.user.id, SAVED_PAGE + 1, (number - 1) * SAVED_PAGE)
        context = {"items": found[:SAVED_PAGE], "page": number, "has_next": len(found) > SAVED_PAGE}
        return templates.TemplateResponse(request, "saved.html", context)

    @router.post("/saved/{article_id}")
    def save(request: Request, article_id: str, action: str = Form("save"), next: str = Form("/saved")) -> Response:
        viewer = _need_viewer(request)
        _readable(accounts, article_id)
        reading.set_starred(accounts.engine, viewer.user.id, [article_id], action != "unsave")
        return RedirectResponse(safe_next(next), status_code=303)

    @router.post("/read/{article_id}")
    def mark(request: Request, article_id: str, action: str = Form("read"), next: str = Form("/")) -> Response:
        viewer = _need_viewer(request)
        _readable(accounts, article_id)
        reading.set_read(accounts.engine, viewer.user.id, [article_id], action != "unread")
        return RedirectResponse(safe_next(next), status_code=303)

    return router
