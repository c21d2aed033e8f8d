"""The WebSub callback: hubs verify our subscriptions here and push new entries.

It is an ingestion endpoint living in the web process, so unlike the reader's pages it calls
the pipeline (to store pushed entries) rather than only reading the store."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import Engine

from broadsheet.pipeline import push


def websub_router(engine: Engine, on_new_entries: Callable[[], None] | None = None) -> APIRouter:
    """Routes for /websub/{source_id}."""
    router = APIRouter()

    @router.get("/websub/{source_id}", response_class=PlainTextResponse)
    def verify(source_id: int, request: Request) -> Response:
        params = request.query_params
        ok = push.verify_intent(
            engine, source_id, params.get("hub.mode", ""), params.get("hub.topic", ""), params.get("hub.lease_seconds")
        )
        if not ok:
            return PlainTextResponse("unknown subscription", status_code=404)
        return PlainTextResponse(params.get("hub.challenge", ""))

    @router.post("/websub/{source_id}")
    async def receive(source_id: int, request: Request) -> Response:
        body = await request.body()
        new = push.receive_push(
            engine, source_id, body, request.headers.get("x-hub-signature"), request.headers.get("content-type")
        )
        if new and on_new_entries is not None:
            on_new_entries()  # fetch the pushed articles now rather than at the next scheduled pass
        return Response(status_code=202)

    return router
