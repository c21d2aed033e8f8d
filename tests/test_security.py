"""Hardening: one URL policy wherever a URL enters, safe rendering of stored rows, security headers,
XML-illegal characters, and imports that skip a bad record instead of aborting."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import httpx
import pytest
from fixtures_html import article_page
from httpserver import AppServer
from test_postgres import pg_url  # noqa: F401 (a fixture: a fresh PostgreSQL database, or skip)

from broadsheet.errors import InputError
from broadsheet.ingest.feeds import parse_feed, read_opml
from broadsheet.model import Article
from broadsheet.pipeline.bulk import import_jsonl, import_warc
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.text.urls import check_url, safe_url, url_problem
from broadsheet.web.app import create_app

HOSTILE_URLS = [
    "javascript:alert(document.domain)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x00javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "http://example.org:99999/x",
    "http://[::1/x",
    "http:///x",
    "http://user:pass@example.org/",
    "http://good.example\\@evil.example/",
    "http://-bad-.example/",
    "x" * 5000,
    "",
    "mailto:a@example.org",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_policy_refuses_everything_but_absolute_http_urls_with_a_reason(url):
    with pytest.raises(InputError, match="^url: "):
        check_url(url)
    assert safe_url(url) == ""


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("HTTP://Example.ORG:8080/x", "HTTP://Example.ORG:8080/x"),
        ("  http://example.org/a b  ", "http://example.org/a%20b"),
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/x"),
        ("http://münchen.example/", "http://münchen.example/"),
        ("http://192.0.2.1:80/", "http://192.0.2.1:80/"),
    ],
)
def test_the_policy_accepts_and_cleans_real_links(url, expected):
    assert check_url(url) == expected and url_problem(expected) is None


def test_relative_links_resolve_against_their_document():
    assert check_url("/a/b", "http://example.org/x/") == "http://example.org/a/b"
    assert safe_url("javascript:alert(1)", "http://example.org/") == ""


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile\x00 feed</title>
<link>javascript:alert('channel')</link>
<item><title>Good</title><link>http://pub.example/good</link></item>
<item><title>Script link</title><link>javascript:alert('entry')</link></item>
<item><title>Bad port</title><link>http://pub.example:99999/x</link></item>
</channel></rss>"""


def test_a_feed_never_yields_a_script_link():
    feed = parse_feed(RSS.replace(b"\x00", b"&#0;"), "http://pub.example/feed")
    assert feed.site_url == ""
    assert [e.url for e in feed.entries] == ["http://pub.example/good"]
    assert len(feed.skipped) >= 2


def test_a_json_feed_home_page_url_is_checked():
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T\u0000",
        "home_page_url": "javascript:alert(1)",
        "items": [
            {"id": "tag:pub.example,1", "url": "javascript:alert(2)", "title": "x"},
            {"id": "tag:pub.example,2", "url": "/ok", "title": "Ok\u0000 title"},
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), "https://pub.example/feed.json")
    assert feed.site_url == "" and feed.title == "T"
    assert [(e.url, e.title) for e in feed.entries] == [("https://pub.example/ok", "Ok title")]


OPML = b"""<?xml version="1.0"?><opml version="2.0"><body>
<outline text="good" xmlUrl="http://pub.example/feed" htmlUrl="javascript:alert(1)"/>
<outline text="script" xmlUrl="javascript:alert(2)"/>
<outline text="port" xmlUrl="http://pub.example:99999/feed"/>
<outline text="v6" xmlUrl="http://[::1/feed"/>
</body></opml>"""


def test_opml_reports_and_skips_bad_outlines():
    found = read_opml(OPML)
    assert [(s.feed_url, s.site_url) for s in found.sources] == [("http://pub.example/feed", "")]
    assert len(found.skipped) == 3 and all(r.startswith("opml: outline ") for r in found.skipped)


