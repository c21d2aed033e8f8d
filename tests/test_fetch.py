import asyncio
from datetime import UTC

import pytest
from httpserver import Reply

from broadsheet.errors import FetchError
from broadsheet.ingest.fetch import Fetcher, FetchPolicy, retry_after_seconds


def fetch(url: str, policy: FetchPolicy | None = None, **kwargs):
    async def go():
        async with Fetcher(policy or FetchPolicy(allow_private=True, total_timeout=2)) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(go())


def test_conditional_get_answers_304(server):
    def page(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(200, b"<rss/>", {"ETag": '"v1"', "Last-Modified": "Fri, 20 Nov 2026 08:00:00 GMT"})

    server.routes["/feed"] = page
    first = fetch(server.url("/feed"))
    assert first.status == 200 and first.etag == '"v1"'
    assert fetch(server.url("/feed"), etag=first.etag).not_modified


def test_http_errors_carry_status_and_retry_after(server):
    server.routes["/busy"] = Reply(429, b"slow down", {"Retry-After": "120"})
    server.routes["/gone"] = Reply(410)
    with pytest.raises(FetchError, match="429 .* retry after 120 s") as info:
        fetch(server.url("/busy"))
    assert info.value.http_status == 429 and info.value.retry_after == 120
    with pytest.raises(FetchError) as info:
        fetch(server.url("/gone"))
    assert info.value.http_status == 410


def test_redirects_followed_and_loops_detected(server):
    server.routes["/a"] = Reply(301, headers={"Location": "/b"})
    server.routes["/b"] = Reply(302, headers={"Location": "/c"})
    server.routes["/c"] = Reply(200, b"done")
    server.routes["/loop1"] = Reply(302, headers={"Location": "/loop2"})
    server.routes["/loop2"] = Reply(302, headers={"Location": "/loop1"})
    result = fetch(server.url("/a"))
    assert result.url == server.url("/c") and result.content == b"done"
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(server.url("/loop1"))


def test_body_size_is_capped(server):
    server.routes["/big"] = Reply(200, b"x" * 50_000)
    with pytest.raises(FetchError, match="larger than"):
        fetch(server.url("/big"), FetchPolicy(allow_private=True, max_body_bytes=10_000))


def test_slow_server_times_out(server):
    server.routes["/slow"] = Reply(200, b"late", delay=1.5)
    with pytest.raises(FetchError, match="took longer|timed out"):
        fetch(server.url("/slow"), FetchPolicy(allow_private=True, total_timeout=0.5))


def test_private_addresses_refused_unless_allowed(server):
    server.routes["/x"] = Reply(200, b"ok")
    with pytest.raises(FetchError, match="non-public address 127.0.0.1"):
        fetch(server.url("/x"), FetchPolicy(allow_private=False))
    with pytest.raises(FetchError, match="only http and https"):
        fetch("file:///etc/passwd")


def test_robots_disallow_is_honoured(server):
    server.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n")
    server.routes["/private/page"] = Reply(200, b"secret")
    server.routes["/public"] = Reply(200, b"open")

    async def both():
        async with Fetcher(FetchPolicy(allow_private=True)) as fetcher:
            with pytest.raises(FetchError, match="robots.txt"):
                await fetcher.fetch(server.url("/private/page"))
            return await fetcher.fetch(server.url("/public"))

    assert asyncio.run(both()).content == b"open"
    assert [p for p, _ in server.requests].count("/robots.txt") == 1  # cached per host


def test_charset_from_header_and_user_agent_sent(server):
    server.routes["/cp"] = Reply(
        200, "Grüße “quoted”".encode("cp1252"), {"Content-Type": "text/html; charset=windows-1252"}
    )
    assert fetch(server.url("/cp")).text == "Grüße “quoted”"
    assert "Broadsheet" in server.requests[-1][1]["User-Agent"]


def test_retry_after_http_date():
    from datetime import datetime

    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("Fri, 20 Nov 2026 08:02:00 GMT", now) == 120
    assert retry_after_seconds("soon") is None
