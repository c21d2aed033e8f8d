"""Errors at the edge: every refused request answered in the project's shape, an HTML page for
readers and {"error": sentence} for the API (the bounds themselves live in api/params.py)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadsheet.logs import access_line

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _validation_sentence(exc: RequestValidationError) -> str:
    """FastAPI's validation errors as one sentence a reader can act on."""
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where or 'request'}: {str(error.get('msg', 'invalid')).lower()}")
    return "request: " + "; ".join(parts) + "."


def _in_path(exc: RequestValidationError) -> bool:
    """True when the refused part of the request is its path (a malformed id), not a parameter."""
    return any(tuple(error.get("loc", ()))[:1] == ("path",) for error in exc.errors())


def install_error_handlers(app: FastAPI, render: Callable[..., HTMLResponse]) -> None:
    """Every refused request in the project's shape: {"error": sentence} under /api, an HTML page elsewhere."""

    def answer(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        if _is_api(request):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        title = "Not found" if status == 404 else "Error"
        page = "That page does not exist." if status == 404 else message
        response = render(request, "error.html", status=status, title=title, message=page)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_api(request) and _in_path(exc):  # /entities/abc names no page: it is not there
            return answer(request, 404, "That page does not exist.")
        return answer(request, 422, _validation_sentence(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "The request could not be served."
        if exc.status_code == 404:
            message = "That page does not exist."
        return answer(request, exc.status_code, message, exc.headers)

    @app.exception_handler(OverflowError)
    async def on_overflow(request: Request, exc: OverflowError) -> Response:
        # A safety net behind the bounds above: a number the database cannot bind is the client's error.
        log.warning("edge: %s %s overflowed (%s)", request.method, request.url.path, exc)
        return answer(request, 400, "request: a number or date in the request is out of range.")


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
    """ETag on every successful GET that sets no cookie (pages, feeds, the API), and 304 Not Modified
    when the client already holds it, so feed readers and crawlers revalidate for the price of the
    headers. Responses that carry their own ETag (static files, the API's) are left as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if not _taggable(message):
                    await send(message)
                return
            if start is None or not _taggable(start):
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _send_tagged(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, held)


def _taggable(start: Message) -> bool:
    names = {name.lower() for name, _ in start.get("headers", [])}
    return start["status"] == 200 and b"etag" not in names and b"set-cookie" not in names


async def _send_tagged(scope: Scope, start: Message, body: bytes, send: Send) -> None:
    etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
    headers = [(n, v) for n, v in start.get("headers", []) if n.lower() != b"content-length"]
    if not any(n.lower() == b"cache-control" for n, _ in headers):
        headers.append((b"cache-control", b"no-cache"))  # keep it, but ask each time (a 304 is cheap)
    headers.append((b"etag", etag))
    asked = dict((n.lower(), v) for n, v in scope.get("headers", [])).get(b"if-none-match", b"")
    if etag in [tag.strip().removeprefix(b"W/") for tag in asked.split(b",")] or asked.strip() == b"*":
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
