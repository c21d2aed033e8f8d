"""The Google Reader API, the dialect FreshRSS and Miniflux speak, so reader apps (newsboat, Reeder,
FeedMe, NetNewsWire, Read You...) read Broadsheet: the sources as subscriptions, their OPML folders
and Broadsheet's stories as labels, and each reader's read and saved state (`store/reading.py`).

Apps sign in with the reader's API password (ClientLogin), then send `Authorization: GoogleLogin
auth=TOKEN`; no cookie is involved, so the CSRF token `T` is checked when sent but not required.
Item ids are articles' arrival numbers: long form `tag:google.com,2005:reader/item/<16 hex>`, or
decimal. `/reader/atom/...` serves a stream as Atom with Google's read labels (newsboat's FeedHQ mode)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from broadsheet.errors import NotFound
from broadsheet.store import apipasswords, reading
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store import users as user_store
from broadsheet.store.reading import Item, Selection
from broadsheet.store.users import AccountError, User
from broadsheet.web.accounts import client_address
from broadsheet.web.greader_items import (
    KEPT_UNREAD,
    LABEL,
    READ,
    READING_LIST,
    STARRED,
    atom_stream,
    parse_item_id,
    story_label,
    stream_json,
)

STORY_LABELS = 30  # the most recent stories shown as labels
_STORY = re.compile(r"\[([0-9a-f]{12})\]$")
_USER = re.compile(r"^user/[^/]+/")
PRIVATE = {"Cache-Control": "private, no-store"}


def _time(value: str | None) -> datetime | None:
    """A client's time: seconds, or milli- or microseconds (clients send all three)."""
    if not value or not value.strip().isdigit():
        return None
    number = int(value)
    while number > 10**11:  # past the year 5000 in seconds: a finer unit
        number //= 1000
    return datetime.fromtimestamp(number, UTC)


@dataclass(frozen=True)
class Page:
    """What a stream request asks for: its selection, size and continuation."""

    selection: Selection
    count: int = 20
    continuation: int | None = None


class ReaderApi:
    """What the Google Reader routes share: the database and the secret that signs tokens."""

    def __init__(self, engine: Engine, secret: bytes) -> None:
        self.engine, self.secret = engine, secret

    def user(self, request: Request) -> User:
        """Dependency: the reader the GoogleLogin token stands for, else 401."""
        header = request.headers.get("authorization", "")
        token = header.split("auth=", 1)[1] if header.lower().startswith("googlelogin auth=") else ""
        user = apipasswords.user_for_token(self.engine, self.secret, token) if token else None
        if user is None:
            raise HTTPException(401, "reader api: sign in first (ClientLogin with your API password).")
        return user

    def csrf(self, user: User) -> str:
        """The `T` token of a reader's session (derived from the auth token: no state)."""
        auth = apipasswords.auth_token(self.engine, self.secret, user)
        return hmac.new(self.secret, f"T:{auth}".encode(), hashlib.sha256).hexdigest()[:57]

    def check_csrf(self, user: User, sent: str | None) -> None:
        """Refuse a write whose `T` is not this reader's (clients that send none are trusted: no cookies)."""
        if sent and not hmac.compare_digest(sent.strip(), self.csrf(user)):
            raise HTTPException(401, "reader api: bad token T; ask /reader/api/0/token again.")

    def selection(self, stream: str) -> Selection:
        """The articles a stream id names (reading list, starred, read, feed/N, a folder or story label)."""
        stream = _USER.sub("user/-/", (stream or "").strip())
        if stream in ("", READING_LIST):
            return Selection()
        if stream == STARRED:
            return Selection(starred=True)
        if stream == READ:
            return Selection(read=True)
        if stream.startswith("feed/") and stream[5:].isdigit():
            return Selection(source_id=int(stream[5:]))
        if stream.startswith(LABEL):
            return self._label(stream[len(LABEL) :])
        raise HTTPException(400, f"reader api: unknown stream {stream[:80]!r}.")

    def title(self, stream: str) -> str:
        """A stream's name for people: a source's title, a label's name."""
        selection = self.selection(stream)
        if selection.source_id is not None:
            try:
                return source_store.get_source(self.engine, selection.source_id).title
            except NotFound:
                return stream
        return stream.rsplit("/", 1)[-1]

    def _label(self, name: str) -> Selection:
        match = _STORY.search(name)
        if match:
            for story in story_store.latest_stories(self.engine, limit=STORY_LABELS * 4):
                if story.id.startswith(match.group(1)):
                    return Selection(story_id=story.id)
        return Selection(folder=name)


