"""The pictures stage: each stored article's lead image fetched once through the polite fetcher
(SSRF guard, size caps), resized into a few widths and kept in the store, so pages serve it from
the site's own origin. Never run by a page view. A failed or non-image fetch is recorded on the
picture's row and tried again later with a growing wait; the article never waits for its picture.
Idempotent: an article whose picture is stored is not fetched again."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import Engine

from broadsheet.errors import BroadsheetError
from broadsheet.extract.pictures import Picture, resize_picture
from broadsheet.ingest.fetch import Fetcher
from broadsheet.pipeline.progress import Progress
from broadsheet.pipeline.stages import now_utc
from broadsheet.store import pictures as store
from broadsheet.store.db import retry_write

log = logging.getLogger(__name__)
BATCH = 50  # pictures fetched at once (the fetcher keeps each host's limits)
PASS_LIMIT = 500  # pictures one refresh pass fetches; the rest wait for the next
RETRY_BASE = timedelta(minutes=30)
RETRY_MAX = timedelta(days=2)
NOT_IMAGES = ("text/", "application/json", "application/xml", "application/xhtml")


def retry_delay(failures: int) -> timedelta:
    """How long a picture that failed `failures` times waits before the next try."""
    return min(RETRY_MAX, RETRY_BASE * 2 ** max(0, failures - 1))


async def _fetch_one(fetcher: Fetcher, item: store.Wanted) -> Picture | str:
    """The resized picture, or why there is none."""
    try:
        result = await fetcher.fetch(item.url)
        kind = result.content_type.split(";")[0].strip().lower()
        if kind.startswith(NOT_IMAGES):
            return f"pictures: {item.url} is {kind}, not an image"
        return await asyncio.to_thread(resize_picture, result.content)
    except BroadsheetError as exc:
        return str(exc)


def _keep(engine: Engine, done: list[tuple[store.Wanted, Picture | str]]) -> int:
    now = now_utc()

    def write() -> int:
        with engine.begin() as conn:
            for item, outcome in done:
                if isinstance(outcome, Picture):
                    store.save_picture(conn, item, outcome, now)
                else:
                    log.info("pictures: article %s: %s", item.article_id, outcome)
                    store.record_failure(conn, item, outcome, now + retry_delay(item.error_count + 1), now)
        return sum(isinstance(outcome, Picture) for _, outcome in done)

    return retry_write(write, "pictures")


async def _fetch_and_keep(engine: Engine, fetcher: Fetcher, items: list[store.Wanted]) -> int:
    """Fetch these pictures at once (the fetcher keeps each host's limits) and keep what came; how many were kept."""
    outcomes = await asyncio.gather(*(_fetch_one(fetcher, item) for item in items))
    return await asyncio.to_thread(_keep, engine, list(zip(items, outcomes)))


async def fetch_pictures(engine: Engine, fetcher: Fetcher, ids: list[str] | None = None, limit: int = BATCH) -> int:
    """Fetch and keep the pictures still wanted (of these articles, or any due); returns how many were kept."""
    items = await asyncio.to_thread(store.wanted, engine, now_utc(), limit, ids)
    return await _fetch_and_keep(engine, fetcher, items) if items else 0


async def fetch_due(engine: Engine, fetcher: Fetcher, limit: int = PASS_LIMIT, progress: Progress | None = None) -> int:
    """The refresh pass's share: the due pictures, up to `limit`, a batch at a time (failures wait
    for their next try; a batch that breaks ends the pass's share, never the pass)."""
    progress = progress or Progress()
    kept = 0
    try:
        items = await asyncio.to_thread(store.wanted, engine, now_utc(), limit, None)
        if items:
            progress.start("pictures", len(items))
        for start in range(0, len(items), BATCH):
            kept += await _fetch_and_keep(engine, fetcher, items[start : start + BATCH])
            progress.advance("pictures", len(items[start : start + BATCH]))
    except Exception:  # pictures are never worth failing a refresh for: the next pass tries again
        log.exception("pictures: a batch failed")
    return kept
