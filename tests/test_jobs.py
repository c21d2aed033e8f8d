"""The job engine: settings, enqueueing inside store transactions, locks, `broadsheet jobs`, and a
source added while a worker runs (PostgreSQL parts skip when 127.0.0.1:5432 is unreachable)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import Reply
from procrastinate.jobs import Status
from sqlalchemy import text

from bench.cluster import Cluster, fresh_database, postgres_reachable, service_env, wait_until
from broadsheet.config import load_config
from broadsheet.errors import ConfigError, InputError
from broadsheet.jobs import admin, tasks
from broadsheet.jobs.engine import ensure_schema, job_engine
from broadsheet.jobs.worker import check_queues
from broadsheet.store.db import open_database

needs_postgres = pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable")


def test_job_engine_defaults_to_embedded_and_procrastinate_needs_postgresql(tmp_path):
    assert job_engine(load_config(environ={}, data_dir=str(tmp_path))) == "embedded"
    with pytest.raises(ConfigError, match="keeps its jobs in PostgreSQL"):
        job_engine(load_config(environ={}, data_dir=str(tmp_path), job_engine="procrastinate"))
    with pytest.raises(ConfigError, match="must be one of embedded, procrastinate"):
        job_engine(load_config(environ={}, data_dir=str(tmp_path), job_engine="celery"))


def test_worker_names_the_queues_when_given_an_unknown_one():
    assert check_queues([]) is None
    assert check_queues(["sources", "articles"]) == ["sources", "articles"]
    with pytest.raises(
        ConfigError, match="unknown queue bogus; the queues are sources, articles, placement, enrich, schedule"
    ):
        check_queues(["bogus"])


def test_worker_refuses_to_start_without_a_job_engine(tmp_path):
    env = {"BROADSHEET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "broadsheet", "worker"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "no job engine is configured" in done.stderr


@pytest.fixture
def pg(tmp_path):
    """A fresh PostgreSQL database with Broadsheet's and procrastinate's tables, and its settings."""
    if not postgres_reachable():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    with fresh_database("bs_jobs") as url:
        config = load_config(
            environ={},
            data_dir=str(tmp_path),
            database_url=url,
            job_engine="procrastinate",
            allow_private_addresses=True,
            per_host_delay=0.0,
        )
        ensure_schema(config)
        engine = open_database(url)
        yield engine, config
        engine.dispose()


def _jobs(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT task_name, status, lock FROM procrastinate_jobs ORDER BY id"))
        ]


@needs_postgres
def test_a_job_is_enqueued_only_when_its_transaction_commits(pg):
    engine, _ = pg
    with engine.connect() as conn, conn.begin() as transaction:
        tasks.defer(conn, tasks.FETCH, article_id="a1")
        transaction.rollback()
    assert _jobs(engine) == []
    with engine.begin() as conn:
        tasks.defer(conn, tasks.FETCH, article_id="a2")
    assert _jobs(engine) == [("broadsheet.fetch_article", "todo", "article:a2")]


@needs_postgres
def test_a_source_waits_in_the_queue_once_and_the_refusal_keeps_the_transaction(pg):
    engine, _ = pg
    with engine.begin() as conn:
        assert tasks.defer(conn, tasks.POLL, source_id=7) is not None
        assert tasks.defer(conn, tasks.POLL, source_id=7) is None  # queueing lock: one waiting poll per source
        tasks.defer(conn, tasks.PLACE)
    assert _jobs(engine) == [
        ("broadsheet.poll_source", "todo", "source:7"),
        ("broadsheet.place_articles", "todo", "placement"),
    ]


@needs_postgres
def test_jobs_command_counts_retries_and_cancels(pg):
    engine, config = pg
    with engine.begin() as conn:
        failed = tasks.defer(conn, tasks.FETCH, article_id="x")
        queued = tasks.defer(conn, tasks.FETCH, article_id="y")
    with engine.begin() as conn:  # what a worker records when a job ran out of attempts
        conn.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = :id"), {"id": failed})
    asyncio.run(_finish(config, failed))
    counts = {c.kind: c for c in admin.job_counts(config)}
    assert (counts["broadsheet.fetch_article"].queued, counts["broadsheet.fetch_article"].failed) == (1, 1)
    assert [j.id for j in admin.failed_jobs(config)] == [failed]
    with pytest.raises(InputError, match=f"job {queued} is not a failed job"):
        admin.retry(config, queued)
    assert admin.retry(config, all_failed=True) == 1
    assert admin.cancel(config, queued) == "cancelled"
    counts = {c.kind: c for c in admin.job_counts(config)}["broadsheet.fetch_article"]
    assert (counts.queued, counts.failed, counts.retried, counts.cancelled) == (1, 0, 1, 1)
    env = service_env(config.database_url)
    shown = subprocess.run(
        [sys.executable, "-m", "broadsheet", "jobs"], env=env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    rows = [[cell.strip() for cell in line.split("│") if cell.strip()] for line in shown.stdout.splitlines()]
    assert [row[1:] for row in rows if row and row[0] == "broadsheet.fetch_article"] == [["1", "0", "0", "1", "1"]]
    refused = subprocess.run(
        [sys.executable, "-m", "broadsheet", "jobs", "retry", str(queued + 100)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert f"job {queued + 100} is not a failed job" in refused.stderr


async def _finish(config, job_id: int) -> None:
    from broadsheet.jobs.engine import make_app

    app = make_app(config)
    async with app.open_async():
        await app.job_manager.finish_job_by_id_async(job_id, Status.FAILED, delete_job=False)


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Late Paper</title><link>{base}/</link>
<item><title>Ferry strike ends in Port Ollen</title><link>{base}/a/1</link><guid>{base}/a/1</guid></item>
<item><title>Harbour fees to rise in Ollen</title><link>{base}/a/2</link><guid>{base}/a/2</guid></item>
</channel></rss>"""
PAGE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>The ferry crews of Port Ollen returned to work on Tuesday after a week-long strike over rosters.</p>"
    "<p>Harbour master Ilse Varn said the first sailings would leave at dawn and the backlog would clear by Friday.</p>"
    "<p>Union leaders said the new roster gives each crew two full days of rest in every seven days.</p>"
    "</article></body></html>"
)


