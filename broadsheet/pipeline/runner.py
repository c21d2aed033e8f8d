"""The in-process pipeline: source → fetch → parse → extract → store, one pass at a time.

One item failing never aborts the pass: the failure is recorded on its source or article
row (error, count, next try) and the rest goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urljoin

from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, FeedError, FetchError
from broadsheet.ingest import schedule
from broadsheet.ingest.feeds import COMMON_FEED_PATHS, discover_feeds, looks_like_feed, parse_source_document
from broadsheet.ingest.fetch import Fetcher, FetchPolicy, FetchResult
from broadsheet.model import Article, ParsedFeed, Source
from broadsheet.pipeline import enrich, explain, pictures, push, related, sitelearn, stages
from broadsheet.pipeline.progress import Progress
from broadsheet.pipeline.workers import POOL_THRESHOLD, run_cpu, worker_count
from broadsheet.store import articles as article_store
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store import generations, leases, semantic
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store import work as work_store
from broadsheet.store.db import optimize, retry_write, serialize_placement
from broadsheet.store.schema import articles as articles_table
from broadsheet.store.schema import sources as sources_table

log = logging.getLogger(__name__)
SAVE_BATCH = 50
ARTICLE_RETRY_BASE = timedelta(minutes=10)  # first wait before a failed article page is tried again


@dataclass
class RefreshReport:
    """What one refresh pass did."""

    sources_polled: int = 0
    sources_failed: int = 0
    new_entries: int = 0
    articles_saved: int = 0
    articles_failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage (summed over items)
    saved: list[Article] = field(default_factory=list, repr=False)  # for the understand stage

    def add_time(self, stage: str, seconds: float) -> None:
        """Account time spent in a stage."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


def fetch_policy(config: Config) -> FetchPolicy:
    """The fetch limits from settings."""
    agent = config.user_agent + (f" (+{config.contact_url})" if config.contact_url else "")
    return FetchPolicy(
        user_agent=agent,
        total_timeout=config.fetch_timeout,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        max_body_bytes=config.max_body_bytes,
        per_host=config.per_host_concurrency,
        per_host_delay=config.per_host_delay,
        global_limit=config.global_concurrency,
        allow_private=config.allow_private_addresses,
    )


async def _usable_feed(fetcher: Fetcher, url: str) -> tuple[str, str] | None:
    """(feed url, title) when the URL serves a parseable feed or sitemap, else None."""
    try:
        result = await fetcher.fetch(url)
        if looks_like_feed(result.content):
            return result.url, parse_source_document(result.content, result.url, result.content_type).title
    except BroadsheetError as exc:
        log.info("discovery: %s is not usable (%s)", url, exc)
    return None


async def resolve_feed_url(fetcher: Fetcher, url: str) -> tuple[str, str]:
    """The feed URL and title for a feed URL, or for a site URL that advertises its feed
    (<link rel="alternate">) or serves one at a common path."""
    result = await fetcher.fetch(url)
    if looks_like_feed(result.content):
        return result.url, parse_source_document(result.content, result.url, result.content_type).title
    candidates = discover_feeds(result.text, result.url)
    candidates += [urljoin(result.url, path) for path in COMMON_FEED_PATHS]
    for candidate in dict.fromkeys(candidates):
        found = await _usable_feed(fetcher, candidate)
        if found:
            return found
    raise FeedError(f"sources: {url} is neither a feed nor a page that links to one")


async def add_source_url(engine: Engine, config: Config, url: str) -> tuple[Source, bool]:
    """Add a source from a feed or site URL, checking that a feed is really there."""
    async with Fetcher(fetch_policy(config)) as fetcher:
        feed_url, title = await resolve_feed_url(fetcher, url)
    return source_store.add_source(engine, feed_url, title=title)


def _poll_bounds(config: Config) -> tuple[timedelta, timedelta]:
    low = timedelta(seconds=config.min_poll_interval)
    return low, max(low, timedelta(seconds=config.max_poll_interval))


def _record_poll_failure(engine: Engine, config: Config, source: Source, exc: BroadsheetError) -> None:
    """Keep the failure on the source and schedule the retry (backoff, unhealthy, gone)."""
    status = exc.http_status if isinstance(exc, FetchError) else None
    retry_after = exc.retry_after if isinstance(exc, FetchError) else None
    delay = schedule.failure_delay(source.error_count + 1, _poll_bounds(config)[0], status, retry_after)
    source_store.record_failure(engine, source.key, str(exc), stages.now_utc() + delay, status=status)
    log.warning("source %s (%s): %s", source.id, source.feed_url, exc)


