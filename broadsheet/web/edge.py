"""Errors at the edge: every refused request answered in the project's shape, an HTML page for
readers and {"error": sentence} for the API (the bounds themselves live in api/params.py)."""

from __future__ import annotations

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