@needs_postgres
@pytest.mark.parametrize("embeddings", ["off", "minilm"])
def test_a_source_added_while_a_worker_runs_is_polled_and_its_articles_placed(pg, server, tmp_path, embeddings):
    engine, config = pg
    server.routes["/feed.xml"] = Reply(
        200, FEED.format(base=server.base).encode(), {"Content-Type": "application/rss+xml"}
    )
    for n, title in ((1, "Ferry strike ends"), (2, "Harbour fees to rise")):
        server.routes[f"/a/{n}"] = Reply(200, PAGE.format(title=title).encode(), {"Content-Type": "text/html"})
    cluster = Cluster(service_env(config.database_url, schedule_tick=1, embeddings=embeddings), tmp_path)
    try:
        cluster.start("worker", "--concurrency", "2")
        wait_until(lambda: _workers(engine) == 1, 120, "the worker to register")
        added = subprocess.run(
            [sys.executable, "-m", "broadsheet", "sources", "add", server.url("/feed.xml")],
            env=cluster.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        wait_until(lambda: _placed(engine) == 2, 120, "both articles stored and placed")
        wait_until(lambda: _undigested(engine) == 0, 120, "a digest for each story they joined, made by a job")
    finally:
        cluster.close()
    assert [
        job for job in _jobs(engine) if job[1] == "failed"
    ] == []  # embed jobs included (successful ones are deleted)
    with engine.connect() as conn:
        vectors, originals = conn.execute(
            text("SELECT count(vector), count(*) FROM articles WHERE story_id IS NOT NULL AND duplicate_of IS NULL")
        ).one()
    assert originals >= 1 and vectors == (originals if embeddings == "minilm" else 0)


def _workers(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one()


def _placed(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM articles WHERE status = 'ok' AND story_id IS NOT NULL")
        ).scalar_one()


def _undigested(engine) -> int:
    """Stories holding a readable original that have no stored digest."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(DISTINCT story_id) FROM articles WHERE status = 'ok' AND story_id IS NOT NULL"
                " AND duplicate_of IS NULL AND story_id NOT IN (SELECT story_id FROM story_digests)"
            )
        ).scalar_one()


def _die_running(engine, job_id: int) -> None:
    """What SIGKILL leaves: the job running on a worker whose heartbeat stopped a minute ago."""
    with engine.begin() as conn:
        worker = conn.execute(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '60 seconds') RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
            {"w": worker, "id": job_id},
        )


async def _retry_stalled(config) -> int:
    from broadsheet.jobs.engine import make_app

    app = make_app(config)
    async with app.open_async():
        return await tasks.retry_stalled(app.job_manager)


@needs_postgres
def test_the_jobs_of_a_dead_worker_are_queued_again_unless_a_copy_waits(pg):
    engine, config = pg
    with engine.begin() as conn:
        fetch = tasks.defer(conn, tasks.FETCH, article_id="a")
        poll = tasks.defer(conn, tasks.POLL, source_id=3)
    _die_running(engine, fetch)
    _die_running(engine, poll)
    with engine.begin() as conn:
        copy = tasks.defer(conn, tasks.POLL, source_id=3)  # the scheduler queued the next poll meanwhile
    assert asyncio.run(_retry_stalled(config)) == 1
    with engine.connect() as conn:
        states = dict(conn.execute(text("SELECT id, status || ':' || attempts FROM procrastinate_jobs")).all())
    assert states == {fetch: "todo:1", poll: "aborted:1", copy: "todo:0"}


@needs_postgres
def test_what_a_page_view_asks_for_becomes_one_job_per_item(pg):
    from fastapi.testclient import TestClient

    from broadsheet.context import Context
    from broadsheet.pipeline import bulk
    from broadsheet.service import asked_work_to_jobs
    from broadsheet.store.schema import articles
    from broadsheet.web.app import create_app

    engine, config = pg
    bulk.import_jsonl(engine, Path(__file__).parent / "fixtures" / "ai_story.jsonl")
    with engine.begin() as conn:
        conn.execute(articles.update().values(enriched=None))
        conn.execute(text("DELETE FROM story_digests"))  # as if the pass that placed them was killed before
        article, story = conn.execute(
            text("SELECT id, story_id FROM articles WHERE story_id IS NOT NULL LIMIT 1")
        ).one()
    context = Context(config, engine)
    asked_work_to_jobs(context, engine, config)
    with TestClient(create_app(engine, config, context=context)) as client:
        for _ in range(2):  # the second view asks again: no second job waits
            assert client.get(f"/articles/{article}").status_code == 200
            assert client.get(f"/stories/{story}").status_code == 200
    queued = [(name, status) for name, status, _ in _jobs(engine)]
    assert ("broadsheet.enrich_articles", "todo") in queued
    digests = [lock for name, _, lock in _jobs(engine) if name == "broadsheet.store_digest"]
    assert len(digests) == 1
    with engine.connect() as conn:
        item = conn.execute(
            text("SELECT args ->> 'item' FROM procrastinate_jobs WHERE task_name = 'broadsheet.store_digest'")
        ).scalar_one()
        before = conn.execute(text("SELECT count(*) FROM story_digests")).scalar_one()
    assert tasks.store_digest(tasks.Context(engine, config, None), item)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM story_digests")).scalar_one() == before + 1


@needs_postgres
def test_an_article_a_signed_in_reader_opens_is_marked_read_by_a_job(pg):
    from fastapi.testclient import TestClient
    from test_accounts import csrf_of
    from test_reader_apis import LOGIN_PASSWORD, seed

    from broadsheet.context import Context
    from broadsheet.service import asked_work_to_jobs
    from broadsheet.store import reading
    from broadsheet.web.app import create_app

    engine, config = pg
    facts = seed(engine)
    context = Context(config, engine)
    asked_work_to_jobs(context, engine, config)
    with TestClient(create_app(engine, config, context=context)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"csrf_token": token, "username": "reader1", "password": LOGIN_PASSWORD})
        for _ in range(2):  # opened twice: one job
            assert client.get(f"/articles/{3:032x}").status_code == 200
    with engine.connect() as conn:
        items = (
            conn.execute(
                text("SELECT args ->> 'item' FROM procrastinate_jobs WHERE task_name = 'broadsheet.mark_read'")
            )
            .scalars()
            .all()
        )
    assert items == [f"{facts['user'].id}:{3:032x}"]
    assert reading.states(engine, facts["user"].id, [f"{3:032x}"]) == {}  # not before the job runs
    assert tasks.mark_read(tasks.Context(engine, config, None), items[0]) == 1
    assert reading.states(engine, facts["user"].id, [f"{3:032x}"]) == {f"{3:032x}": (True, False)}


@needs_postgres
@pytest.mark.parametrize("embed", [True, False])
def test_a_stored_page_is_embedded_by_its_own_job_before_placement(pg, embed):
    from broadsheet.model import Article

    engine, _ = pg
    article = Article(
        id="p1", url="http://pub.invalid/p1", title="Ferry strike ends", text="The strike ended.", status="ok"
    )
    tasks._store_article(engine, article, embed)
    expected = [("broadsheet.embed_article", "todo", "embed:p1")] if embed else []
    assert _jobs(engine) == expected + [("broadsheet.place_articles", "todo", "placement")]


@needs_postgres
def test_pushed_entries_are_swept_by_a_job_at_once(pg):
    from broadsheet.service import pushed_entries_hook

    engine, config = pg
    hook = pushed_entries_hook(engine, config, None)
    hook()  # what the WebSub callback calls after storing a push's new entries
    assert [name for name, _, _ in _jobs(engine)] == ["broadsheet.enqueue_due"]
    assert pushed_entries_hook(engine, config.replace(job_engine="embedded"), None) is None


@needs_postgres
def test_a_stored_page_with_an_image_gets_its_picture_job_and_the_sweep_retries_failures(pg, server):
    import asyncio
    import io

    from httpserver import Reply
    from PIL import Image

    from broadsheet.ingest.fetch import Fetcher
    from broadsheet.model import Article
    from broadsheet.pipeline.runner import fetch_policy
    from broadsheet.store import pictures as picture_store

    engine, config = pg
    drawn = io.BytesIO()
    Image.new("RGB", (800, 400), (10, 120, 90)).save(drawn, "JPEG")
    server.routes["/ferry.jpg"] = Reply(200, drawn.getvalue(), {"Content-Type": "image/jpeg"})
    article = Article(
        id="p2",
        url=server.url("/p2"),
        title="Ferry strike ends",
        text="The strike ended.",
        status="ok",
        image=server.url("/ferry.jpg"),
    )
    tasks._store_article(engine, article, False)
    assert _jobs(engine) == [
        ("broadsheet.fetch_picture", "todo", "picture:p2"),
        ("broadsheet.place_articles", "todo", "placement"),
    ]

    async def run_job() -> int:
        async with Fetcher(fetch_policy(config)) as fetcher:
            return await tasks.fetch_picture(tasks.Context(engine, config, fetcher), "p2")

    assert asyncio.run(run_job()) == 1
    assert picture_store.picture_file(engine, "p2", 640) is not None
    tasks.enqueue_due(tasks.Context(engine, config, None))
    tasks.enqueue_due(tasks.Context(engine, config, None))  # at most one sweep waits
    assert [name for name, _, _ in _jobs(engine)].count("broadsheet.fetch_due_pictures") == 1