def page_of(request: Request, stream: str, api: ReaderApi) -> Page:
    """A stream request's parameters (n, c, r, ot, nt, xt, it) as a Page."""
    q = request.query_params
    selection = api.selection(stream)
    excluded = {_USER.sub("user/-/", v) for v in q.getlist("xt")}  # "user/1/state/..." as "user/-/state/..."
    included = {_USER.sub("user/-/", v) for v in q.getlist("it")}
    if READ in excluded:
        selection = replace(selection, read=False)
    if READ in included:
        selection = replace(selection, read=True)
    if STARRED in included:
        selection = replace(selection, starred=True)
    selection = replace(
        selection, oldest_first=q.get("r") == "o", newer_than=_time(q.get("ot")), older_than=_time(q.get("nt"))
    )
    count = int(q["n"]) if q.get("n", "").isdigit() else 20
    continuation = int(q["c"]) if q.get("c", "").isdigit() else None
    return Page(selection, max(1, min(count, reading.MAX_ITEMS)), continuation)


def read_page(engine: Engine, user: User, page: Page) -> tuple[list[Item], str | None]:
    """One page of a stream and the continuation for the next (None: that was the last)."""
    selection = page.selection
    if page.continuation is not None:
        if selection.oldest_first:
            selection = replace(selection, after=page.continuation)
        else:
            selection = replace(selection, before=page.continuation)
    found = reading.items(engine, user.id, selection, limit=page.count + 1)
    more = len(found) > page.count
    shown = found[: page.count]
    return shown, str(shown[-1].article.arrival) if more and shown else None


def _json(body: dict) -> JSONResponse:
    return JSONResponse(body, headers=PRIVATE)


def _text(body: str, status: int = 200) -> PlainTextResponse:
    return PlainTextResponse(body, status_code=status, headers=PRIVATE)


async def form_values(request: Request, name: str) -> list[str]:
    """A parameter's values from the query and a posted form together (clients use either)."""
    values = list(request.query_params.getlist(name))
    if request.method == "POST":
        values += [str(v) for v in (await request.form()).getlist(name)]
    return values


class DoubleSlash:
    """ASGI middleware: `//reader/...` and `//accounts/...` are the API's paths. Apps join the address a
    reader typed to their own "/reader/..." paths, so one typed with a trailing slash (as newsboat's
    own example has it) would otherwise reach nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("//reader/", "//accounts/ClientLogin")):
            scope = {**scope, "path": scope["path"][1:], "raw_path": scope.get("raw_path", b"")[1:]}
        await self.app(scope, receive, send)


def greader_router(api: ReaderApi) -> APIRouter:
    """The Google Reader API: ClientLogin, then /reader/api/0/... (none of it in the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)
    _login_routes(router, api)
    _list_routes(router, api)
    _stream_routes(router, api)
    _edit_routes(router, api)
    return router


def _client_login(api: ReaderApi, request: Request, email: str, password: str) -> Response:
    """Check an app's credentials against the API password, throttled like the login form."""
    keys = user_store.login_keys(email, client_address(request))
    if user_store.login_wait(api.engine, keys) > 0:
        return _text("Error=BadAuthentication\n", 401)
    try:
        user = apipasswords.check_api_password(api.engine, email, password)
    except AccountError:
        user_store.record_login_failure(api.engine, keys)
        return _text("Error=BadAuthentication\n", 401)
    user_store.clear_login_failures(api.engine, keys)
    token = apipasswords.auth_token(api.engine, api.secret, user)
    return _text(f"SID={token}\nLSID=null\nAuth={token}\n")


