"""Errors at the edge: every refused request answered in the project's shape, an HTML page for
readers and problem details for the API (the bounds themselves live in api/params.py)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadsheet.api.problems import FieldProblem, problem
from broadsheet.logs import access_line

log = logging.getLogger(__name__)


MACHINE_PATHS = ("/api/", "/reader/", "/accounts/ClientLogin", "/fever")  # answered in JSON, never a page


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PATHS)


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """FastAPI's validation errors, one per parameter, in words."""
    return [
        FieldProblem(
            location=".".join(str(p) for p in error.get("loc", ())) or "request",
            message=str(error.get("msg", "invalid")),
        )
        for error in exc.errors()[:20]
    ]


def _validation_sentence(problems: list[FieldProblem]) -> str:
    """The first few validation errors as one sentence a reader can act on."""
    parts = []
    for found in problems[:3]:
        where = ".".join(p for p in found.location.split(".") if p not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {found.message.lower()}")
    return "request: " + "; ".join(parts) + "."


def _in_path(exc: RequestValidationError) -> bool:
    """True when the refused part of the request is its path (a malformed id), not a parameter."""
    return any(tuple(error.get("loc", ()))[:1] == ("path",) for error in exc.errors())


def install_error_handlers(app: FastAPI, render: Callable[..., HTMLResponse]) -> None:
    """Every refused request in the project's shape: problem details (api/problems.py) under /api, an
    HTML page elsewhere."""

    def answer(
        request: Request,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        errors: list[FieldProblem] | None = None,
    ) -> Response:
        if _is_api(request):
            return problem(status, message, errors, dict(headers or {}))
        title = "Not found" if status == 404 else "Error"
        page = "That page does not exist." if status == 404 else message
        response = render(request, "error.html", status=status, title=title, message=page)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_api(request) and _in_path(exc):  # /entities/abc names no page: it is not there
            return answer(request, 404, "That page does not exist.")
        found = _validation_problems(exc)
        return answer(request, 422, _validation_sentence(found), errors=found)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "The request could not be served."
        if exc.status_code == 404:
            message = "That page does not exist."
        elif exc.status_code == 405:
            message = f"request: {request.method} is not allowed here."
        return answer(request, exc.status_code, message, exc.headers)

    @app.exception_handler(OverflowError)
    async def on_overflow(request: Request, exc: OverflowError) -> Response:
        # A safety net behind the bounds above: a number the database cannot bind is the client's error.
        log.warning("edge: %s %s overflowed (%s)", request.method, request.url.path, exc)
        return answer(request, 400, "request: a number or date in the request is out of range.")


def last_modified(response: Response, when: datetime | None) -> Response:
    """The response marked as last changed `when` (the newest article it shows), for If-Modified-Since."""
    if when is not None:
        response.headers["last-modified"] = http_date(when)
    return response


def http_date(when: datetime) -> str:
    """An HTTP date (RFC 9110 §5.6.7) of any time, naive ones taken as UTC."""
    return format_datetime((when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC), usegmt=True)


class AccessLog:
    """One log line per request served (the access_log setting): method, path, status, milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            client = (scope.get("client") or ("", 0))[0]
            path = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
            access_line(scope["method"], path, status[0], (time.perf_counter() - started) * 1000, client)


class ConditionalGet:
    """Validators and caching rules on every GET, so feed readers, crawlers and browsers revalidate
    for the price of the headers:

    - an ETag on every success that sets no cookie (pages, feeds, the API), and 304 Not Modified when
      the client already holds it; responses carrying their own ETag (static files) are left as they are;
    - 304 for If-Modified-Since when a route said when its newest article came (Last-Modified) and the
      client sent no If-None-Match (RFC 9110 §13.1.3: the ETag decides when both are sent);
    - Cache-Control: `public, max-age` (the page cache's seconds) for anonymous successes, and
      `private, no-store` for a signed-in reader's responses (a session cookie or an API key) and for
      any response that sets a cookie, which no shared cache may keep."""

    def __init__(self, app: ASGIApp, max_age: float = 0, session_cookie: str = "") -> None:
        self.app, self.max_age = app, int(max_age)
        self.session_cookie = session_cookie.encode() + b"="

    def _private(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"authorization" or (name == b"cookie" and self.session_cookie in value):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = self._private(scope)
        if scope["method"] != "GET":  # a form's answer (a new API key, say) is never kept either
            await self.app(scope, receive, _marking(send, private))
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = _with_cache_control(message, private, self.max_age)
                if not _taggable(start):
                    await send(start)
                return
            if start is None or not _taggable(start):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _send_tagged(scope, start, b"".join(chunks), send, private)

        await self.app(scope, receive, held)


def _marking(send: Send, private: bool) -> Send:
    """`send`, with Cache-Control private on a reader's own or cookie-setting answers to other methods."""

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = _with_cache_control(message, private, None)
        await send(message)

    return marked


def _with_cache_control(start: Message, private: bool, max_age: int | None) -> Message:
    """The response's Cache-Control: private for a reader's own or cookie-setting responses, public and
    short (`max_age`, None: never public) for anonymous successes; errors and redirects keep theirs."""
    headers = list(start.get("headers", []))
    names = {name.lower() for name, _ in headers}
    if b"set-cookie" in names or private:
        rule = b"private, no-store"
    elif max_age is not None and start["status"] == 200 and b"cache-control" not in names:
        rule = b"public, max-age=%d" % max_age
        # A shared cache keeps the anonymous copy apart from what a signed-in reader is sent.
        headers = [(n, v) for n, v in headers if n.lower() != b"vary"] + [(b"vary", _vary(headers))]
    else:
        return start
    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"] + [(b"cache-control", rule)]
    return {**start, "headers": headers}


def _vary(headers: list[tuple[bytes, bytes]]) -> bytes:
    """The response's Vary with Cookie and Authorization added."""
    named = [v.strip() for n, value in headers if n.lower() == b"vary" for v in value.split(b",") if v.strip()]
    wanted = [v for v in (b"Cookie", b"Authorization") if v.lower() not in {n.lower() for n in named}]
    return b", ".join(named + wanted)


def _taggable(start: Message) -> bool:
    names = {name.lower() for name, _ in start.get("headers", [])}
    return start["status"] == 200 and b"etag" not in names and b"set-cookie" not in names


def _not_modified_since(asked: bytes, last_modified: bytes | None) -> bool:
    """Whether a response last modified at `last_modified` is no newer than the client's copy."""
    if not asked or not last_modified:
        return False
    try:
        return parsedate_to_datetime(last_modified.decode("latin-1")) <= parsedate_to_datetime(asked.decode("latin-1"))
    except (TypeError, ValueError, IndexError, OverflowError):  # a date that cannot be read: send it all
        return False


async def _send_tagged(scope: Scope, start: Message, body: bytes, send: Send, private: bool) -> None:
    etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
    headers = [(n, v) for n, v in start.get("headers", []) if n.lower() != b"content-length"]
    headers.append((b"etag", etag))
    asked = {n.lower(): v for n, v in scope.get("headers", [])}
    if b"if-none-match" in asked:
        tags = asked[b"if-none-match"]
        fresh = etag in [tag.strip().removeprefix(b"W/") for tag in tags.split(b",")] or tags.strip() == b"*"
    else:
        modified = dict((n.lower(), v) for n, v in headers).get(b"last-modified")
        fresh = not private and _not_modified_since(asked.get(b"if-modified-since", b""), modified)
    if fresh:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class HeadAsGet:
    """HEAD answered wherever GET is (RFC 9110 §9.3.2): the GET's status and headers, no body.
    FastAPI routes declare GET only; link checkers, feed readers and monitors send HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
