"""What a site answers while its desk is still being collected (`broadsheet demo`): every path
gets at once a short page with the progress so far (503, refreshing itself every two seconds),
and `Switch` hands the connection over to the real site as soon as it is ready."""

from __future__ import annotations

from html import escape

from starlette.types import ASGIApp, Receive, Scope, Send

from broadsheet.api.problems import PROBLEM_TYPE, problem
from broadsheet.pipeline.progress import Tally
from broadsheet.web.security import SECURITY_HEADERS

RETRY_SECONDS = 2
_STARTING = problem(503, "starting: the desk is still being collected; try again shortly.")  # problem details


class Switch:
    """An ASGI app that serves `app` until `swap` gives it another; lifespan events are answered
    here (the process that swaps apps closes what they hold itself)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def swap(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": f"{message['type']}.complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        await self.app(scope, receive, send)


def _page(tally: Tally) -> bytes:
    rows = (
        "".join(
            f"<li>{escape(stage)}: {done or 0}{f' of {total}' if total else ''}</li>"
            for stage, (done, total) in tally.stages.items()
        )
        or "<li>starting</li>"
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in tally.notes)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<meta http-equiv=refresh content={RETRY_SECONDS}><title>Collecting the news - Broadsheet</title></head>"
        f"<body><main><h1>Broadsheet is collecting the news</h1>"
        f"<p>The site opens by itself when the first stories are placed.</p>"
        f"<ul aria-live=polite>{rows}</ul>{f'<ul>{notes}</ul>' if notes else ''}</main></body></html>"
    ).encode()


def starting_app(tally: Tally) -> ASGIApp:
    """Every request answered with the collection's progress (problem details under /api, like the site)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/api/") or scope["path"] == "/healthz":
            body, kind = _STARTING.body, PROBLEM_TYPE.encode()
        else:
            body, kind = _page(tally), b"text/html; charset=utf-8"
        headers = [
            (b"content-type", kind),
            (b"retry-after", str(RETRY_SECONDS).encode()),
            (b"cache-control", b"no-store"),
            *SECURITY_HEADERS,
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})

    return app