def _login_routes(router: APIRouter, api: ReaderApi) -> None:
    @router.post("/accounts/ClientLogin")
    async def client_login(request: Request) -> Response:
        email = ((await form_values(request, "Email")) or [""])[-1]
        password = ((await form_values(request, "Passwd")) or [""])[-1]
        return await run_in_threadpool(_client_login, api, request, email, password)

    @router.get("/reader/api/0/token")
    def token(user: User = Depends(api.user)) -> Response:
        return _text(api.csrf(user) + "\n")

    @router.get("/reader/api/0/user-info")
    def user_info(user: User = Depends(api.user)) -> Response:
        return _json(
            {
                "userId": str(user.id),
                "userName": user.username,
                "userProfileId": str(user.id),
                "userEmail": user.email or "",
            }
        )


def subscriptions(engine: Engine) -> list[dict]:
    """The sources as Google Reader subscriptions, their folders as categories."""
    found = []
    for source in source_store.list_sources(engine):
        folder = [{"id": LABEL + source.folder, "label": source.folder}] if source.folder else []
        found.append(
            {
                "id": f"feed/{source.id}",
                "title": source.title or source.feed_url,
                "categories": folder,
                "url": source.feed_url,
                "htmlUrl": source.site_url,
                "iconUrl": "",
            }
        )
    return found


def tags(engine: Engine) -> list[dict]:
    """The starred state, each folder, and the latest stories as labels."""
    folders = sorted({s.folder for s in source_store.list_sources(engine) if s.folder})
    found = [{"id": STARRED}]
    found += [{"id": LABEL + f, "type": "folder"} for f in folders]
    stories = [s for s in story_store.latest_stories(engine, limit=STORY_LABELS) if s.article_count > 1]
    found += [{"id": LABEL + story_label(s), "type": "tag"} for s in stories]
    return found


def unread_counts(engine: Engine, user: User) -> list[dict]:
    """Unread items per feed, per folder and in the reading list, with the newest item's time."""
    folder_of = {s.id: s.folder for s in source_store.list_sources(engine)}
    totals: dict[str, tuple[int, datetime | None]] = {}

    def add(key: str, count: int, newest: datetime | None) -> None:
        seen, latest = totals.get(key, (0, None))
        totals[key] = (seen + count, max(t for t in (latest, newest) if t) if latest or newest else None)

    for row in reading.unread_counts(engine, user.id):
        add(READING_LIST, row.count, row.newest)
        if row.source_id is not None:
            add(f"feed/{row.source_id}", row.count, row.newest)
            if folder_of.get(row.source_id):
                add(LABEL + folder_of[row.source_id], row.count, row.newest)
    return [
        {
            "id": key,
            "count": count,
            "newestItemTimestampUsec": str(int(newest.timestamp() * 1_000_000) if newest else 0),
        }
        for key, (count, newest) in totals.items()
    ]


def _list_routes(router: APIRouter, api: ReaderApi) -> None:
    @router.get("/reader/api/0/subscription/list")
    def subscription_list(user: User = Depends(api.user)) -> Response:
        return _json({"subscriptions": subscriptions(api.engine)})

    @router.get("/reader/api/0/tag/list")
    def tag_list(user: User = Depends(api.user)) -> Response:
        return _json({"tags": tags(api.engine)})

    @router.get("/reader/api/0/unread-count")
    def unread_count(user: User = Depends(api.user)) -> Response:
        return _json({"max": reading.MAX_ITEMS, "unreadcounts": unread_counts(api.engine, user)})


