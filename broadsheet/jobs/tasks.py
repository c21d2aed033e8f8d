"""The pipeline as jobs: each one a thin wrapper around the stage functions the embedded runner
(`pipeline/runner.py`) calls, so there is one pipeline and two ways to drive it.

poll a source → fetch and extract each new page (site boilerplate learned as it is stored) → embed
it (in parallel, ahead of placement) → place the stored articles in stories (one placement at a time, everything before it runs in
parallel) → enrich them and rank their related lists (in parallel again). Two periodic jobs keep
it moving without a scheduler process: `enqueue_due` (due sources, due pages, unplaced articles),
`retry_stalled` (jobs of a worker that stopped sending heartbeats go back in the queue) and
`refresh_vector_index` (the snapshot of recent vectors that search's web processes load).

Every job is idempotent and keyed by the article id (canonical URL) or the source id, and every
job is enqueued in the same transaction as the rows it concerns: a worker killed at any instant
leaves either nothing or a job that will run again and find its work done or still to do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate import JobContext
from procrastinate.manager import JobManager
from procrastinate.tasks import configure_task
from sqlalchemy import Connection, Engine, text

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, NotFound
from broadsheet.extract.boilerplate import site_key
from broadsheet.ingest.fetch import Fetcher
from broadsheet.jobs.engine import advisory_xact_lock
from broadsheet.pipeline import enrich, explain, mailing, pictures, related, runner, sitelearn, stages, understand
from broadsheet.store import articles as article_store
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store import reading, semantic
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store

log = logging.getLogger(__name__)

PLACE_BATCH = understand.BACKLOG  # the stage places up to this many of the oldest unplaced articles per run
FOLLOW_UP_CHUNK = 10  # articles per enrich / related job: short GIL holds, spread over workers
HEARTBEAT = 2.0  # seconds between a worker's heartbeats
PLACE_GATHER = 15.0  # seconds placement waits for a wave of fetches to finish (a burst is placed as one batch)
VECTOR_REFRESH = 30  # seconds between two looks for newly placed articles to add to search's vector index
DIGEST_EVERY = 5  # minutes between two looks for readers' digest emails that are due
STALLED_AFTER = (
    30.0  # a worker silent this long is dead (spaCy and numpy can hold the GIL for seconds on a busy machine)
)


@dataclass(frozen=True)
class Kind:
    """One kind of job: its task name, queue, and the lock names it takes (str.format of its args)."""

    name: str
    queue: str
    lock: str | None = None  # no two jobs with the same lock run at once
    queueing_lock: str | None = None  # at most one such job waits in the queue
    priority: int = 0  # higher first: a free slot goes to scheduling, then placement, then the rest


POLL = Kind("broadsheet.poll_source", "sources", "source:{source_id}", "poll:{source_id}", priority=10)
FETCH = Kind("broadsheet.fetch_article", "articles", "article:{article_id}", priority=10)
EMBED = Kind("broadsheet.embed_article", "articles", "embed:{article_id}", priority=10)
LEARN = Kind("broadsheet.learn_site", "articles", "site:{site}", "learn:{site}", priority=5)
PLACE = Kind("broadsheet.place_articles", "placement", "placement", "placement", priority=20)
ENRICH = Kind("broadsheet.enrich_articles", "enrich")
RELATED = Kind("broadsheet.rank_related", "enrich")
DIGEST = Kind("broadsheet.store_digest", "enrich", queueing_lock="digest:{item}")
STORY_DIGESTS = Kind("broadsheet.keep_story_digests", "enrich")  # the stories a placement changed
READ = Kind("broadsheet.mark_read", "enrich", queueing_lock="read:{item}")  # a signed-in reader opened an article
ENQUEUE_DUE = Kind("broadsheet.enqueue_due", "schedule", priority=30)
RETRY_STALLED = Kind("broadsheet.retry_stalled", "schedule", priority=30)
REFRESH_VECTORS = Kind("broadsheet.refresh_vector_index", "enrich", "vector-index", "vector-index")
SEND_DIGESTS = Kind("broadsheet.send_reader_digests", "schedule", "reader-digests", "reader-digests")
PICTURE = Kind("broadsheet.fetch_picture", "articles", "picture:{article_id}")
PICTURES_DUE = Kind("broadsheet.fetch_due_pictures", "articles", "pictures-due", "pictures-due")
KINDS = (
    POLL,
    FETCH,
    EMBED,
    LEARN,
    PLACE,
    ENRICH,
    RELATED,
    DIGEST,
    STORY_DIGESTS,
    READ,
    ENQUEUE_DUE,
    RETRY_STALLED,
    REFRESH_VECTORS,
    SEND_DIGESTS,
    PICTURE,
    PICTURES_DUE,
)
# What a page view asks for (work.request_work) becomes one of these: at most one waits per item.
ASKED = {
    "enrich": dataclasses.replace(ENRICH, queueing_lock="asked-enrich:{ids[0]}"),
    "related": dataclasses.replace(RELATED, queueing_lock="asked-related:{ids[0]}"),
}
ASKED_AGAIN = 60.0  # seconds a web process waits before asking for the same work again
QUEUES = tuple(dict.fromkeys(k.queue for k in KINDS))
RETRY = procrastinate.RetryStrategy(max_attempts=8, wait=1, exponential_wait=2)  # deadlocks, lost connections


@dataclass(frozen=True)
class Context:
    """What the jobs of one worker process share: the store, the settings and the HTTP client."""

    engine: Engine
    config: Config
    fetcher: Fetcher


# --- enqueueing (always inside a store transaction) ----------------------------------------------


def defer(conn: Connection, kind: Kind, in_seconds: float | None = None, **kwargs: Any) -> int | None:
    """Enqueue a job in the connection's transaction; None when its queueing lock says one waits already."""
    lock = kind.lock.format(**kwargs) if kind.lock else None
    queueing = kind.queueing_lock.format(**kwargs) if kind.queueing_lock else None
    deferrer = configure_task(
        name=kind.name,
        job_manager=JobManager(procrastinate.SyncPsycopgConnector()),
        queue=kind.queue,
        lock=lock,
        queueing_lock=queueing,
        priority=kind.priority,
        schedule_in=None if in_seconds is None else {"seconds": int(in_seconds)},
        connection=conn.connection.driver_connection,
    )
    if queueing is None:
        return deferrer.defer(**kwargs)
    try:
        with conn.begin_nested():  # a refused duplicate must not abort the caller's transaction
            return deferrer.defer(**kwargs)
    except procrastinate.exceptions.AlreadyEnqueued:
        return None