IMPORT = [
    {"id": "1", "url": "http://example.org:99999/x", "text": "Bad port article body."},
    {"id": "2", "url": "http://[::1/x", "text": "Bad IPv6 article body."},
    {"id": "3", "url": "javascript:alert(document.domain)", "text": "Script URL article body."},
    {
        "id": "4",
        "url": "https://example.org/a",
        "title": "Nul\u0000 title",
        "text": "Body\u0000 four.",
        "image": "javascript:alert(1)",
    },
    {"id": "5", "url": "https://example.org/b", "text": "Body five.", "image": "https://example.org/i.png"},
    {"id": "6", "text": "Body six without a URL."},
    {"id": "7", "url": 12, "text": "Body seven."},
    {"id": "8", "url": "https://example.org/c", "text": "Body eight.", "image": "data:image/png;base64,AAAA"},
]


def test_import_reports_and_skips_bad_urls_and_keeps_the_rest(tmp_path, engine):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in IMPORT), encoding="utf-8")
    report = import_jsonl(engine, path)
    assert report.lines == 8 and report.imported == 4
    assert [e.split(":")[1].strip() for e in report.errors] == ["line 1", "line 2", "line 3", "line 7"]
    stored = {a.import_id: a for a in article_store.latest_articles(engine, limit=10)}
    assert sorted(stored) == ["4", "5", "6", "8"]
    assert stored["4"].title == "Nul title" and "\x00" not in stored["4"].text and stored["4"].image == ""
    assert stored["5"].image == "https://example.org/i.png" and stored["8"].image == ""


def test_the_import_command_exits_zero_and_says_what_it_skipped(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in IMPORT), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--data-dir", str(tmp_path), "import", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Imported 4 of 8 records; 4 lines skipped." in run.stdout