def _stream_routes(router: APIRouter, api: ReaderApi) -> None:
    @router.get("/reader/api/0/stream/contents/{stream:path}")
    @router.get("/reader/api/0/stream/contents")
    def stream_contents(request: Request, stream: str = "", user: User = Depends(api.user)) -> Response:
        stream = stream or request.query_params.get("s", "")
        items, more = read_page(api.engine, user, page_of(request, stream, api))
        return _json(stream_json(stream, items, more))

    @router.get("/reader/api/0/stream/items/ids")
    def item_ids(request: Request, user: User = Depends(api.user)) -> Response:
        stream = request.query_params.get("s", "")
        items, more = read_page(api.engine, user, page_of(request, stream, api))
        refs = [
            {"id": str(i.article.arrival), "directStreamIds": [], "timestampUsec": str(int(i.when.timestamp() * 1e6))}
            for i in items
        ]
        return _json({"itemRefs": refs, **({"continuation": more} if more else {})})

    @router.api_route("/reader/api/0/stream/items/contents", methods=["GET", "POST"])
    async def item_contents(request: Request, user: User = Depends(api.user)) -> Response:
        numbers = [n for n in (parse_item_id(v) for v in await form_values(request, "i")) if n is not None]
        found = await run_in_threadpool(reading.items_by_number, api.engine, user.id, numbers[: reading.MAX_ITEMS])
        return _json(stream_json(READING_LIST, found, None))

    @router.get("/reader/atom/{stream:path}")
    def atom(request: Request, stream: str, user: User = Depends(api.user)) -> Response:
        items, _ = read_page(api.engine, user, page_of(request, stream, api))
        return Response(
            atom_stream(api.title(stream), stream, items),
            media_type="application/atom+xml; charset=utf-8",
            headers=PRIVATE,
        )


def edit_tags(api: ReaderApi, user: User, numbers: list[int], added: list[str], removed: list[str]) -> None:
    """Apply edit-tag: read and starred added or removed on these items (other tags are ignored)."""
    ids = reading.ids_for_numbers(api.engine, numbers)
    changes = [(t, True) for t in added] + [(t, False) for t in removed]
    for tag, on in changes:
        tag = _USER.sub("user/-/", tag)
        if tag == READ:
            reading.set_read(api.engine, user.id, ids, on)
        elif tag == KEPT_UNREAD and on:
            reading.set_read(api.engine, user.id, ids, False)
        elif tag == STARRED:
            reading.set_starred(api.engine, user.id, ids, on)


def mark_all(api: ReaderApi, user: User, stream: str, ts: str | None) -> None:
    """Apply mark-all-as-read: everything in the stream up to `ts` (default: now)."""
    before = _time(ts) or datetime.now(UTC)
    reading.mark_read_before(api.engine, user.id, before, api.selection(stream))


def _last(values: list[str]) -> str | None:
    """A form field's last value (clients repeat some), or None when it is absent."""
    return values[-1] if values else None


def _edit_routes(router: APIRouter, api: ReaderApi) -> None:
    @router.post("/reader/api/0/edit-tag")
    async def edit_tag(request: Request, user: User = Depends(api.user)) -> Response:
        values = {name: await form_values(request, name) for name in ("i", "a", "r", "T")}
        await run_in_threadpool(api.check_csrf, user, _last(values["T"]))
        numbers = [n for n in (parse_item_id(v) for v in values["i"]) if n is not None]
        await run_in_threadpool(edit_tags, api, user, numbers, values["a"], values["r"])
        return _text("OK")

    @router.post("/reader/api/0/mark-all-as-read")
    async def mark_all_as_read(request: Request, user: User = Depends(api.user)) -> Response:
        values = {name: await form_values(request, name) for name in ("s", "ts", "T")}
        await run_in_threadpool(api.check_csrf, user, _last(values["T"]))
        await run_in_threadpool(mark_all, api, user, (values["s"] or [""])[-1], _last(values["ts"]))
        return _text("OK")