def defer_many(conn: Connection, kind: Kind, kwargs_list: list[dict[str, Any]]) -> None:
    """Enqueue many jobs of a kind without queueing locks, in one statement."""
    if not kwargs_list:
        return
    assert kind.queueing_lock is None, "batched jobs cannot take queueing locks"
    jobs = [
        procrastinate.jobs.Job(
            id=None,
            task_name=kind.name,
            queue=kind.queue,
            task_kwargs=kw,
            priority=kind.priority,
            lock=kind.lock.format(**kw) if kind.lock else None,
            queueing_lock=None,
        )
        for kw in kwargs_list
    ]
    JobManager(procrastinate.SyncPsycopgConnector()).batch_defer_jobs(
        jobs, connection=conn.connection.driver_connection
    )


# --- poll a source ---------------------------------------------------------------------------------


def _is_due(source: Any) -> bool:
    return source.next_check_at is None or source.next_check_at <= stages.now_utc()


async def poll_source(ctx: Context, source_id: int, attempts: int = 0) -> int:
    """Poll one feed and enqueue a fetch for each new entry; returns how many entries were new."""
    try:
        source = await asyncio.to_thread(source_store.get_source, ctx.engine, source_id)
    except NotFound:
        return 0  # removed since it was queued
    if attempts == 0 and not _is_due(source):
        return 0  # polled meanwhile by the job this one queued behind
    if attempts:  # an earlier try may have stored the feed's validators and died before its entries
        source = dataclasses.replace(source, etag=None, last_modified=None)
    try:
        new = await runner.poll_source(ctx.engine, ctx.config, ctx.fetcher, source)
    except BroadsheetError:
        return 0  # recorded on the source (error, next try) by the stage
    await asyncio.to_thread(_store_entries, ctx.engine, new)
    return len(new)


def _store_entries(engine: Engine, new: list) -> None:
    with engine.begin() as conn:
        advisory_xact_lock(conn, "arrivals")  # arrival numbers are max + 1: one writer at a time
        article_store.add_pending(conn, new)
        defer_many(conn, FETCH, [{"article_id": a.id} for a in new])


# --- fetch and extract a page, learn its site --------------------------------------------------------


