"""API keys: the account page where a signed-in reader makes and revokes keys for the JSON API, and
the `Authorization: Bearer KEY` check the API's per-reader routes depend on (`/api/me`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from broadsheet.api.params import MAX_ID
from broadsheet.errors import InputError
from broadsheet.store import apikeys as key_store
from broadsheet.web.accounts import Accounts, login_url, viewer_of

KEYS_PAGE = "/account/keys"
KeyId = Annotated[int, PathParam(ge=0, le=MAX_ID)]


def apikeys_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """The account page's API keys: list, make (the key shown once), revoke; every form checked against CSRF."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)])

    def page(request: Request, status: int = 200, **context: object) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url(KEYS_PAGE), status_code=303)
        keys = key_store.list_keys(accounts.engine, viewer.user.id)
        context = {"csrf": viewer.csrf_token, "keys": keys, "new_key": None, "form_error": None, **context}
        return templates.TemplateResponse(request, "accounts/keys.html", context, status_code=status)

    @router.get(KEYS_PAGE, response_class=HTMLResponse)
    def keys(request: Request) -> Response:
        return page(request)

    @router.post(KEYS_PAGE, response_class=HTMLResponse)
    def make_key(request: Request, name: Annotated[str, Form(max_length=200)] = "") -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return page(request)
        try:
            key, _ = key_store.create_key(accounts.engine, viewer.user.id, name)
        except InputError as exc:
            return page(request, status=exc.status, form_error=str(exc))
        return page(request, new_key=key)  # shown this once: only its hash is kept

    @router.post(KEYS_PAGE + "/{key_id}/revoke")
    def revoke_key(request: Request, key_id: KeyId) -> Response:
        viewer = viewer_of(request)
        if viewer is not None:
            key_store.revoke_key(accounts.engine, viewer.user.id, key_id)
        return RedirectResponse(KEYS_PAGE, status_code=303)

    return router