async def _with_child_sitemaps(fetcher: Fetcher, feed: ParsedFeed) -> ParsedFeed:
    """For a sitemap index, gather the entries of its newest child sitemaps."""
    for child_url in feed.sitemaps:
        try:
            child = await fetcher.fetch(child_url)
            parsed = parse_source_document(child.content, child.url, child.content_type)
            feed.entries.extend(parsed.entries)
            feed.skipped.extend(parsed.skipped)
        except BroadsheetError as exc:
            feed.skipped.append(f"child sitemap {child_url}: {exc}")
    return feed


async def poll_source(
    engine: Engine, config: Config, fetcher: Fetcher, source: Source, use_pool: bool = False, workers: int = 1
) -> list[Article]:
    """Fetch and parse one feed; store its health with placeholders for its new entries (one
    transaction, so a crash never keeps the validators of a feed whose entries were lost).

    Parsing runs off the event loop (in the extraction pool when a pass polls many feeds: its
    workers are idle until pages come), and so do the reads and writes, so that one feed's parse
    does not hold up the other feeds' requests."""
    now = stages.now_utc()
    low, high = _poll_bounds(config)
    try:
        result = await fetcher.fetch(source.feed_url, etag=source.etag, last_modified=source.last_modified)
        if result.not_modified:
            await asyncio.to_thread(_record_not_modified, engine, source, now, low, high)
            return []
        feed = await run_cpu(
            parse_source_document, result.content, result.url, result.content_type, use_pool=use_pool, workers=workers
        )
        feed = await _with_child_sitemaps(fetcher, feed)
    except BroadsheetError as exc:
        await asyncio.to_thread(_record_poll_failure, engine, config, source, exc)
        raise
    next_poll = now + schedule.adaptive_interval([e.published for e in feed.entries], now, low, high)
    pending = [stages.pending_from_entry(entry, source) for entry in feed.entries]
    new = await asyncio.to_thread(
        retry_write, lambda: _save_poll(engine, source, result, feed, next_poll, pending), "poll"
    )
    source.title = source.title or feed.title
    if push.needs_subscription(source, feed, config):
        await push.subscribe(engine, config, fetcher.policy, source, feed.hub)
    return new


def _record_not_modified(engine: Engine, source: Source, now: datetime, low: timedelta, high: timedelta) -> None:
    """A 304: the feed is healthy and unchanged; the next poll follows its own publishing rhythm."""
    times = article_store.recent_publish_times(engine, source.key)
    source_store.record_success(engine, source.key, 304, now + schedule.adaptive_interval(times, now, low, high))


def _save_poll(
    engine: Engine, source: Source, result: FetchResult, feed: ParsedFeed, next_poll: datetime, pending: list[Article]
) -> list[Article]:
    """The source's health and validators with placeholders for its new entries, in one
    transaction; returns the entries that were new."""
    known = article_store.known_ids(engine, [p.id for p in pending])
    new = [p for p in pending if p.id not in known]
    with engine.begin() as conn:
        source_store.save_success(
            conn,
            source.key,
            result.status,
            next_poll,
            etag=result.etag,
            last_modified=result.last_modified,
            title=source.title or feed.title,
            site_url=source.site_url or feed.site_url,
            warning=_skipped_warning(feed.skipped),
        )
        article_store.add_pending(conn, new)
    return new


def _skipped_warning(skipped: list[str]) -> str | None:
    """The first few entries a feed's parse skipped, for the source's health line."""
    if not skipped:
        return None
    return "; ".join(skipped[:3]) + (f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else "")


async def fetch_article(
    fetcher: Fetcher, pending: Article, report: RefreshReport | None = None, use_pool: bool = False, workers: int = 1
) -> Article:
    """Fetch an entry's page and extract its article (extraction runs off the event loop)."""
    result = await fetcher.fetch(pending.meta.get("entry_url") or pending.url)
    article, seconds = await run_cpu(
        stages.timed_article_from_page, pending, result.text, result.url, use_pool=use_pool, workers=workers
    )
    if report is not None:
        report.add_time("extract (CPU in workers)", seconds)
    return article


async def poll_due_sources(
    engine: Engine, config: Config, fetcher: Fetcher, progress: Progress, report: RefreshReport, owner: str
) -> None:
    """Poll every due source no other live process holds, all at once (politeness is the fetcher's)."""
    due = await asyncio.to_thread(source_store.claim_due_sources, engine, owner)
    progress.start("feeds", len(due))
    use_pool, workers = len(due) >= POOL_THRESHOLD, worker_count(config.extract_workers)

    async def one(source: Source) -> None:
        try:
            new = await poll_source(engine, config, fetcher, source, use_pool, workers)
            report.new_entries += len(new)
        except BroadsheetError as exc:
            report.sources_failed += 1
            report.errors.append(f"{source.feed_url}: {exc}")
            progress.note(f"{source.title or source.feed_url}: {exc}")
        finally:
            report.sources_polled += 1
            progress.advance("feeds")

    await asyncio.gather(*(one(s) for s in due))


