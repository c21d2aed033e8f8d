"""Accounts on the reader's site: register, log in, log out, and what every form relies on:
server-side sessions, CSRF tokens and per-user and per-address rate limits.

CSRF: a logged-in browser echoes its session's random token in a hidden field. Forms shown before
login (log in, register) use a signed double-submit cookie: the cookie and the hidden field carry the
same value, which is signed with a site secret so another site cannot plant one of its own."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, ConfigError
from broadsheet.store import users as user_store
from broadsheet.store.users import AccountError, Session
from broadsheet.web.ratelimit import LIMITS, Limit, RateLimited, SharedRateLimiter, wait_words

SESSION_COOKIE = "broadsheet_session"
CSRF_COOKIE = "broadsheet_csrf"
CSRF_FIELD = "csrf_token"
ANON_CSRF_LIFETIME = 12 * 3600  # seconds a login or register form stays usable


class Forbidden(BroadsheetError):
    """The request is not allowed for this visitor (bad CSRF token, someone else's comment...)."""

    status = 403


def safe_next(value: str | None) -> str:
    """A local path to return to after a form; anything else (another site, //host) becomes "/"."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 32 or ch == "\\" for ch in value):
        return "/"
    return value


def login_url(next_path: str) -> str:
    """The login page, returning to `next_path` afterwards."""
    return "/login?next=" + quote(safe_next(next_path), safe="/")


class Accounts:
    """What the account and comment routes share: the database, the limits and the signing key."""

    def __init__(self, engine: Engine, config: Config, limits: dict[str, Limit] | None = None):
        self.engine, self.config = engine, config
        self.limiter = SharedRateLimiter(engine, limits or LIMITS)
        # Made (or read) now, at start-up: a page view that signs a form must not write.
        self._secret = user_store.site_secret(engine, "csrf")

    def secure(self, request: Request) -> bool:
        """Cookies get the Secure flag (and the __Host- prefix) when the site is served over https."""
        return request.url.scheme == "https" or self.config.public_url.lower().startswith("https://")

    def _cookie(self, request: Request, base: str) -> str | None:
        return request.cookies.get(f"__Host-{base}") or request.cookies.get(base)

    def _set_cookie(self, request: Request, response: Response, base: str, value: str, max_age: int) -> None:
        secure = self.secure(request)
        response.set_cookie(
            f"__Host-{base}" if secure else base,
            value,
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )

    def _clear_cookie(self, request: Request, response: Response, base: str) -> None:
        for name in (f"__Host-{base}", base):
            if name in request.cookies:
                response.delete_cookie(name, path="/", secure=name.startswith("__Host-"), httponly=True, samesite="lax")

    def session_token(self, request: Request) -> str | None:
        """The session token the browser sent, if any."""
        return self._cookie(request, SESSION_COOKIE)

    def load_session(self, token: str | None) -> Session | None:
        """The live session for a cookie token."""
        return user_store.session_for_token(self.engine, token) if token else None

    def log_in(self, request: Request, response: Response, user_id: int) -> None:
        """Start a fresh session (a new token: no fixation) and drop the visitor's previous one."""
        old = self.session_token(request)
        if old:
            user_store.end_session(self.engine, old)
        token, _ = user_store.start_session(self.engine, user_id)
        self._set_cookie(request, response, SESSION_COOKIE, token, int(user_store.SESSION_LIFETIME.total_seconds()))
        self._clear_cookie(request, response, CSRF_COOKIE)

    def log_out(self, request: Request, response: Response) -> None:
        """Delete the session row and the cookie."""
        token = self.session_token(request)
        if token:
            user_store.end_session(self.engine, token)
        self._clear_cookie(request, response, SESSION_COOKIE)

    # --- CSRF --------------------------------------------------------------------------------

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()

    def _signed_ok(self, value: str) -> bool:
        nonce, _, signature = value.partition(".")
        return bool(nonce and signature) and hmac.compare_digest(signature, self._sign(nonce))

    def anonymous_token(self, request: Request) -> tuple[str, bool]:
        """The double-submit value for a form shown before login, and whether it is new."""
        current = self._cookie(request, CSRF_COOKIE)
        if current and self._signed_ok(current):
            return current, False
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}", True

    def remember_anonymous_token(self, request: Request, response: Response, token: str, new: bool) -> None:
        """Send the double-submit cookie with a page that shows an anonymous form."""
        if new:
            self._set_cookie(request, response, CSRF_COOKIE, token, ANON_CSRF_LIFETIME)

    async def require_csrf(self, request: Request) -> None:
        """Dependency: every POST must echo the session's token, or the signed double-submit cookie."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        sent = str((await request.form()).get(CSRF_FIELD) or "")
        viewer: Session | None = getattr(request.state, "viewer", None)
        if sent and viewer and hmac.compare_digest(sent, viewer.csrf_token):
            return
        cookie = self._cookie(request, CSRF_COOKIE)
        if sent and cookie and hmac.compare_digest(sent, cookie) and self._signed_ok(cookie):
            return
        raise Forbidden(
            "forms: this form has expired or did not come from this site. Go back, reload the page and try again."
        )

    # --- rate limits -------------------------------------------------------------------------

    def limit(self, action: str, who: str) -> None:
        """Spend one token for `action` by `who` (an address, a user id or a username)."""
        self.limiter.hit(action, who)


def _networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The `trusted_proxies` setting as networks (a bare address is a network of one)."""
    found = []
    for item in (part.strip() for part in (setting or "").split(",")):
        if item:
            try:
                found.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ConfigError(f"config: trusted_proxies has {item!r}, which is not an address or network") from exc
    return found


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _trusted(address: str, proxies: list) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in proxies)


