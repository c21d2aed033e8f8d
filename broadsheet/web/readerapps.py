"""The reader's account page, where reader apps are connected: an API password (separate from the
login password) for the Google Reader API and the Fever API, set, replaced or removed with CSRF-checked
forms, and the addresses to give an app."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from broadsheet.store import apipasswords
from broadsheet.store.users import AccountError, Session
from broadsheet.web.accounts import Accounts, login_url, viewer_of
from broadsheet.web.ratelimit import RateLimited
from broadsheet.web.security import site_base


def _page(
    request: Request,
    accounts: Accounts,
    templates: Jinja2Templates,
    viewer: Session,
    status: int = 200,
    **extra: object,
) -> HTMLResponse:
    base = site_base(request.app.state.config, request.scope)
    context = {
        "csrf": viewer.csrf_token,
        "api_password_set": apipasswords.api_password_set_at(accounts.engine, viewer.user.id),
        "reader_url": base,
        "fever_url": base + "/fever/",
        "errors": {},
        "form_error": None,
        "done": request.query_params.get("done", ""),
        **extra,
    }
    return templates.TemplateResponse(request, "account.html", context, status_code=status)


def readerapps_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """/account and its API password forms."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)], include_in_schema=False)

    @router.get("/account", response_class=HTMLResponse)
    def account(request: Request) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url("/account"), status_code=303)
        return _page(request, accounts, templates, viewer)

    @router.post("/account/api-password", response_class=HTMLResponse)
    def set_password(request: Request, password: str = Form(""), password_confirm: str = Form("")) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url("/account"), status_code=303)
        try:
            accounts.limit("api-password-user", str(viewer.user.id))
            if password != password_confirm:
                raise AccountError("The two passwords are different; type the same password twice.", "password_confirm")
            apipasswords.set_api_password(accounts.engine, viewer.user, password)
        except AccountError as exc:
            return _page(request, accounts, templates, viewer, 400, errors={exc.field or "password": exc.sentence})
        except RateLimited as exc:
            return _page(request, accounts, templates, viewer, 429, form_error=str(exc))
        return RedirectResponse("/account?done=set", status_code=303)

    @router.post("/account/api-password/remove")
    def remove_password(request: Request) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url("/account"), status_code=303)
        apipasswords.remove_api_password(accounts.engine, viewer.user.id)
        return RedirectResponse("/account?done=removed", status_code=303)

    return router