async def _fetch_all(
    engine: Engine, config: Config, fetcher: Fetcher, progress: Progress, report: RefreshReport, owner: str
) -> None:
    """Fetch and extract every due article page this process can lease, in chunks, until none is left."""
    tried: set[str] = set()
    workers = worker_count(config.extract_workers)
    while True:
        due = [p for p in article_store.due_pending(engine, limit=2000) if p.id not in tried]
        if not due:
            return
        tried.update(p.id for p in due)
        held = set(await asyncio.to_thread(leases.claim, engine, articles_table, [p.id for p in due], owner))
        pending = [p for p in due if p.id in held]  # the others are being fetched by another process
        progress.start("articles", len(pending))
        await _fetch_chunk(engine, fetcher, pending, progress, report, len(pending) >= POOL_THRESHOLD, workers)


def record_article_failure(engine: Engine, item: Article, exc: BroadsheetError) -> None:
    """Keep a page's failure on its row and schedule the retry (backoff, Retry-After)."""
    status = exc.http_status if isinstance(exc, FetchError) else None
    retry_after = exc.retry_after if isinstance(exc, FetchError) else None
    delay = schedule.failure_delay(item.error_count + 1, ARTICLE_RETRY_BASE, status, retry_after)
    retry_write(
        lambda: article_store.record_article_failure(engine, item.id, str(exc), stages.now_utc() + delay),
        "article failure",
    )
    log.warning("article %s (%s): %s", item.id, item.url, exc)


async def _fetch_chunk(
    engine: Engine,
    fetcher: Fetcher,
    pending: list[Article],
    progress: Progress,
    report: RefreshReport,
    use_pool: bool,
    workers: int,
) -> None:
    ready: list[Article] = []

    async def one(item: Article) -> None:
        try:
            ready.append(await fetch_article(fetcher, item, report, use_pool, workers))
        except BroadsheetError as exc:
            report.articles_failed += 1
            report.errors.append(f"{item.url}: {exc}")
            await asyncio.to_thread(record_article_failure, engine, item, exc)
        finally:
            progress.advance("articles")
        if len(ready) >= SAVE_BATCH:
            await flush()

    async def flush() -> None:
        # Storing runs the understand and enrich stages (embeddings, NER): in a thread, one batch
        # at a time (SQLite has one writer), so the event loop keeps fetching meanwhile.
        async with save_lock:
            batch, ready[:] = list(ready), []
            await asyncio.to_thread(_save, engine, batch, report)

    save_lock = asyncio.Lock()
    await asyncio.gather(*(one(p) for p in pending))
    await flush()


def _save(engine: Engine, batch: list[Article], report: RefreshReport) -> None:
    """Write a batch in one transaction (site learning, articles); understanding follows the pass."""
    if batch:
        started = time.perf_counter()

        def write() -> None:
            with engine.begin() as conn:
                learned = sitelearn.clean_batch(conn, batch)
                article_store.save_articles(conn, batch)
                sitelearn.reclean_sites(conn, learned)

        retry_write(write, "store")
        report.articles_saved += len(batch)
        report.saved.extend(batch)
        report.add_time("store (site learning + writes)", time.perf_counter() - started)


UNDERSTAND_BATCH = 100
FINISH_LIMIT = 20_000  # stored articles taken per stage and pass (the rest waits for the next pass)


def _place(engine: Engine, ids: list[str]) -> None:
    """Understand and enrich a chunk of unplaced articles in one transaction (placement is serialised)."""

    def write() -> None:
        with engine.begin() as conn:
            serialize_placement(conn)
            chunk = story_store.unplaced(conn, ids)  # another process may have placed some meanwhile
            enrich.understand_and_enrich(engine, conn, chunk)

    retry_write(write, "understand")


def _enrich(engine: Engine, ids: list[str]) -> None:
    def write() -> None:
        with engine.begin() as conn:
            enrich.enrich_articles(engine, conn, enrichment_store.unenriched(conn, ids, enrich.VERSION))

    retry_write(write, "enrich")


def _keep_related(engine: Engine, unranked: list[str], progress: Progress) -> None:
    """The related lists of articles placed but never ranked."""
    try:
        if unranked:
            progress.start("related", len(unranked))
        retry_write(lambda: related.keep_related(engine, unranked), "related")
        progress.advance("related", len(unranked))
    except Exception:  # pages rank them on first view instead
        log.exception("refresh: keeping related lists failed")