async def fetch_article(ctx: Context, article_id: str) -> bool:
    """Fetch, extract and store one pending page; True when an article was stored."""
    try:
        pending = await asyncio.to_thread(article_store.get_article, ctx.engine, article_id)
    except NotFound:
        return False
    if pending.status not in ("pending", "error"):
        return False  # stored already (a retried or duplicated job)
    try:
        article = await runner.fetch_article(ctx.fetcher, pending)
    except BroadsheetError as exc:
        await asyncio.to_thread(runner.record_article_failure, ctx.engine, pending, exc)
        return False
    await asyncio.to_thread(_store_article, ctx.engine, article, ctx.config.embeddings != "off")
    return True


def _store_article(engine: Engine, article: Any, embed: bool) -> None:
    with engine.begin() as conn:
        web = article.url.startswith(("http://", "https://"))
        if web:  # the site's paragraph counts are read, then written: one page of a site at a time
            advisory_xact_lock(conn, f"site:{site_key(article.url)}")
        learned = sitelearn.clean_batch(conn, [article]) if web else set()
        article_store.save_articles(conn, [article])
        for site in learned:
            defer(conn, LEARN, site=site)
        if embed:  # placement waits for it while fetches and embeddings are running (_gathering)
            defer(conn, EMBED, article_id=article.id)
        if article.image:  # fetched beside placement: an article never waits for its picture
            defer(conn, PICTURE, article_id=article.id)
        defer(conn, PLACE)


def embed_article(ctx: Context, article_id: str) -> int:
    """Embed a stored article ahead of its placement (in parallel; placement only reads the vector)."""
    return understand.embed_ahead(ctx.engine, [article_id])


async def fetch_picture(ctx: Context, article_id: str) -> int:
    """Fetch, resize and keep one stored article's lead picture (1 when it was kept)."""
    return await pictures.fetch_pictures(ctx.engine, ctx.fetcher, [article_id])


async def fetch_due_pictures(ctx: Context) -> int:
    """Pictures whose earlier try failed and is due again (or that no job fetched): how many were kept."""
    return await pictures.fetch_due(ctx.engine, ctx.fetcher)


def learn_site(ctx: Context, site: str) -> int:
    """Clean a site's stored articles of the boilerplate it was just found to repeat."""
    with ctx.engine.begin() as conn:
        advisory_xact_lock(conn, f"site:{site}")
        return sitelearn.reclean_site(conn, site)


# --- placement, then enrichment and related lists ---------------------------------------------------


def place_articles(ctx: Context) -> int:
    """Place the oldest unplaced articles in stories (the one serialised step); returns how many."""
    with ctx.engine.begin() as conn:
        advisory_xact_lock(conn, "placement")  # the job lock serialises placement; this guards other writers
        todo = story_store.unplaced_backlog(conn, PLACE_BATCH)
        if not todo:
            return 0
        if _gathering(conn, todo):
            defer(conn, PLACE, in_seconds=1.0)
            return 0
        understand.understand_batch(ctx.engine, conn, todo)
        # The stage re-reads the backlog itself, so an article committed meanwhile may be placed
        # too without being in `ids`: enqueue_due's sweep gives it its enrichment job.
        ids = [a.id for a in todo]
        chunks = _chunked(ids)
        defer_many(conn, ENRICH, chunks)
        defer_many(conn, RELATED, chunks)
        stories = story_store.story_ids_of(conn, ids)  # their digests are made now, not on a first view
        defer_many(conn, STORY_DIGESTS, _chunked(stories, "story_ids"))
        if len(todo) == PLACE_BATCH:
            defer(conn, PLACE)  # more are waiting
    return len(todo)


_FETCHING = text("""
    SELECT count(*) FROM procrastinate_jobs WHERE task_name = ANY(:tasks) AND status IN ('todo', 'doing')
       AND (status = 'doing' OR scheduled_at IS NULL OR scheduled_at <= now())""")


def _gathering(conn: Connection, todo: list) -> bool:
    """Whether to wait for the pages still being fetched (and embedded): the online story index places a batch in
    publication order, so a burst placed at once is placed as the embedded runner places it; the
    wait ends when fetching does, or PLACE_GATHER seconds after the oldest article was stored."""
    oldest = min((a.fetched_at for a in todo if a.fetched_at), default=None)
    if oldest is None or (stages.now_utc() - oldest).total_seconds() >= PLACE_GATHER:
        return False
    return conn.execute(_FETCHING, {"tasks": [FETCH.name, POLL.name, EMBED.name]}).scalar_one() > 0


