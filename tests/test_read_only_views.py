"""Reads never write: every GET of the site and the API renders what is stored and asks for the
missing work (enrichment, related lists, story digests) instead of doing it, so web processes can
run anywhere, on read-only replicas, and a crawler cannot make the database busy."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import event, select

from broadsheet.context import Context
from broadsheet.extract.pictures import resize_picture
from broadsheet.pipeline import bulk
from broadsheet.store import pictures as picture_store
from broadsheet.store.schema import articles, entities
from broadsheet.web.app import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 450), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT")
KINDS = ("atom", "json")  # every feed in both formats


@pytest.fixture
def site(engine, config):
    """The fixture story imported, a site over it whose requested work is recorded, not done."""
    bulk.import_jsonl(engine, FIXTURE)
    with engine.begin() as conn:  # as if enrichment and related lists had not run yet
        conn.execute(articles.update().values(enriched=None))
        first = conn.execute(select(articles.c.id, articles.c.image).order_by(articles.c.arrival)).first()
        wanted = picture_store.Wanted(first.id, first.image or "https://pub.example/lead.jpg", "", 0)
        picture_store.save_picture(conn, wanted, resize_picture(_png()), datetime.now(UTC))  # the pipeline's copies
    requested: list[tuple[str, str]] = []
    context = Context(config, engine)
    context.work.sink = lambda kind, item: requested.append((kind, item))
    written: list[str] = []

    def record(conn, cursor, statement, parameters, context_, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            written.append(statement.split("\n")[0][:120])

    app = create_app(engine, config, context=context)  # start-up may write (the site's secrets); reads may not
    event.listen(engine, "before_cursor_execute", record)
    with TestClient(app) as client:
        yield client, engine, written, requested
    event.remove(engine, "before_cursor_execute", record)


def _paths(engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(articles.c.id, articles.c.story_id)).all()
    article, story = rows[0].id, next(r.story_id for r in rows if r.story_id)
    a, s = quote(article, safe=""), quote(story, safe="")
    question = quote("How long will the bridge stay shut?")
    return [
        "/",
        "/latest",
        "/search?q=bridge",
        "/search?q=why+was+the+bridge+closed",
        f"/articles/{a}",
        f"/articles/{a}?q={question}",
        f"/stories/{s}",
        f"/stories/{s}?q={question}&length=short",
        f"/stories/{s}?length=long",
        *(f"{feed}.{kind}" for feed in (f"/stories/{s}/feed", "/feed", "/sections/business/feed") for kind in KINDS),
        *(f"/search.{kind}?q=bridge" for kind in KINDS),
        "/entities",
        "/sources",
        "/sources.opml",
        "/robots.txt",
        "/healthz",
        "/metrics",
        "/api/articles",
        f"/api/articles/{a}",
        f"/api/stories/{s}",
        "/api/stories",
        "/api/search?q=bridge",
        "/api/entities",
        "/api/sources",
        f"/api/comments?target=article:{a}",
        "/login",
        "/register",
        "/account/keys",
        "/manifest.webmanifest",
        f"/pictures/{a}/320",
    ]


def test_no_get_request_writes_to_the_database(site):
    client, engine, written, requested = site
    for path in _paths(engine):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    assert written == [], "\n".join(written)
    kinds = {kind for kind, _ in requested}
    assert {"enrich", "digest"} <= kinds  # what the views lacked was asked for instead


def test_the_asked_question_is_answered_on_the_page_without_being_stored(site):
    client, engine, written, _ = site
    article = _paths(engine)[5]
    page = client.get(article + "?q=" + quote("How many vehicles cross the bridge each day?"))
    assert "18,000" in page.text
    assert written == []


def test_requested_digests_are_stored_by_the_work_and_then_read(site, config):
    client, engine, written, requested = site
    story = _paths(engine)[7]
    client.get(story)
    digests = [item for kind, item in requested if kind == "digest"]
    assert digests
    from broadsheet.work import HANDLERS  # registered by the pipeline (pipeline/asked.py)

    HANDLERS["digest"](Context(config, engine), digests)  # what the worker (or the work thread) does
    stored = len(written)
    assert stored > 0
    requested.clear()
    client.get(story)
    assert len(written) == stored  # read from the store now
    assert not [item for kind, item in requested if kind == "digest"]


def test_head_is_answered_wherever_get_is(site):
    client, engine, written, _ = site
    for path in ["/", "/feed.atom", "/api/articles", _paths(engine)[5]]:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/no-such-page").status_code == 404
    assert client.head("/login").status_code == 200
    assert written == []


def test_healthz_looks_at_the_database(site, config):
    from sqlalchemy import create_engine

    from broadsheet.web.app import health

    client, engine, _, _ = site
    shown = client.get("/healthz").json()
    assert shown["status"] == "ok" and shown["database"] == engine.dialect.name and "embeddings" in shown
    unreachable = {
        "sqlite": "sqlite:////nonexistent-folder/broadsheet.db",
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none",
    }[engine.dialect.name]
    answer = health(create_engine(unreachable), config)
    assert answer.status_code == 503 and b'"status":"error"' in answer.body


def test_pages_and_feeds_carry_an_etag_and_answer_304_when_unchanged(site):
    client, engine, _, _ = site
    for path in ["/", "/feed.atom", _paths(engine)[7], "/api/articles"]:
        first = client.get(path)
        etag = first.headers["etag"]
        assert first.status_code == 200 and "cache-control" in first.headers
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, path
        assert "content-security-policy" in again.headers
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    login = client.get("/login")  # sets the anonymous form cookie: never a shared 304
    assert "etag" not in login.headers


def test_a_signed_in_reader_and_reader_apps_read_without_writing(site):
    """The reader's own pages, the Google Reader API's reads and Fever's reads never write; opening
    an article asks for it to be marked read instead."""
    import hashlib

    from test_accounts import csrf_of

    from broadsheet.store import apipasswords
    from broadsheet.store import users as user_store

    client, engine, written, requested = site
    user = user_store.create_user(engine, "reader1", "a long login password")
    apipasswords.set_api_password(engine, user, "app password for phones")
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "username": "reader1", "password": "a long login password"})
    login = client.post("/accounts/ClientLogin", data={"Email": "reader1", "Passwd": "app password for phones"})
    auth = {"Authorization": "GoogleLogin auth=" + login.text.split("Auth=")[1].strip()}
    key = hashlib.md5(b"reader1:app password for phones").hexdigest()
    written.clear()
    article = _paths(engine)[4]
    for path in ["/saved", "/account", "/latest", article]:
        assert client.get(path).status_code == 200, path
    for path in [
        "/reader/api/0/token",
        "/reader/api/0/user-info",
        "/reader/api/0/subscription/list",
        "/reader/api/0/tag/list",
        "/reader/api/0/unread-count",
        "/reader/api/0/stream/contents/user/-/state/com.google/reading-list?n=2",
        "/reader/api/0/stream/items/ids?s=user/-/state/com.google/starred",
        "/reader/api/0/stream/items/contents?i=1",
        "/reader/atom/user/-/state/com.google/reading-list",
        f"/fever/?api&groups&feeds&favicons&items&links&unread_item_ids&saved_item_ids&api_key={key}",
        f"/fever/?api&mark=group&as=read&id=0&api_key={key}",
    ]:
        assert client.get(path, headers=auth).status_code == 200, path
    assert written == [], "\n".join(written)
    assert ("read", f"{user.id}:{article.rsplit('/', 1)[1]}") in requested


def test_a_signed_in_readers_pages_and_digest_links_do_not_write(site):
    """The personal layer's GETs: For you, Following, the pages with follow and mute buttons, the
    private digest feed and the unsubscribe page all read; only their POSTs write."""
    from broadsheet.pipeline.mailing import UNSUBSCRIBE_SECRET
    from broadsheet.store import follows, reader_digests, users

    client, engine, written, _ = site
    reader = users.create_user(engine, "reader1", "a long passphrase here", "r@example.org")
    token, _ = users.start_session(engine, reader.id)
    with engine.connect() as conn:
        first = conn.execute(select(articles.c.source_id, articles.c.story_id)).first()
    follows.follow(engine, reader.id, "storyline", first.story_id, "The story")
    follows.mute(engine, reader.id, "word", "nothing-matches-this")
    feed = reader_digests.new_feed_token(engine, reader.id)
    unsubscribe = reader_digests.unsubscribe_token(users.site_secret(engine, UNSUBSCRIBE_SECRET), reader.id)
    written.clear()
    client.cookies.set("broadsheet_session", token)
    s = quote(first.story_id, safe="")
    paths = ["/for-you", "/following", "/", "/latest", "/search?q=bridge", f"/stories/{s}", "/sections/world"]
    paths += [f"/digests/{feed}.atom", f"/digests/unsubscribe/{unsubscribe}", "/entities"]
    with engine.connect() as conn:
        entity = conn.execute(select(entities.c.id)).scalars().first()
    paths.append(f"/entities/{entity}")  # the import files the fixture's names
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    client.cookies.clear()
    assert client.get(f"/digests/{feed}.atom").status_code == 200  # the feed needs no session
    assert written == [], "\n".join(written)