def client_address(request: Request) -> str:
    """The visitor's address. X-Forwarded-For is believed only when the connection comes from a
    configured proxy (`trusted_proxies`, empty by default): the address is the last one in the chain
    that is not itself a trusted proxy, so a client cannot choose its own by sending the header."""
    peer = request.client.host if request.client else "unknown"
    config = getattr(request.app.state, "config", None) if "app" in request.scope else None
    proxies = _networks(config.trusted_proxies) if config is not None else []
    if not proxies or not _trusted(peer, proxies):
        return peer
    chain = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",") if a.strip()]
    for address in reversed(chain):
        if not _trusted(address, proxies):
            return address if _ip(address) is not None else peer  # garbage in the header: the proxy itself
    return peer


def viewer_of(request: Request) -> Session | None:
    """The logged-in session of this request, if any."""
    return getattr(request.state, "viewer", None)


class SessionMiddleware:
    """Looks the session cookie up once per request and leaves it in request.state.viewer,
    so every page (and the base template's nav) knows who is reading."""

    def __init__(self, app: ASGIApp, accounts: Accounts):
        self.app, self.accounts = app, accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            state["viewer"] = None
            if not scope["path"].startswith("/static/"):
                token = self.accounts.session_token(Request(scope))
                if token:
                    state["viewer"] = await run_in_threadpool(self.accounts.load_session, token)
        await self.app(scope, receive, send)


class _Forms:
    """The account forms: each carries a CSRF token (the session's, or one for anonymous visitors)."""

    def __init__(self, accounts: Accounts, templates: Jinja2Templates) -> None:
        self.accounts, self.templates = accounts, templates

    def page(
        self, request: Request, name: str, status: int = 200, headers: dict | None = None, **context: object
    ) -> HTMLResponse:
        token, new = self.accounts.anonymous_token(request)
        viewer = viewer_of(request)
        if viewer:
            token, new = viewer.csrf_token, False
        response = self.templates.TemplateResponse(
            request, name, {"csrf": token, **context}, status_code=status, headers=headers
        )
        self.accounts.remember_anonymous_token(request, response, token, new)
        return response

    def limited(self, request: Request, name: str, exc: RateLimited, **context: object) -> HTMLResponse:
        return self.page(
            request,
            name,
            status=429,
            headers={"Retry-After": str(math.ceil(exc.retry_after))},
            errors={},
            form_error=str(exc),
            **context,
        )