def _warc_response(url: str, body: bytes) -> bytes:
    """One uncompressed WARC/1.0 response record, written by hand (any target URI, however hostile)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{abs(hash(url)):032x}>\r\n"
        f"WARC-Date: 2026-11-01T00:00:00Z\r\nWARC-Target-URI: {url}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    )
    return head.encode() + http + b"\r\n\r\n"


def test_warc_skips_records_with_bad_target_uris(tmp_path, engine):
    warc = tmp_path / "crawl.warc"
    page = article_page().encode()
    warc.write_bytes(
        b"".join(
            _warc_response(u, page)
            for u in ("http://example.org:99999/x", "javascript:alert(1)", "http://echo.invalid/ok")
        )
    )
    report = import_warc(engine, warc)
    # warcio itself drops the record whose URI has no http scheme; the bad port reaches the policy.
    assert report.imported == 1 and report.errors and all(e.startswith("warc: ") for e in report.errors)
    assert [a.url for a in article_store.latest_articles(engine)] == ["http://echo.invalid/ok"]


def _stored_hostile_rows(engine) -> int:
    """Rows stored before the URL policy existed: script URLs straight into the database."""
    source, _ = source_store.add_source(
        engine, "javascript:alert('feed')", title="Old source", site_url="javascript:alert('site')"
    )
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="old1",
                    url="javascript:alert('url')",
                    title="Old row",
                    text="Stored long ago.",
                    source_id=source.id,
                    source_name="Old source",
                    image="javascript:alert('img')",
                    published_at=datetime.now(UTC),
                )
            ],
        )
    return source.id


def test_rows_stored_before_the_policy_never_render_as_links(engine, config):
    source_id = _stored_hostile_rows(engine)
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        pages = [http.get(p) for p in ("/articles/old1", f"/sources/{source_id}", "/sources", "/feed.atom")]
    for response in pages:
        assert response.status_code == 200
        assert "javascript:" not in response.text.lower()


def test_every_response_carries_the_security_headers(engine, config):
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        responses = [
            http.get("/"),
            http.get("/nowhere"),
            http.get("/api/articles"),
            http.get("/static/style.css"),
            http.get("/feed.atom"),
        ]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] and response.headers["permissions-policy"]


def test_a_nul_in_a_stored_title_still_makes_a_valid_atom_feed(engine, config):
    # PostgreSQL text cannot hold a NUL at all; the other XML-illegal characters it stores as they come.
    title = "Bad\x0b title" if engine.dialect.name == "postgresql" else "Bad\x00\x0b title"
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="n1",
                    url="http://pub.example/n1",
                    title=title,
                    text="Body\x01 text.",
                    published_at=datetime.now(UTC),
                )
            ],
        )
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        body = http.get("/feed.atom").content
    titles = [e.text for e in ET.fromstring(body).iter("{http://www.w3.org/2005/Atom}title")]
    assert "Bad title" in titles


def test_a_forged_host_header_never_reaches_feed_links_or_other_readers(engine, config):
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="h1", url="http://pub.example/h1", title="Hosted", text="Body.", published_at=datetime.now(UTC)
                )
            ],
        )
    cached = config.replace(page_cache_seconds=60.0, public_url="https://news.example/")
    with AppServer(create_app(engine, cached)) as base, httpx.Client(base_url=base) as http:
        forged = http.get("/feed.atom?p=1", headers={"Host": "evil.example"})
        honest = http.get("/feed.atom?p=1")
    for response in (forged, honest):
        assert response.status_code == 200 and b"evil.example" not in response.content
        assert b'href="https://news.example/articles/h1"' in response.content


def test_without_public_url_only_a_trusted_host_is_used(engine, config):
    trusting = config.replace(trusted_hosts="news.example, other.example:8080", port=8123)
    with AppServer(create_app(engine, trusting)) as base, httpx.Client(base_url=base) as http:
        trusted = http.get("/feed.atom", headers={"Host": "news.example"}).content
        forged = http.get("/feed.atom", headers={"Host": "evil.example"}).content
    assert b'href="http://news.example/"' in trusted
    assert b"evil.example" not in forged and b'href="http://127.0.0.1:8123/"' in forged


HOSTILE_REQUESTS = [
    ("/latest?page=9223372036854775807", 404, "html"),
    ("/latest?page=99999999999999999999999", 404, "html"),
    ("/?page=%C2%B2", 200, "html"),
    ("/sources/9223372036854775808", 404, "html"),
    ("/sources/99999999999999999999/feed.atom", 404, "html"),
    ("/search?q=x&source=%C2%B2", 404, "html"),
    ("/search?q=x&source=99999999999999999999999&page=1", 404, "html"),
    ("/comments/99999999999999999999", 404, "html"),
    ("/nowhere", 404, "html"),
    ("/entities/99999999999999999999", 404, "html"),
    ("/api/articles?offset=9223372036854775807", 422, "json"),
    ("/api/articles?source_id=99999999999999999999", 422, "json"),
    ("/api/sources/99999999999999999999", 422, "json"),
    ("/api/entities/99999999999999999999", 422, "json"),
    ("/api/search?q=x&since=0001-01-01", 200, "json"),
    ("/api/search?q=x&until=9999-12-31T23:59:59-23:59", 200, "json"),
    ("/api/search?q=x&since=0001-01-01T00:00:00%2B23:59", 200, "json"),
    ("/api/search?q=x&section=business", 200, "json"),
    ("/api/search?q=x&section=astrology", 400, "json"),
    ("/api/stories?section=BUSINESS", 200, "json"),
    ("/api/stories?section=astrology", 400, "json"),
    ("/api/nowhere", 404, "json"),
    ("/api/stories?offset=-1", 422, "json"),
]


@pytest.mark.parametrize("path, status, kind", HOSTILE_REQUESTS)
def test_out_of_range_input_is_refused_in_the_project_shape_never_500(engine, config, path, status, kind):
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        response = http.get(path)
        again = http.get("/healthz")  # the same keep-alive connection still answers
    assert response.status_code == status, response.text[:300]
    assert again.status_code == 200
    if kind == "json" and status == 200:
        assert response.headers["content-type"].startswith("application/json")
    elif kind == "json":  # problem details (RFC 9457)
        assert response.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(response.json()) and response.json()["status"] == status
    else:
        assert response.headers["content-type"].startswith("text/html") and "<!doctype html>" in response.text.lower()


def test_section_filters_agree_between_pages_and_api(engine, config):
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        statuses = [
            http.get(p).status_code
            for p in ("/sections/BUSINESS", "/api/stories?section=business", "/api/search?q=x&section=Business")
        ]
        page = http.get("/search", params={"q": "x", "section": "business"}).text
    assert statuses == [200, 200, 200]
    assert '<option value="Business" selected' in page or 'value="Business" selected' in page


def test_the_login_delay_doubles_past_the_free_failures_and_is_capped():
    from broadsheet.store.users import MAX_LOGIN_DELAY, login_delay

    assert [login_delay(n).total_seconds() for n in range(6)] == [0, 1, 2, 4, 8, 16]
    assert login_delay(40) == MAX_LOGIN_DELAY


def test_failures_are_kept_per_pair_in_the_database_and_forgotten_after_success(engine):
    from broadsheet.store import users as user_store

    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    keys = user_store.login_keys("Owner", "203.0.113.9")
    for _ in range(3):
        user_store.record_login_failure(engine, keys, now=now)
    assert user_store.login_wait(engine, keys, now=now) == 0  # three free failures
    for _ in range(3):
        user_store.record_login_failure(engine, keys, now=now)
    assert user_store.login_wait(engine, keys, now=now) == 4.0  # then 1, 2, 4 seconds
    other = user_store.login_keys("owner", "198.51.100.7")
    assert user_store.login_wait(engine, other, now=now) == 0  # the owner elsewhere is not slowed
    user_store.clear_login_failures(engine, keys)
    assert user_store.login_wait(engine, keys, now=now) == 0


class DirectServer(AppServer):
    """AppServer without uvicorn's own X-Forwarded-For handling (as `broadsheet serve` runs it)."""

    def __init__(self, app: object):
        import threading

        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off", proxy_headers=False)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)


