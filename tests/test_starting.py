"""A site that is still collecting its first news (`broadsheet demo`) answers at once with the
progress so far, then opens by itself when the collection is done (or failed)."""

from __future__ import annotations

import threading

import httpx
from httpserver import AppServer

from broadsheet.context import Context
from broadsheet.pipeline.progress import Tally
from broadsheet.service import _open_when_warm
from broadsheet.web.starting import Switch, starting_app


def _start(site, warmup, engine, config):
    thread = threading.Thread(
        target=_open_when_warm, args=(site, warmup, engine, config, Context(config, engine), None)
    )
    thread.start()
    return thread


def test_the_progress_page_is_served_until_the_site_opens(engine, config):
    tally, gate = Tally(), threading.Event()

    def warmup() -> None:
        tally.start("articles", 3)
        tally.advance("articles", 2)
        tally.note("a <feed> failed")
        assert gate.wait(120)

    site = Switch(starting_app(tally))
    with AppServer(site) as base:
        thread = _start(site, warmup, engine, config)
        page = httpx.get(f"{base}/")
        assert page.status_code == 503 and page.headers["retry-after"] == "2"
        assert "articles: 2 of 3" in page.text and "a &lt;feed&gt; failed" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        api = httpx.get(f"{base}/api/articles")
        assert api.status_code == 503 and "still being collected" in api.json()["detail"]
        assert api.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{base}/healthz").status_code == 503
        gate.set()
        thread.join(120)
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/").status_code == 200


def test_a_failed_collection_still_opens_the_site(engine, config):
    def warmup() -> None:
        raise RuntimeError("the newsroom is down")

    site = Switch(starting_app(Tally()))
    with AppServer(site) as base:
        _start(site, warmup, engine, config).join(120)
        assert httpx.get(f"{base}/").status_code == 200
