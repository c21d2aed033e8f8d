"""API keys over real HTTP: made and revoked on the account page (CSRF-checked forms), kept only as
hashes, and accepted by the JSON API as `Authorization: Bearer KEY`."""

from __future__ import annotations

import re

import httpx
import pytest
from httpserver import AppServer
from sqlalchemy import event, select
from test_accounts import csrf_of, login
from test_web import assert_valid_html

from broadsheet.store import apikeys as key_store
from broadsheet.store import users as user_store
from broadsheet.store.schema import api_keys
from broadsheet.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def http(engine, config):
    user_store.create_user(engine, "reader1", PASSWORD)
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as client:
        yield client


def _make_key(http: httpx.Client, name: str) -> str:
    page = http.post("/account/keys", data={"csrf_token": csrf_of(http.get("/account/keys").text), "name": name})
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    return re.search(r'<code id="new-key">([^<]+)</code>', page.text).group(1)


def test_a_reader_makes_a_key_the_api_accepts_until_it_is_revoked(http, engine):
    assert http.get("/account/keys").headers["location"].startswith("/login?next=/account/keys")
    login(http, "reader1")
    key = _make_key(http, "feed reader")
    with engine.connect() as conn:
        [row] = conn.execute(select(api_keys)).all()
    assert row.key_hash == key_store.key_hash(key) and key not in str(tuple(row))  # hashed at rest
    page = http.get("/account/keys").text
    assert_valid_html(page)
    assert "feed reader" in page and row.prefix in page and key not in page  # shown once only
    bearer = {"Authorization": f"Bearer {key}"}
    written: list[str] = []
    listen = (engine, "before_cursor_execute", lambda _c, _k, statement, *_: written.append(statement))
    event.listen(*listen)
    me = httpx.get(str(http.base_url.join("/api/me")), headers=bearer)
    event.remove(*listen)
    writes = ("INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT")
    assert not [s for s in written if s.lstrip().upper().startswith(writes)]  # a key's use writes nothing
    assert me.status_code == 200 and me.json() == {"username": "reader1", "role": "reader"}
    assert me.headers["cache-control"] == "private, no-store"
    form = re.search(r'action="(/account/keys/\d+/revoke)"', page).group(1)
    assert http.post(form, data={"csrf_token": csrf_of(page)}).status_code == 303
    revoked = httpx.get(str(http.base_url.join("/api/me")), headers=bearer)
    assert revoked.status_code == 401 and revoked.json()["detail"] == "api: that API key is unknown or was revoked"
    assert "revoked" in http.get("/account/keys").text


def test_the_api_refuses_a_missing_or_made_up_key_with_problem_details(http):
    missing = http.get("/api/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"] == "application/problem+json" and missing.json()["status"] == 401
    assert http.get("/api/me", headers={"Authorization": "Bearer bsk_madeup"}).status_code == 401
    assert http.get("/api/me", headers={"Authorization": "Basic cmVhZGVyMTpw"}).status_code == 401
    spec = http.get("/api/openapi.json").json()
    assert spec["paths"]["/api/me"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "application/problem+json" in spec["paths"]["/api/me"]["get"]["responses"]["401"]["content"]
    assert "/account/keys" not in spec["paths"]


def test_a_form_without_its_token_makes_no_key_and_a_reader_cannot_revoke_anothers(http, engine):
    other = user_store.create_user(engine, "reader2", PASSWORD)
    _, theirs = key_store.create_key(engine, other.id, "theirs")
    login(http, "reader1")
    assert http.post("/account/keys", data={"name": "forged"}).status_code == 403
    token = csrf_of(http.get("/account/keys").text)
    refused = http.post(f"/account/keys/{theirs.id}/revoke", data={"csrf_token": token})
    assert refused.status_code == 404
    assert [k.revoked_at for k in key_store.list_keys(engine, other.id)] == [None]
    assert key_store.list_keys(engine, user_store.find_user(engine, "reader1").id) == []


def test_the_page_cache_never_hands_one_keys_answer_to_another(engine, config):
    first = user_store.create_user(engine, "reader1", PASSWORD)
    second = user_store.create_user(engine, "reader2", PASSWORD)
    keys = [key_store.create_key(engine, user.id, "k")[0] for user in (first, second)]
    with AppServer(create_app(engine, config.replace(page_cache_seconds=60))) as base:
        names = [
            httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {key}"}).json()["username"] for key in keys
        ]
        assert names == ["reader1", "reader2"]
        assert httpx.get(f"{base}/api/me").status_code == 401
