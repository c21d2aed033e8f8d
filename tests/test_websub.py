"""WebSub end to end on loopback: a hub we start, our site as subscriber, signed pushes."""

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest
from fixtures_html import article_page, rss_feed
from httpserver import AppServer, Reply

from broadsheet.ingest.websub import sign, signature_valid
from broadsheet.pipeline.runner import refresh
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app


class Hub:
    """A minimal WebSub hub: accepts subscriptions with 202, then verifies intent like a real hub."""

    def __init__(self):
        self.requests: list[dict] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                hub.requests.append(form)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hub"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_signatures():
    body = b"<rss/>"
    assert signature_valid("s3cret", body, sign("s3cret", body))
    assert signature_valid("s3cret", body, sign("s3cret", body, "sha1"))
    assert not signature_valid("s3cret", body, sign("other", body))
    assert not signature_valid("s3cret", body, None) and not signature_valid("s3cret", body, "md5=abc")


@pytest.fixture
def hub():
    h = Hub()
    yield h
    h.close()


def test_subscribe_verify_and_receive_pushes(server, engine, config, hub):
    first, second = server.url("/a"), server.url("/b")
    server.routes.update({"/a": Reply(200, article_page().encode()), "/b": Reply(200, article_page("Second").encode())})
    feed_xml = rss_feed([("A", first)]).replace(
        b"<channel>",
        b'<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="' + hub.url.encode() + b'"/>',
    )
    server.routes["/feed"] = Reply(200, feed_xml)
    source, _ = source_store.add_source(engine, server.url("/feed"))
    woken = []
    app = create_app(engine, config, on_new_entries=lambda: woken.append(1))
    with AppServer(app) as base, httpx.Client(base_url=base) as client:
        cfg = config.replace(public_url=base)
        asyncio.run(refresh(engine, cfg))
        [request] = hub.requests
        assert request["hub.mode"] == "subscribe" and request["hub.topic"] == server.url("/feed")
        assert request["hub.callback"] == f"{base}/websub/{source.id}"
        assert source_store.get_source(engine, source.id).websub_state == "requested"

        # The hub verifies intent: a wrong topic is refused, the right one echoes the challenge.
        bad = client.get(
            f"/websub/{source.id}",
            params={"hub.mode": "subscribe", "hub.topic": "http://x.invalid/", "hub.challenge": "c1"},
        )
        assert bad.status_code == 404
        ok = client.get(
            f"/websub/{source.id}",
            params={
                "hub.mode": "subscribe",
                "hub.topic": server.url("/feed"),
                "hub.challenge": "c2",
                "hub.lease_seconds": "3600",
            },
        )
        assert ok.status_code == 200 and ok.text == "c2"
        stored = source_store.get_source(engine, source.id)
        assert stored.websub_state == "active" and stored.websub_expires_at is not None

        pushed = rss_feed([("A", first), ("B", second)])
        forged = client.post(f"/websub/{source.id}", content=pushed, headers={"X-Hub-Signature": sign("nope", pushed)})
        assert forged.status_code == 202 and not woken
        assert "wrong signature" in source_store.get_source(engine, source.id).websub_error
        genuine = client.post(
            f"/websub/{source.id}", content=pushed, headers={"X-Hub-Signature": sign(stored.websub_secret, pushed)}
        )
        assert genuine.status_code == 202 and woken == [1]
        assert [p.url for p in article_store.due_pending(engine)] == [second]
        assert client.post("/websub/999", content=pushed).status_code == 404
    asyncio.run(refresh(engine, cfg))
    assert article_store.count_articles(engine) == 2
    assert len(hub.requests) == 1  # a live lease is not renewed on every poll
