"""What every response carries and what the site trusts from a request.

Security headers on every response (a strict Content-Security-Policy without inline script, no
framing, no MIME sniffing); template filters that render only http(s) links, so a row stored before
the URL policy existed can never become a `javascript:` link; and the site's own base URL, taken from
`public_url` (or a trusted host), never from whatever Host header a client sends."""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

from jinja2 import Environment
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadsheet.api.problems import PROBLEM_TYPE, problem
from broadsheet.config import Config
from broadsheet.text.urls import safe_url

log = logging.getLogger(__name__)

# No inline script or style and no plugins; images may come from publishers (lead images).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
    "font-src 'self'; connect-src 'self'; media-src 'none'; object-src 'none'; "
    "frame-src 'none'; worker-src 'none'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: add the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # Answered here, not re-raised: the server would otherwise drop a keep-alive connection.
            log.exception("web: %s %s failed", scope.get("method"), scope.get("path"))
            if started:
                raise
            await _send_server_error(scope, with_headers)


async def _send_server_error(scope: Scope, send: Send) -> None:
    """A 500 in the project's shape: problem details under /api, a short HTML page elsewhere."""
    if scope.get("path", "").startswith("/api/"):
        failed = problem(500, "server: something went wrong; it has been logged.")
        body, kind = failed.body, PROBLEM_TYPE.encode()
    else:
        body = (
            b"<!doctype html><html lang=en><meta charset=utf-8><title>Error</title>"
            b"<h1>Error</h1><p>Something went wrong on our side; it has been logged. Please try again.</p>"
        )
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def http_url(value: object) -> str:
    """Template filter: the URL when it is an absolute http(s) link the policy accepts, else ""."""
    return _checked(value) if isinstance(value, str) else safe_url(value)


@functools.lru_cache(maxsize=8192)
def _checked(url: str) -> str:
    """safe_url, once per link per process: the policy depends on the text alone, and the same
    article and source links are on many pages."""
    return safe_url(url)


def link_host(value: object) -> str:
    """Template filter: the host of an acceptable link ("" for anything else, never an error)."""
    url = http_url(value)
    return urlsplit(url).netloc if url else ""


def install_filters(env: Environment) -> None:
    """Register the URL filters on a Jinja2 environment (`host` replaces the unchecked one)."""
    env.filters.update(http_url=http_url, host=link_host)


def site_base(config: Config, scope: Scope | None = None) -> str:
    """The absolute base URL of this site for links in feeds, emails and pages: `public_url` when set,
    else the request's Host when it is one of `trusted_hosts`, else the address the site listens on."""
    public = safe_url(config.public_url)
    if public:
        return public.rstrip("/")
    host = _request_host(scope) if scope is not None else ""
    trusted = {h.strip().lower() for h in config.trusted_hosts.split(",") if h.strip()}
    if scope is not None and host and host.lower() in trusted:
        return f"{scope.get('scheme', 'http')}://{host}"
    bind = config.host if ":" not in config.host else f"[{config.host}]"
    return f"http://{'127.0.0.1' if config.host in ('0.0.0.0', '') else bind}:{config.port}"


def _request_host(scope: Scope) -> str:
    """The Host header a request carries ("" when absent or not a plain host[:port])."""
    raw = next((v for k, v in scope.get("headers", []) if k == b"host"), b"").decode("latin-1").strip()
    return raw if safe_url(f"http://{raw}/") == f"http://{raw}/" else ""