def _keep_digests(engine: Engine, placed: list[str], progress: Progress) -> None:
    """The digests (summary, timeline, what each source adds) of the stories these articles joined."""
    if not placed:
        return
    stories = story_store.story_ids_of(engine, placed)
    progress.start("digests", len(stories))
    try:
        for start in range(0, len(stories), UNDERSTAND_BATCH):
            chunk = stories[start : start + UNDERSTAND_BATCH]
            retry_write(partial(explain.keep_digests, engine, chunk), "digests")
            progress.advance("digests", len(chunk))
    except Exception:  # the first view of a story makes its digest instead
        log.exception("refresh: making story digests failed")


def finish_work(engine: Engine, report: RefreshReport | None = None, progress: Progress | None = None) -> bool:
    """Place, enrich and rank every stored article still waiting for it, oldest first.

    Works from the store, not from what this pass fetched: articles stored by a pass that was
    killed (or by another process) are finished here, and a pass that was never interrupted
    does exactly the same work in the same order. True when there was work (pages changed)."""
    report, progress = report or RefreshReport(), progress or Progress()
    started = time.perf_counter()
    unplaced = work_store.unplaced_ids(engine, FINISH_LIMIT)
    if unplaced:
        from broadsheet.pipeline.asked import warm_models

        progress.start("models", 1)
        warm_models(engine)  # models load before the write lock is taken, not while it is held
        progress.advance("models")
        progress.start("stories", len(unplaced))
    for start in range(0, len(unplaced), UNDERSTAND_BATCH):
        _place(engine, unplaced[start : start + UNDERSTAND_BATCH])
        progress.advance("stories", len(unplaced[start : start + UNDERSTAND_BATCH]))
    unenriched = work_store.unenriched_ids(engine, enrich.VERSION, FINISH_LIMIT)
    if unenriched:
        progress.start("enrich", len(unenriched))
    for start in range(0, len(unenriched), UNDERSTAND_BATCH):
        _enrich(engine, unenriched[start : start + UNDERSTAND_BATCH])
        progress.advance("enrich", len(unenriched[start : start + UNDERSTAND_BATCH]))
    report.add_time("phase 3: understand + enrich (wall)", time.perf_counter() - started)
    started = time.perf_counter()
    unranked = work_store.unranked_ids(engine, FINISH_LIMIT)
    _keep_related(engine, unranked, progress)
    report.add_time("phase 3: related lists (wall)", time.perf_counter() - started)
    started = time.perf_counter()
    _keep_digests(engine, unranked, progress)  # the stories every newly placed article joined
    report.add_time("phase 3: story digests (wall)", time.perf_counter() - started)
    retry_write(lambda: semantic.build_snapshot(engine), "vector index")  # what search's web processes load
    return bool(unplaced or unenriched or unranked)


async def refresh(
    engine: Engine,
    config: Config,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
    pictures_too: bool = True,
) -> RefreshReport:
    """One pass: poll every due source, fetch every due article page, finish stored work, then fetch
    the pictures (`pictures_too=False` leaves them to the next pass: the demo opens its site first)."""
    progress = progress or Progress()
    report = RefreshReport()
    owner = leases.new_owner()
    own = fetcher is None
    fetcher = fetcher or Fetcher(fetch_policy(config))
    try:
        started = time.perf_counter()
        await poll_due_sources(engine, config, fetcher, progress, report, owner)
        report.add_time("phase 1: poll feeds (wall)", time.perf_counter() - started)
        started = time.perf_counter()
        await _fetch_all(engine, config, fetcher, progress, report, owner)
        report.add_time("phase 2: articles (wall)", time.perf_counter() - started)
        changed = await asyncio.to_thread(finish_work, engine, report, progress)
        started = time.perf_counter()
        if pictures_too:  # after the news: never holds it up
            changed = bool(await pictures.fetch_due(engine, fetcher, progress=progress)) or changed
        report.add_time("phase 4: pictures (wall)", time.perf_counter() - started)
        if changed or report.articles_saved:
            await asyncio.to_thread(retry_write, lambda: generations.bump(engine), "generation")  # web caches
    finally:
        if own:
            await fetcher.__aexit__(None, None, None)
        await asyncio.to_thread(_release, engine, owner)
    optimize(engine)  # the tables grew: keep the planner's statistics current
    return report


def _release(engine: Engine, owner: str) -> None:
    """Give back this pass's leases (a killed pass's are taken over by the next one)."""
    leases.release_all(engine, sources_table, owner)
    leases.release_all(engine, articles_table, owner)