def enrich_articles(ctx: Context, ids: list[str]) -> int:
    """Key points, section, tags and entities for placed articles not enriched by this version yet."""
    with ctx.engine.begin() as conn:
        return enrich.enrich_articles(ctx.engine, conn, enrichment_store.unenriched(conn, ids, enrich.VERSION))


def rank_related(ctx: Context, ids: list[str]) -> int:
    """Rank and keep the related lists of placed articles."""
    return related.keep_related(ctx.engine, ids)


def store_digest(ctx: Context, item: str) -> bool:
    """Store the digest (summary, timeline, additions) a page view made for itself."""
    return explain.store_digest(ctx.engine, item)


def keep_story_digests(ctx: Context, story_ids: list[str]) -> int:
    """Make the digests of stories a placement changed, so that no page view makes one."""
    return explain.keep_digests(ctx.engine, story_ids)


def mark_read(ctx: Context, item: str) -> int:
    """Mark read an article a signed-in reader opened ("user_id:article_id")."""
    user, _, article_id = item.partition(":")
    return reading.set_read(ctx.engine, int(user), [article_id]) if user.isdigit() else 0


class AskedWork:
    """The work queue's sink in web processes when a job engine runs the pipeline: what a read asks
    for becomes a job, enqueued from the request (one short insert; a repeat within ASKED_AGAIN
    seconds is not even tried, and the queueing lock refuses one already waiting)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._asked: dict[tuple[str, str], float] = {}

    def __call__(self, kind: str, item: str) -> None:
        now = time.monotonic()
        if now - self._asked.get((kind, item), -ASKED_AGAIN) < ASKED_AGAIN:
            return
        if len(self._asked) > 10_000:
            self._asked = {k: t for k, t in self._asked.items() if now - t < ASKED_AGAIN}
        self._asked[(kind, item)] = now
        try:
            with self.engine.begin() as conn:
                if kind in ("digest", "read"):
                    defer(conn, DIGEST if kind == "digest" else READ, item=item)
                else:
                    defer(conn, ASKED[kind], ids=[item])
        except Exception:  # the page is served anyway; the next view (or enqueue_due's sweep) asks again
            log.exception("jobs: could not queue %s work for %s", kind, item)


# --- the periodic jobs -----------------------------------------------------------------------------

_DUE_PAGES = text("""
    SELECT a.id FROM articles a
     WHERE a.status IN ('pending', 'error') AND (a.next_try_at IS NULL OR a.next_try_at <= now())
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                        WHERE j.task_name = :task AND j.status IN ('todo', 'doing')
                          AND j.args ->> 'article_id' = a.id)
     ORDER BY a.arrival LIMIT 5000""")


_UNENRICHED = text("""
    SELECT a.id FROM articles a
     WHERE a.status = 'ok' AND a.story_id IS NOT NULL AND (a.enriched IS NULL OR a.enriched < :version)
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                        WHERE j.task_name = :task AND j.status IN ('todo', 'doing') AND j.args -> 'ids' ? a.id)
     ORDER BY a.arrival LIMIT 5000""")


def enqueue_due(ctx: Context) -> dict[str, int]:
    """Queue a poll for every due source, a fetch for every due page without one (retries, WebSub
    deliveries), a placement when articles wait for one, and the enrichment placed articles lack."""
    due = source_store.due_sources(ctx.engine)
    with ctx.engine.begin() as conn:
        polls = sum(defer(conn, POLL, source_id=s.id) is not None for s in due)
        pages = list(conn.execute(_DUE_PAGES, {"task": FETCH.name}).scalars())
        defer_many(conn, FETCH, [{"article_id": i} for i in pages])
        if story_store.unplaced_backlog(conn, 1):
            defer(conn, PLACE)
        bare = list(conn.execute(_UNENRICHED, {"task": ENRICH.name, "version": enrich.VERSION}).scalars())
        defer_many(conn, ENRICH, _chunked(bare))
        defer(conn, PICTURES_DUE)  # at most one waits (its queueing lock); it finds nothing when none is due
    return {"polls": polls, "pages": len(pages), "enrich": len(bare)}


def sweep_now(engine: Engine) -> Callable[[], None]:
    """What a web process calls when a hub pushed new entries (stored by the WebSub callback): the
    periodic sweep runs now, so their pages are fetched by jobs at once rather than at the next tick."""

    def sweep() -> None:
        with engine.begin() as conn:
            defer(conn, ENQUEUE_DUE, timestamp=int(time.time()))

    return sweep


def refresh_vector_index(ctx: Context) -> bool:
    """Build the snapshot of recent articles' vectors that web processes load for search, when
    articles were placed since the last one."""
    return semantic.build_snapshot(ctx.engine)


def send_reader_digests(ctx: Context) -> int:
    """Send the readers' digest emails that are due; returns how many were sent."""
    report = mailing.send_due_digests(ctx.engine, ctx.config)
    if report.sent or report.failed:
        log.info("digests: %d emails sent, %d failed", report.sent, report.failed)
    return report.sent


