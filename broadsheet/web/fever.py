"""The Fever API (`/fever/?api`), which Reeder, Unread, ReadKit and FeedMe speak: the sources as
feeds, their folders as groups, articles as items numbered by arrival, and each reader's read and
saved state, the same state as the site and the Google Reader API (`store/reading.py`).

A client sends api_key = md5("username:apipassword") with every request. Reads are answered to GET
and POST; marks (`mark=item|feed|group`) only to POST, since a GET never writes."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import escape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from broadsheet.store import apipasswords, reading
from broadsheet.store import sources as source_store
from broadsheet.store.reading import Item, Selection
from broadsheet.store.users import User
from broadsheet.text.urls import safe_url

API_VERSION = 3
PAGE = 50  # items per answer, as the protocol says
# One neutral icon for every feed (a 1x1 transparent GIF): clients expect each feed to name one.
ICON = (
    "image/gif;base64,"
    + base64.b64encode(
        bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")
    ).decode()
)
ID_LISTS = 10_000  # at most this many ids in unread_item_ids and saved_item_ids


def group_id(folder: str) -> int:
    """A folder's Fever group id: stable across requests and processes (folders have no number)."""
    return zlib.crc32(folder.encode()) & 0x7FFFFFFF or 1


def _seconds(when: datetime | None) -> int:
    return int((when or datetime.now(UTC)).timestamp())


def _number(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _groups(engine: Engine) -> dict:
    sources = source_store.list_sources(engine)
    folders = sorted({s.folder for s in sources if s.folder})
    feeds_groups = [
        {"group_id": group_id(f), "feed_ids": ",".join(str(s.id) for s in sources if s.folder == f)} for f in folders
    ]
    return {"groups": [{"id": group_id(f), "title": f} for f in folders], "feeds_groups": feeds_groups}


def _feeds(engine: Engine) -> dict:
    feeds = [
        {
            "id": s.id,
            "favicon_id": 1,
            "title": s.title or s.feed_url,
            "url": s.feed_url,
            "site_url": s.site_url,
            "is_spark": 0,
            "last_updated_on_time": _seconds(s.last_fetched_at),
        }
        for s in source_store.list_sources(engine)
    ]
    return {"feeds": feeds, "feeds_groups": _groups(engine)["feeds_groups"]}


def _item(item: Item) -> dict:
    article = item.article
    return {
        "id": article.arrival,
        "feed_id": article.source_id or 0,
        "title": article.title or "Untitled",
        "author": article.byline,
        "html": "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs),
        "url": safe_url(article.url) or "",
        "is_saved": int(item.starred),
        "is_read": int(item.read),
        "created_on_time": _seconds(item.when),
    }


def _items(engine: Engine, user: User, params: Mapping[str, str]) -> dict:
    """Fifty items: with_ids, else newer than since_id (oldest first), else older than max_id."""
    if params.get("with_ids"):
        numbers = [n for n in (_number(v) for v in params["with_ids"].split(",")) if n is not None]
        found = reading.items_by_number(engine, user.id, numbers[:PAGE])
    elif _number(params.get("max_id")) is not None and "since_id" not in params:
        found = reading.items(engine, user.id, Selection(before=_number(params["max_id"])), limit=PAGE)
    else:
        after = _number(params.get("since_id")) or 0
        found = reading.items(engine, user.id, Selection(after=after, oldest_first=True), limit=PAGE)
    total = reading.count_items(engine, user.id, Selection())
    return {"items": [_item(i) for i in found], "total_items": total}


def _id_list(engine: Engine, user: User, selection: Selection) -> str:
    return ",".join(str(n) for n in reading.item_numbers(engine, user.id, selection, limit=ID_LISTS))


def _mark(engine: Engine, user: User, params: Mapping[str, str]) -> str | None:
    """Apply a POSTed mark; returns which id list the answer carries ("unread" or "saved")."""
    kind, action, target = params.get("mark"), params.get("as"), _number(params.get("id"))
    if kind not in ("item", "feed", "group") or action not in ("read", "unread", "saved", "unsaved") or target is None:
        return None
    if kind == "item":
        ids = reading.ids_for_numbers(engine, [target])
        if action in ("read", "unread"):
            reading.set_read(engine, user.id, ids, action == "read")
            return "unread"
        reading.set_starred(engine, user.id, ids, action == "saved")
        return "saved"
    if action != "read":
        return None  # feeds and groups are only ever marked read
    before = datetime.fromtimestamp(_number(params.get("before")) or _seconds(None), UTC)
    reading.mark_read_before(engine, user.id, before, _scope(engine, kind, target))
    return "unread"


def _scope(engine: Engine, kind: str, target: int) -> Selection:
    """The articles a feed or group id covers (group 0 is everything; -1, the sparks, nothing here)."""
    if kind == "feed":
        return Selection(source_id=target)
    if target == 0:
        return Selection()
    folders = {group_id(s.folder): s.folder for s in source_store.list_sources(engine) if s.folder}
    return Selection(folder=folders.get(target, "\x00no such folder"))


def answer(engine: Engine, key: str, params: Mapping[str, str], may_write: bool) -> dict:
    """The whole answer to one request: auth, then each part the request names."""
    user = apipasswords.user_for_fever_key(engine, key)
    body: dict = {"api_version": API_VERSION, "auth": int(user is not None)}
    if user is None:
        return body
    body["last_refreshed_on_time"] = _seconds(None)
    marked = _mark(engine, user, params) if may_write and "mark" in params else None
    parts = {
        "groups": lambda: _groups(engine),
        "feeds": lambda: _feeds(engine),
        "favicons": lambda: {"favicons": [{"id": 1, "data": ICON}]},
        "items": lambda: _items(engine, user, params),
        "links": lambda: {"links": []},
        "unread_item_ids": lambda: {"unread_item_ids": _id_list(engine, user, Selection(read=False))},
        "saved_item_ids": lambda: {"saved_item_ids": _id_list(engine, user, Selection(starred=True))},
    }
    for name, part in parts.items():
        if name in params or marked == name.removesuffix("_item_ids"):
            body.update(part())
    return body


def fever_router(engine: Engine) -> APIRouter:
    """The Fever endpoint, at /fever/ and /fever (none of it in the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)

    async def fever(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: str(v) for k, v in (await request.form()).items()})
        key = params.get("api_key", "")
        body = await run_in_threadpool(answer, engine, key, params, request.method == "POST")
        return JSONResponse(
            body, status_code=200 if body["auth"] else 401, headers={"Cache-Control": "private, no-store"}
        )

    for path in ("/fever/", "/fever"):
        router.add_api_route(path, fever, methods=["GET", "POST"])
    return router
