"""Reader apps and the site share one read and saved state: the Google Reader API (ClientLogin,
streams and their continuation, edit-tag, mark-all-as-read), the Fever API (since_id, max_id,
with_ids, marks) and the site's save and read forms, its Saved page and its account page."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from test_accounts import csrf_of
from test_web import assert_valid_html

from broadsheet.context import Context
from broadsheet.model import Article
from broadsheet.store import apipasswords, reading
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.schema import articles, stories
from broadsheet.web.app import create_app
from broadsheet.web.fever import group_id
from broadsheet.web.greader import DoubleSlash
from broadsheet.web.greader_items import item_id, parse_item_id

LOGIN_PASSWORD = "a long login password"
API_PASSWORD = "app password for phones"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"


def seed(engine) -> dict:
    """Two sources in two folders, seven fictional articles, one reader with an API password."""
    harbour, _ = source_store.add_source(
        engine, "http://127.0.0.1:9/harbour.xml", title="Harbour Gazette", folder="Local"
    )
    valley, _ = source_store.add_source(
        engine, "http://127.0.0.1:9/valley.xml", title="Valley Courier", folder="Regional"
    )
    rows = []
    for n in range(1, 8):
        source = harbour if n <= 4 else valley
        rows.append(
            Article(
                id=f"{n:032x}",
                url=f"http://127.0.0.1:9/news/{n}",
                title=f"Ferry timetable change number {n}",
                text=f"The ferry leaves at {n} o'clock from pier {n}.\n\nPassengers were told on Monday.",
                source_id=source.id,
                source_name=source.title,
                published_at=START + timedelta(hours=n),
            )
        )
    with engine.begin() as conn:
        article_store.save_articles(conn, rows)
        _story(conn, "5707e" + "0" * 27, "Ferry operators agree a new timetable", [f"{2:032x}", f"{6:032x}"])
    user = user_store.create_user(engine, "reader1", LOGIN_PASSWORD)
    apipasswords.set_api_password(engine, user, API_PASSWORD)
    arrivals = {a.id: article_store.get_article(engine, a.id).arrival for a in rows}
    return {"harbour": harbour.id, "valley": valley.id, "user": user, "arrivals": arrivals}


def _story(conn, story_id: str, title: str, members: list[str]) -> None:
    """A story of several sources, as the understand stage would have stored it."""
    conn.execute(
        stories.insert().values(
            id=story_id,
            title=title,
            article_id=members[0],
            first_seen=START,
            last_seen=START + timedelta(hours=6),
            article_count=len(members),
            source_count=len(members),
            updated_at=START,
        )
    )
    conn.execute(articles.update().where(articles.c.id.in_(members)).values(story_id=story_id))


@pytest.fixture
def desk(engine, config):
    """The seeded desk and a client of its site (work asked for by pages is recorded, not done)."""
    facts = seed(engine)
    context = Context(config, engine)
    asked: list[tuple[str, str]] = []
    context.work.sink = lambda kind, item: asked.append((kind, item))
    with TestClient(create_app(engine, config, context=context)) as client:
        yield client, engine, facts, asked


def _auth(client: TestClient, email: str = "reader1", password: str = API_PASSWORD) -> dict:
    answer = client.post("/accounts/ClientLogin", data={"Email": email, "Passwd": password})
    assert answer.status_code == 200, answer.text
    token = next(line[5:] for line in answer.text.splitlines() if line.startswith("Auth="))
    return {"Authorization": f"GoogleLogin auth={token}"}


def _unread(engine, facts) -> set[str]:
    states = reading.states(engine, facts["user"].id, facts["arrivals"])
    return {i for i in facts["arrivals"] if not states.get(i, (False, False))[0]}


def test_client_login_refuses_wrong_passwords_and_unsigned_requests(desk):
    client, engine, facts, _ = desk
    wrong = client.post("/accounts/ClientLogin", data={"Email": "reader1", "Passwd": LOGIN_PASSWORD})
    assert wrong.status_code == 401, wrong.text
    assert client.post("/accounts/ClientLogin", data={"Email": "nobody", "Passwd": API_PASSWORD}).status_code == 401
    assert client.get("/reader/api/0/subscription/list").status_code == 401
    forged = {"Authorization": "GoogleLogin auth=reader1/" + "0" * 64}
    assert client.get("/reader/api/0/subscription/list", headers=forged).status_code == 401
    headers = _auth(client)
    info = client.get("/reader/api/0/user-info", headers=headers).json()
    assert info["userName"] == "reader1"
    assert client.get("/reader/api/0/token", headers=headers).text.strip()
    apipasswords.set_api_password(engine, facts["user"], "another app password")  # the old token dies
    assert client.get("/reader/api/0/user-info", headers=headers).status_code == 401


def test_subscriptions_folders_and_stories_as_labels(desk):
    client, _, facts, _ = desk
    headers = _auth(client)
    subscriptions = client.get("/reader/api/0/subscription/list", headers=headers).json()["subscriptions"]
    by_id = {s["id"]: s for s in subscriptions}
    assert by_id[f"feed/{facts['harbour']}"]["title"] == "Harbour Gazette"
    assert by_id[f"feed/{facts['harbour']}"]["categories"] == [{"id": "user/-/label/Local", "label": "Local"}]
    tags = [t["id"] for t in client.get("/reader/api/0/tag/list", headers=headers).json()["tags"]]
    assert STARRED in tags and "user/-/label/Local" in tags and "user/-/label/Regional" in tags
    counts = {
        c["id"]: c["count"] for c in client.get("/reader/api/0/unread-count", headers=headers).json()["unreadcounts"]
    }
    assert counts["user/-/state/com.google/reading-list"] == 7
    assert counts[f"feed/{facts['harbour']}"] == 4 and counts["user/-/label/Regional"] == 3


def test_a_story_is_a_label_whose_stream_holds_its_articles(desk):
    client, engine, facts, _ = desk
    headers = _auth(client)
    tags = [t["id"] for t in client.get("/reader/api/0/tag/list", headers=headers).json()["tags"]]
    label = "user/-/label/Story: Ferry operators agree a new timetable [5707e0000000]"
    assert label in tags
    shown = client.get("/reader/api/0/stream/contents/" + label, headers=headers).json()["items"]
    assert {parse_item_id(i["id"]) for i in shown} == {facts["arrivals"][f"{n:032x}"] for n in (2, 6)}
    client.post("/reader/api/0/mark-all-as-read", data={"s": label}, headers=headers)
    assert _unread(engine, facts) == {f"{n:032x}" for n in (1, 3, 4, 5, 7)}


def test_stream_pages_follow_their_continuation_without_overlap(desk):
    client, _, facts, _ = desk
    headers = _auth(client)
    seen, continuation, pages = [], None, 0
    while True:
        params = {"n": 3, **({"c": continuation} if continuation else {})}
        page = client.get(
            "/reader/api/0/stream/contents/user/-/state/com.google/reading-list", params=params, headers=headers
        ).json()
        seen += [parse_item_id(i["id"]) for i in page["items"]]
        pages += 1
        continuation = page.get("continuation")
        if not continuation:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)  # newest first
    oldest = client.get(
        "/reader/api/0/stream/contents", params={"s": f"feed/{facts['valley']}", "r": "o"}, headers=headers
    ).json()
    numbers = [parse_item_id(i["id"]) for i in oldest["items"]]
    assert numbers == sorted(numbers) and len(numbers) == 3
    newer = int((START + timedelta(hours=5, minutes=30)).timestamp())  # ot: only items from then on
    recent = client.get(
        "/reader/api/0/stream/items/ids",
        params={"s": "user/-/state/com.google/reading-list", "ot": newer},
        headers=headers,
    )
    assert sorted(int(r["id"]) for r in recent.json()["itemRefs"]) == [facts["arrivals"][f"{n:032x}"] for n in (6, 7)]
    folder = client.get(
        "/reader/api/0/stream/items/ids", params={"s": "user/-/label/Local", "n": 10}, headers=headers
    ).json()
    assert sorted(int(r["id"]) for r in folder["itemRefs"]) == sorted(
        facts["arrivals"][f"{n:032x}"] for n in range(1, 5)
    )


def test_edit_tag_marks_read_and_starred_in_long_and_decimal_form(desk):
    client, engine, facts, _ = desk
    headers = _auth(client)
    token = client.get("/reader/api/0/token", headers=headers).text.strip()
    first, second = facts["arrivals"][f"{1:032x}"], facts["arrivals"][f"{2:032x}"]
    answer = client.post(
        "/reader/api/0/edit-tag", data={"i": [item_id(first), str(second)], "a": READ, "T": token}, headers=headers
    )
    assert answer.status_code == 200 and answer.text == "OK"
    assert _unread(engine, facts) == {f"{n:032x}" for n in range(3, 8)}
    unread = client.get(
        "/reader/api/0/stream/items/ids",
        params={"s": "user/-/state/com.google/reading-list", "xt": READ},
        headers=headers,
    )
    assert {int(r["id"]) for r in unread.json()["itemRefs"]} == {facts["arrivals"][f"{n:032x}"] for n in range(3, 8)}
    client.post("/reader/api/0/edit-tag", data={"i": str(first), "a": STARRED, "r": READ}, headers=headers)
    starred = client.get("/reader/api/0/stream/contents/" + STARRED, headers=headers).json()["items"]
    assert [parse_item_id(i["id"]) for i in starred] == [first]
    assert READ not in starred[0]["categories"] and STARRED in starred[0]["categories"]
    contents = client.post("/reader/api/0/stream/items/contents", data={"i": [str(second)]}, headers=headers).json()
    assert READ in contents["items"][0]["categories"]
    refused = client.post(
        "/reader/api/0/edit-tag", data={"i": str(second), "r": READ, "T": "not-the-token"}, headers=headers
    )
    assert refused.status_code == 401 and f"{2:032x}" not in _unread(engine, facts)


def test_mark_all_as_read_covers_a_feed_or_a_folder_up_to_its_time(desk):
    client, engine, facts, _ = desk
    headers = _auth(client)
    cutoff = int((START + timedelta(hours=2, minutes=30)).timestamp() * 1_000_000)  # microseconds, as apps send
    answer = client.post(
        "/reader/api/0/mark-all-as-read", data={"s": f"feed/{facts['harbour']}", "ts": str(cutoff)}, headers=headers
    )
    assert answer.text == "OK"
    assert _unread(engine, facts) == {f"{n:032x}" for n in range(3, 8)}
    client.post("/reader/api/0/mark-all-as-read", data={"s": "user/-/label/Regional"}, headers=headers)
    assert _unread(engine, facts) == {f"{n:032x}" for n in (3, 4)}


def test_the_atom_stream_carries_item_ids_and_read_labels(desk):
    client, engine, facts, _ = desk
    headers = _auth(client)
    reading.set_read(engine, facts["user"].id, [f"{5:032x}"])
    atom = client.get(f"/reader/atom/feed/{facts['valley']}", params={"n": 20}, headers=headers)
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    assert atom.text.count("<entry>") == 3 and "Valley Courier" in atom.text
    assert item_id(facts["arrivals"][f"{5:032x}"]) in atom.text
    assert atom.text.count('label="read"') == 1 and atom.text.count('label="kept-unread"') == 2
    assert client.get(f"/reader/atom/feed/{facts['valley']}").status_code == 401


def _fever(client: TestClient, query: str = "", key: str | None = None, **form: str) -> dict:
    key = key or hashlib.md5(f"reader1:{API_PASSWORD}".encode()).hexdigest()
    answer = client.post(f"/fever/?api&{query}", data={"api_key": key, **form})
    return {"status": answer.status_code, **answer.json()}


def test_fever_refuses_a_wrong_key_and_lists_groups_and_feeds(desk):
    client, _, facts, _ = desk
    refused = _fever(client, "feeds", key="0" * 32)
    assert refused["status"] == 401 and refused["auth"] == 0 and "feeds" not in refused
    shown = _fever(client, "groups&feeds&favicons&links")
    assert shown["auth"] == 1 and {g["title"] for g in shown["groups"]} == {"Local", "Regional"}
    assert {f["id"] for f in shown["feeds"]} == {facts["harbour"], facts["valley"]}
    by_group = {g["group_id"]: g["feed_ids"] for g in shown["feeds_groups"]}
    assert by_group[group_id("Local")] == str(facts["harbour"]) and shown["favicons"]


def test_fever_items_since_max_and_with_ids(desk):
    client, _, facts, _ = desk
    numbers = sorted(facts["arrivals"].values())
    first = _fever(client, f"items&since_id={numbers[1]}")
    assert [i["id"] for i in first["items"]] == numbers[2:] and first["total_items"] == 7
    older = _fever(client, f"items&max_id={numbers[3]}")
    assert [i["id"] for i in older["items"]] == list(reversed(numbers[:3]))
    chosen = _fever(client, f"items&with_ids={numbers[0]},{numbers[6]}")
    assert {i["id"] for i in chosen["items"]} == {numbers[0], numbers[6]}
    assert chosen["items"][0]["is_read"] == 0 and "ferry" in chosen["items"][0]["html"]


def test_fever_marks_items_feeds_and_groups(desk):
    client, engine, facts, _ = desk
    numbers = sorted(facts["arrivals"].values())
    answer = _fever(client, "", mark="item", **{"as": "read"}, id=str(numbers[0]))
    assert str(numbers[0]) not in answer["unread_item_ids"].split(",")
    saved = _fever(client, "", mark="item", **{"as": "saved"}, id=str(numbers[1]))
    assert saved["saved_item_ids"] == str(numbers[1])
    assert _fever(client, "", mark="item", **{"as": "unsaved"}, id=str(numbers[1]))["saved_item_ids"] == ""
    _fever(client, "", mark="item", **{"as": "unread"}, id=str(numbers[0]))
    assert _unread(engine, facts) == set(facts["arrivals"])
    before = int((START + timedelta(hours=2, minutes=30)).timestamp())
    _fever(client, "", mark="feed", **{"as": "read"}, id=str(facts["harbour"]), before=str(before))
    assert _unread(engine, facts) == {f"{n:032x}" for n in range(3, 8)}
    _fever(client, "", mark="group", **{"as": "read"}, id=str(group_id("Regional")), before=str(before + 86400))
    assert _unread(engine, facts) == {f"{n:032x}" for n in (3, 4)}
    key = hashlib.md5(f"reader1:{API_PASSWORD}".encode()).hexdigest()
    client.get(f"/fever/?api&mark=group&as=read&id=0&api_key={key}")  # a GET never writes
    assert _unread(engine, facts) == {f"{n:032x}" for n in (3, 4)}
    _fever(client, "", mark="group", **{"as": "read"}, id="0")
    assert _unread(engine, facts) == set()


def _log_in(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"csrf_token": token, "username": "reader1", "password": LOGIN_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_the_site_saves_and_marks_read_in_the_state_the_apps_read(desk, config):
    client, engine, facts, asked = desk
    _log_in(client)
    article = f"{3:032x}"
    page = client.get(f"/articles/{article}")
    assert page.status_code == 200 and ("read", f"{facts['user'].id}:{article}") in asked
    from broadsheet.work import HANDLERS  # what the work thread (or a job) does with it

    HANDLERS["read"](Context(config, engine), [item for kind, item in asked if kind == "read"])
    assert article not in _unread(engine, facts)
    assert client.post(f"/saved/{article}", data={"action": "save"}).status_code == 403  # no CSRF token
    saved = client.post(
        f"/saved/{article}", data={"csrf_token": csrf_of(page.text), "action": "save", "next": "/saved"}
    )
    assert saved.status_code == 200 and "Ferry timetable change number 3" in saved.text
    assert _fever(client, "saved_item_ids")["saved_item_ids"] == str(facts["arrivals"][article])
    headers = _auth(client)
    starred = client.get("/reader/api/0/stream/contents/" + STARRED, headers=headers).json()["items"]
    assert [parse_item_id(i["id"]) for i in starred] == [facts["arrivals"][article]]
    client.post(f"/read/{article}", data={"csrf_token": csrf_of(page.text), "action": "unread"})
    assert article in _unread(engine, facts)
    latest = client.get("/latest").text
    assert latest.count("Saved: unsave") == 1 and 'class="read-mark"' not in latest
    client.post(f"/read/{article}", data={"csrf_token": csrf_of(page.text), "action": "read"})
    source_page = client.get(f"/sources/{facts['harbour']}").text
    assert source_page.count('class="read-mark"') == 1 and source_page.count("Saved: unsave") == 1
    for shown in (page.text, saved.text, latest, source_page):
        assert_valid_html(shown)


def test_the_account_page_sets_and_removes_the_api_password(desk):
    client, _, _, _ = desk
    assert client.get("/account", follow_redirects=False).status_code == 303
    _log_in(client)
    page = client.get("/account")
    assert page.status_code == 200 and "/fever/" in page.text
    assert_valid_html(page.text)
    token = csrf_of(page.text)
    mismatch = client.post(
        "/account/api-password", data={"csrf_token": token, "password": "one new password", "password_confirm": "other"}
    )
    assert mismatch.status_code == 400
    client.post(
        "/account/api-password",
        data={"csrf_token": token, "password": "one new password", "password_confirm": "one new password"},
    )
    assert client.post("/accounts/ClientLogin", data={"Email": "reader1", "Passwd": API_PASSWORD}).status_code == 401
    _auth(client, password="one new password")
    shown = client.get("/account").text
    assert "An API password is set" in shown and "Remove the API password" in shown
    assert_valid_html(shown)
    client.post("/account/api-password/remove", data={"csrf_token": token})
    assert (
        client.post("/accounts/ClientLogin", data={"Email": "reader1", "Passwd": "one new password"}).status_code == 401
    )


def test_an_address_given_with_a_trailing_slash_still_reaches_the_api():
    seen: list[str] = []

    async def app(scope, receive, send):
        seen.append(scope["path"])

    for path in ("//reader/api/0/token", "//accounts/ClientLogin", "//articles/x", "/reader/api/0/token"):
        asyncio.run(DoubleSlash(app)({"type": "http", "path": path, "raw_path": path.encode()}, None, None))
    assert seen == ["/reader/api/0/token", "/accounts/ClientLogin", "//articles/x", "/reader/api/0/token"]