def accounts_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """Routes for /register, /login and /logout (every form checked against CSRF)."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)])
    forms = _Forms(accounts, templates)
    _register_routes(router, accounts, forms)
    _login_routes(router, accounts, forms)
    return router


def _register_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    @router.get("/register", response_class=HTMLResponse)
    def register_form(request: Request, next: str = "/") -> Response:
        if viewer_of(request):
            return RedirectResponse(safe_next(next), status_code=303)
        return forms.page(request, "accounts/register.html", next=safe_next(next), values={}, errors={})

    @router.post("/register", response_class=HTMLResponse)
    def register(
        request: Request,
        username: str = Form(""),
        email: str = Form(""),
        password: str = Form(""),
        password_confirm: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        values = {"username": username, "email": email}
        try:
            accounts.limit("register-ip", client_address(request))
        except RateLimited as exc:
            return forms.limited(request, "accounts/register.html", exc, next=safe_next(next), values=values)
        errors = _registration_errors(username, email, password, password_confirm)
        user = None if errors else _register(accounts, username, password, email)
        if user is None:
            errors = errors or {"username": UNAVAILABLE}
            return forms.page(
                request, "accounts/register.html", status=400, next=safe_next(next), values=values, errors=errors
            )
        response = RedirectResponse(safe_next(next), status_code=303)
        accounts.log_in(request, response, user.id)
        return response


def _login_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        if viewer_of(request):
            return RedirectResponse(safe_next(next), status_code=303)
        return forms.page(request, "accounts/login.html", next=safe_next(next), values={}, errors={})

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
        return _log_in(request, accounts, forms, username, password, safe_next(next))

    @router.get("/logout", response_class=HTMLResponse)
    def logout_form(request: Request) -> Response:
        if not viewer_of(request):
            return RedirectResponse("/", status_code=303)
        return forms.page(request, "accounts/logout.html")

    @router.post("/logout")
    def logout(request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        accounts.log_out(request, response)
        return response


def _log_in(request: Request, accounts: Accounts, forms: _Forms, username: str, password: str, next: str) -> Response:
    """Check a login: refused while the account and address wait out earlier failures, before the
    password is even checked (a guess made then tells nothing)."""
    values = {"username": username}
    keys = user_store.login_keys(username, client_address(request))
    wait = user_store.login_wait(accounts.engine, keys)
    if wait > 0:
        exc = RateLimited(
            f"Too many failed logins for this account from your address. Please wait {wait_words(wait)} and try again.",
            wait,
        )
        return forms.limited(request, "accounts/login.html", exc, next=next, values=values)
    try:
        user = user_store.authenticate(accounts.engine, username, password)
    except AccountError as exc:
        user_store.record_login_failure(accounts.engine, keys)
        return forms.page(
            request,
            "accounts/login.html",
            status=exc.status,
            next=next,
            values=values,
            errors={},
            form_error=exc.sentence,
        )
    user_store.clear_login_failures(accounts.engine, keys)
    response = RedirectResponse(next, status_code=303)
    accounts.log_in(request, response, user.id)
    return response


# One answer for a name that is taken and a name that is reserved, with the same status and the same
# work (a password hash) behind it: the form does not confirm which names have accounts.
UNAVAILABLE = "That username is not available; choose another."
RESERVED_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "moderator",
        "moderators",
        "broadsheet",
        "support",
        "staff",
        "editor",
        "system",
        "security",
        "webmaster",
        "postmaster",
        "abuse",
        "help",
    }
)


def _register(accounts: Accounts, username: str, password: str, email: str) -> user_store.User | None:
    """The new user, or None when the name is not available (taken or reserved: not said which)."""
    if user_store.username_key(username) in RESERVED_NAMES:
        user_store.hash_password(password)  # as long as a real registration takes
        return None
    try:
        return user_store.create_user(accounts.engine, username, password, email)
    except AccountError:
        return None


def _registration_errors(username: str, email: str, password: str, confirm: str) -> dict[str, str]:
    """Every problem with a registration form at once, keyed by field."""
    errors: dict[str, str] = {}
    checks = (
        ("username", lambda: user_store.validate_username(username)),
        ("email", lambda: user_store.validate_email(email)),
        ("password", lambda: user_store.validate_password(password, username)),
    )
    for name, check in checks:
        try:
            check()
        except AccountError as exc:
            errors[name] = exc.sentence
    if "password" not in errors and password != confirm:
        errors["password_confirm"] = "The two passwords are different; type the same password twice."
    return errors
