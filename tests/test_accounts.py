"""Accounts over real HTTP: register, log in, log out, sessions, CSRF and rate limits."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from httpserver import AppServer
from sqlalchemy import select, update
from test_web import assert_valid_html

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.schema import stories, user_sessions, users
from broadsheet.web.app import create_app

PASSWORD = "correct horse battery"


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)


def register(http: httpx.Client, username: str, password: str = PASSWORD, **extra: str) -> httpx.Response:
    """Fill in and send the registration form as a browser would."""
    token = csrf_of(http.get("/register").text)
    return http.post(
        "/register",
        data={
            "csrf_token": token,
            "username": username,
            "password": password,
            "password_confirm": extra.pop("password_confirm", password),
            **extra,
        },
    )


def login(http: httpx.Client, username: str, password: str = PASSWORD, next: str = "/") -> httpx.Response:
    """Fill in and send the login form."""
    token = csrf_of(http.get("/login").text)
    return http.post("/login", data={"csrf_token": token, "username": username, "password": password, "next": next})


def seed(engine) -> None:
    """One readable article and one story for comments to be about."""
    source, _ = source_store.add_source(engine, "http://pub.invalid/feed", title="Pub")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="a1",
                    url="http://pub.invalid/a1",
                    title="Harbour wall repaired",
                    source_id=source.id,
                    source_name="Pub",
                    published_at=now,
                    text="First paragraph.\n\nSecond paragraph.",
                )
            ],
        )
        conn.execute(
            stories.insert().values(
                id="s1",
                title="Harbour wall",
                article_id="a1",
                first_seen=now,
                last_seen=now,
                article_count=1,
                source_count=1,
                updated_at=now,
            )
        )


@pytest.fixture
def site(engine, config):
    """The real site on a loopback port, with an article and a story."""
    seed(engine)
    with AppServer(create_app(engine, config)) as base:
        yield base


@pytest.fixture
def browser(site):
    """A browser-like client with its own cookie jar."""
    with httpx.Client(base_url=site) as http:
        yield http


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]


def test_register_log_out_and_log_in(browser, engine):
    page = browser.get("/register")
    assert page.status_code == 200
    assert_valid_html(page.text)
    assert '<label for="f-username">' in page.text and '<label for="f-password_confirm">' in page.text
    response = register(browser, "Alice", email="alice@example.org", next="/articles/a1")
    assert response.status_code == 303 and response.headers["location"] == "/articles/a1"
    cookie = set_cookie_headers(response, "broadsheet_session")[0].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "max-age=" in cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back
    front = browser.get("/")
    assert_valid_html(front.text)
    assert "Alice" in front.text and 'action="/logout"' in front.text and 'href="/login' not in front.text
    user = user_store.find_user(engine, "alice")
    assert user.role == "reader" and user.email == "alice@example.org"
    assert user_store.count_sessions(engine, user.id) == 1
    stolen = browser.cookies.get("broadsheet_session")
    out = browser.post("/logout", data={"csrf_token": csrf_of(front.text)})
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert 'broadsheet_session=""' in out.headers["set-cookie"] or "max-age=0" in out.headers["set-cookie"].lower()
    assert user_store.count_sessions(engine, user.id) == 0  # the row is gone: the old token is dead
    replay = httpx.get(str(browser.base_url) + "/", cookies={"broadsheet_session": stolen})
    assert "Log in" in replay.text and "Alice" not in replay.text
    assert login(browser, "ALICE").status_code == 303  # usernames ignore case
    assert "Alice" in browser.get("/").text


def test_passwords_are_argon2_hashes_never_plain_text(browser, engine):
    register(browser, "bob")
    with engine.connect() as conn:
        row = conn.execute(select(users)).one()
        sessions = conn.execute(select(user_sessions)).all()
    assert row.password_hash.startswith("$argon2id$")
    assert all(PASSWORD not in str(value) for value in row)
    token = browser.cookies.get("broadsheet_session")
    assert token and all(token not in str(value) for s in sessions for value in s)  # only its SHA-256 is stored


@pytest.mark.parametrize(
    "form, field, message, status",
    [
        ({"username": "al"}, "username", "3 to 32 letters", 400),
        ({"username": "<script>"}, "username", "3 to 32 letters", 400),
        ({"password": "short"}, "password", "too short: use at least 10 characters", 400),
        ({"password_confirm": "something else"}, "password_confirm", "two passwords are different", 400),
        ({"email": "not-an-address"}, "email", "does not look like an email address", 400),
        ({"username": "CAROL"}, "username", "That username is not available", 400),
        ({"username": "Admin"}, "username", "That username is not available", 400),
    ],
)
def test_registration_errors_are_tied_to_their_inputs(browser, engine, form, field, message, status):
    user_store.create_user(engine, "carol", PASSWORD)
    data = {"username": "dave", "password": PASSWORD, **form}
    response = register(browser, data.pop("username"), data.pop("password"), **data)
    assert response.status_code == status
    page = response.text
    assert_valid_html(page)
    assert message in page and "Traceback" not in page
    assert re.search(rf'id="f-{field}"[^>]*aria-describedby="[^"]*f-{field}-error', page)
    assert f'<p class="error" id="f-{field}-error">' in page
    assert "<title>Error: Register" in page and 'role="alert"' in page
    if field != "username":
        assert 'value="' + (form.get("username") or "dave") + '"' in page  # what was typed is kept (never passwords)
    assert PASSWORD not in page


def test_wrong_password_and_unknown_user_get_the_same_answer(browser, engine):
    user_store.create_user(engine, "erin", PASSWORD)
    wrong = login(browser, "erin", "not the password")
    unknown = login(browser, "nobody", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert_valid_html(response.text)
        assert "Wrong username or password." in response.text
        assert 'aria-describedby="form-error"' in response.text
    assert "broadsheet_session" not in browser.cookies
    assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(r'value="[^"]*"', "", unknown.text)


def test_csrf_is_checked_on_every_post(browser, engine, site):
    user_store.create_user(engine, "frank", PASSWORD)
    browser.get("/login")
    data = {"username": "frank", "password": PASSWORD}
    assert browser.post("/login", data=data).status_code == 403  # no token
    assert browser.post("/login", data={**data, "csrf_token": "made-up"}).status_code == 403
    with httpx.Client(base_url=site) as other:  # a token without its cookie (another browser's)
        assert other.post("/login", data={**data, "csrf_token": csrf_of(browser.get("/login").text)}).status_code == 403
    forged = "attacker.0000"  # cookie and field agree, but the signature is not the site's
    with httpx.Client(base_url=site, cookies={"broadsheet_csrf": forged}) as other:
        refused = other.post("/login", data={**data, "csrf_token": forged})
        assert refused.status_code == 403 and "reload the page" in refused.text
        assert_valid_html(refused.text)
    assert login(browser, "frank").status_code == 303
    assert browser.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert "frank" in browser.get("/").text  # still logged in


def test_failed_logins_slow_down_that_address_for_that_account(browser, engine):
    user_store.create_user(engine, "gina", PASSWORD)
    for _ in range(3):  # an owner's typos cost nothing
        assert login(browser, "gina", "wrong password").status_code == 401
    keys = user_store.login_keys("gina", "127.0.0.1")
    for _ in range(6):  # an attacker's further failures (recorded directly: no test waits on a clock)
        user_store.record_login_failure(engine, keys)
    limited = login(browser, "gina", PASSWORD)  # even the right password waits: that is the point
    assert limited.status_code == 429
    assert_valid_html(limited.text)
    assert "Too many failed logins for this account from your address" in limited.text and "try again" in limited.text
    assert int(limited.headers["retry-after"]) > 0
    assert login(browser, "someone-else", PASSWORD).status_code == 401  # other accounts: not this pair's wait


def test_registrations_are_rate_limited(browser):
    for number in range(5):
        assert register(browser, f"reader{number}").status_code == 303
        browser.cookies.clear()
    limited = register(browser, "one-too-many")
    assert limited.status_code == 429 and "Too many new accounts" in limited.text
    assert_valid_html(limited.text)


def test_cookies_are_secure_when_the_site_is_https(engine, config):
    user_store.create_user(engine, "hana", PASSWORD)
    app = create_app(engine, config.replace(public_url="https://news.example"))
    with AppServer(app) as base, httpx.Client(base_url=base) as http:
        page = http.get("/login")
        anon = set_cookie_headers(page, "__Host-broadsheet_csrf")[0]
        assert "Secure" in anon and "HttpOnly" in anon and "Domain" not in anon
        value = anon.split(";")[0].split("=", 1)[1]
        response = http.post(
            "/login",
            data={"csrf_token": csrf_of(page.text), "username": "hana", "password": PASSWORD},
            headers={"cookie": f"__Host-broadsheet_csrf={value}"},
        )
        assert response.status_code == 303
        session = set_cookie_headers(response, "__Host-broadsheet_session")[0].lower()
        assert "secure" in session and "httponly" in session and "samesite=lax" in session and "path=/" in session


def test_next_only_returns_to_this_site(browser, engine):
    user_store.create_user(engine, "ivan", PASSWORD)
    assert login(browser, "ivan", next="//evil.example/x").headers["location"] == "/"
    browser.cookies.clear()
    assert login(browser, "ivan", next="https://evil.example/").headers["location"] == "/"
    browser.cookies.clear()
    assert login(browser, "ivan", next="/articles/a1#comments").headers["location"] == "/articles/a1#comments"


def test_expired_sessions_are_ignored(browser, engine):
    register(browser, "judy")
    assert "judy" in browser.get("/").text
    with engine.begin() as conn:
        conn.execute(update(user_sessions).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert "judy" not in browser.get("/").text


def test_pages_are_valid_html(browser, engine):
    for path in ("/login", "/register", "/login?next=/articles/a1"):
        response = browser.get(path)
        assert response.status_code == 200
        assert_valid_html(response.text)
    register(browser, "kate")
    logout = browser.get("/logout")
    assert_valid_html(logout.text) and "kate" in logout.text
    assert browser.get("/login").status_code == 303  # already logged in
