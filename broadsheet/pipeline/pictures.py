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


async def _round(engine: Engine, fetcher: Fetcher, ids: list[str] | None, limit: int) -> tuple[int, int]:
    """(wanted, kept) for one batch of wanted pictures."""
    items = await asyncio.to_thread(store.wanted, engine, now_utc(), limit, ids)
    if not items:
        return 0, 0
    outcomes = await asyncio.gather(*(_fetch_one(fetcher, item) for item in items))
    return len(items), await asyncio.to_thread(_keep, engine, list(zip(items, outcomes)))


async def fetch_pictures(engine: Engine, fetcher: Fetcher, ids: list[str] | None = None, limit: int = BATCH) -> int:
    """Fetch and keep the pictures still wanted (of these articles, or any due); returns how many were kept."""
    return (await _round(engine, fetcher, ids, limit))[1]


async def fetch_due(engine: Engine, fetcher: Fetcher, limit: int = PASS_LIMIT) -> int:
    """The refresh pass's share: due pictures in batches, up to `limit` (failures wait for their next try)."""
    kept, seen = 0, 0
    while seen < limit:
        try:
            wanted, stored = await _round(engine, fetcher, None, BATCH)
        except Exception:  # pictures are never worth failing a refresh for: the next pass tries again
            log.exception("pictures: a batch failed")
            break
        if not wanted:
            break
        kept, seen = kept + stored, seen + wanted
    return kept