def _login(http: httpx.Client, username: str, password: str, forwarded: str | None = None) -> httpx.Response:
    import re

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login", headers=headers).text).group(1)
    return http.post("/login", data={"csrf_token": token, "username": username, "password": password}, headers=headers)


def test_an_attacker_behind_a_trusted_proxy_never_locks_the_owner_out(engine, config):
    from broadsheet.store import users as user_store

    user_store.create_user(engine, "owner", "correct horse battery")
    app = create_app(engine, config.replace(trusted_proxies="127.0.0.1"))
    with DirectServer(app) as base, httpx.Client(base_url=base) as attacker, httpx.Client(base_url=base) as owner:
        for _ in range(5):
            assert _login(attacker, "owner", "wrong guess", "203.0.113.9").status_code in (401, 429)
        for _ in range(6):
            user_store.record_login_failure(engine, user_store.login_keys("owner", "203.0.113.9"))
        slowed = _login(attacker, "owner", "correct horse battery", "203.0.113.9")
        welcome = _login(owner, "owner", "correct horse battery", "10.0.0.5, 198.51.100.7")
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) >= 1
    assert welcome.status_code == 303


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(engine, config):
    from broadsheet.store import users as user_store

    user_store.create_user(engine, "owner", "correct horse battery")
    for _ in range(10):
        user_store.record_login_failure(engine, user_store.login_keys("owner", "127.0.0.1"))
    with DirectServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        rotated = [_login(http, "owner", "wrong", f"198.51.100.{n}").status_code for n in range(3)]
    assert rotated == [429, 429, 429]  # the connection's address is the client's: rotating the header buys nothing


def test_login_throttling_and_the_url_policy_on_postgres(pg_url, tmp_path):
    from broadsheet.store import users as user_store
    from broadsheet.store.db import open_database

    engine = open_database(pg_url)
    try:
        keys = user_store.login_keys("owner", "203.0.113.9")
        now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        for _ in range(5):
            user_store.record_login_failure(engine, keys, now=now)
        assert user_store.login_wait(engine, keys, now=now) == 2.0
        assert user_store.login_wait(engine, user_store.login_keys("owner", "198.51.100.7"), now=now) == 0
        path = tmp_path / "in.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in IMPORT), encoding="utf-8")
        report = import_jsonl(engine, path)  # PostgreSQL refuses NUL in text: stripped on the way in
        assert report.imported == 4 and len(report.errors) == 4
    finally:
        engine.dispose()