def _chunked(ids: list[str], name: str = "ids") -> list[dict[str, Any]]:
    return [{name: ids[i : i + FOLLOW_UP_CHUNK]} for i in range(0, len(ids), FOLLOW_UP_CHUNK)]


async def retry_stalled(manager: JobManager) -> int:
    """Put the running jobs of workers that stopped sending heartbeats back in the queue."""
    retried = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
        try:
            await manager.retry_job(job)
            retried += 1
            log.warning("jobs: %s (job %s) was running on a dead worker; queued again", job.task_name, job.id)
        except procrastinate.exceptions.ConnectorException:
            # A copy already waits under the same queueing lock and will do the work: close this one
            # (aborted, not failed: nothing went wrong with the work itself) so its lock is freed.
            await manager.finish_job(job, status=procrastinate.jobs.Status.ABORTED, delete_job=False)
            log.warning(
                "jobs: %s (job %s) died with its worker; the copy already queued will run", job.task_name, job.id
            )
    return retried


# --- registration ---------------------------------------------------------------------------------


def register(app: procrastinate.App, ctx: Context) -> None:
    """Declare every job on the app, bound to this process's context."""

    def task(kind: Kind, **options: Any):
        return app.task(name=kind.name, queue=kind.queue, priority=kind.priority, retry=RETRY, **options)

    @task(POLL, pass_context=True)
    async def _poll(job: JobContext, source_id: int) -> int:
        return await poll_source(ctx, source_id, job.job.attempts)

    task(FETCH)(_bound(fetch_article, ctx))
    task(PICTURE)(_bound(fetch_picture, ctx))
    task(PICTURES_DUE)(_bound(fetch_due_pictures, ctx))
    for kind, function in IN_THREADS:
        task(kind)(_in_thread(function, ctx))
    _register_periodic(app, ctx, task)


# Jobs whose work is blocking (the store, the models): each runs in a thread of the worker.
IN_THREADS = (
    (EMBED, embed_article),
    (LEARN, learn_site),
    (PLACE, place_articles),
    (ENRICH, enrich_articles),
    (RELATED, rank_related),
    (DIGEST, store_digest),
    (STORY_DIGESTS, keep_story_digests),
    (READ, mark_read),
)


def _bound(function: Callable[..., Any], ctx: Context) -> Callable[..., Any]:
    async def run(**kwargs: Any) -> Any:
        return await function(ctx, **kwargs)

    return run


def _in_thread(function: Callable[..., Any], ctx: Context) -> Callable[..., Any]:
    async def run(**kwargs: Any) -> Any:
        return await asyncio.to_thread(function, ctx, **kwargs)

    return run


def _register_periodic(app: procrastinate.App, ctx: Context, task: Callable[..., Any]) -> None:
    """The engine's periodic jobs, so that no scheduler process must stay up."""
    tick = min(59, max(1, ctx.config.schedule_tick))

    @app.periodic(cron=f"*/{tick} * * * * *")
    @task(ENQUEUE_DUE)
    async def _enqueue_due(timestamp: int) -> dict[str, int]:
        return await asyncio.to_thread(enqueue_due, ctx)

    @app.periodic(cron=f"*/{VECTOR_REFRESH} * * * * *")
    @task(REFRESH_VECTORS)
    async def _refresh_vectors(timestamp: int) -> bool:
        return await asyncio.to_thread(refresh_vector_index, ctx)

    @app.periodic(cron=f"*/{DIGEST_EVERY} * * * *")  # minutes: an issue is due once a day or week
    @task(SEND_DIGESTS)
    async def _send_digests(timestamp: int) -> int:
        return await asyncio.to_thread(send_reader_digests, ctx)

    @app.periodic(cron=f"*/{max(1, int(HEARTBEAT * 2))} * * * * *")
    @task(RETRY_STALLED, pass_context=True)
    async def _retry_stalled(job: JobContext, timestamp: int) -> int:
        return await retry_stalled(job.app.job_manager)
