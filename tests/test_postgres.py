"""The same store code on the real PostgreSQL of this machine (skipped when none is reachable)."""

import io
import json
import os
import uuid
from datetime import UTC

import pytest
from sqlalchemy import create_engine, text

from broadsheet.pipeline.bulk import export_jsonl, import_jsonl
from broadsheet.store import sources as source_store
from broadsheet.store.db import current_revision, head_revision, open_database

ADMIN_URL = os.environ.get("BROADSHEET_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"broadsheet_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: the SQLite tests still cover the code
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_URL}: {exc.__class__.__name__}")
    yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrate_import_export_on_postgres(pg_url, tmp_path):
    engine = open_database(pg_url)
    assert current_revision(engine) == head_revision()
    path = tmp_path / "in.jsonl"
    rows = [
        {
            "id": f"p{i}",
            "url": f"http://pg.invalid/{i}",
            "title": f"T{i}",
            "text": f"Body {i}.",
            "published": "2026-11-20T10:00:00Z",
            "lane": i,
        }
        for i in range(2500)
    ]
    rows.append(dict(rows[0], title="Same URL again"))  # one id twice in one batch
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = import_jsonl(engine, path)
    assert report.imported == 2501 and not report.errors
    out = io.StringIO()
    assert export_jsonl(engine, out) == 2500
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["title"] == "Same URL again" and first["meta"] == {"lane": 0}
    _source, created = source_store.add_source(engine, "http://pg.invalid/feed")
    assert created and source_store.list_sources(engine)[0].feed_url == "http://pg.invalid/feed"
    engine.dispose()


def test_search_on_postgres(pg_url):
    from datetime import datetime, timedelta

    from broadsheet.model import Article
    from broadsheet.store import articles as article_store
    from broadsheet.store.search import search_articles

    engine = open_database(pg_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id="p1",
                    url="http://pg.invalid/1",
                    title="Ferries return",
                    text="The ferry sails again.",
                    published_at=now,
                ),
                Article(
                    id="p2",
                    url="http://pg.invalid/2",
                    title="Budget",
                    text="A ferry subsidy was debated.",
                    published_at=now - timedelta(days=1),
                ),
                Article(
                    id="p3",
                    url="http://pg.invalid/3",
                    title="Harbour",
                    text="Masons repaired the wall.",
                    published_at=now,
                ),
            ],
        )
    hits = search_articles(engine, "ferries")
    assert [h.article.id for h in hits] == ["p1", "p2"] and "ferry" in hits[0].snippet.lower()
    engine.dispose()


def test_semantic_search_on_postgres(pg_url):
    import numpy as np
    from sqlalchemy import update

    from broadsheet.model import Article
    from broadsheet.store import articles as article_store
    from broadsheet.store.schema import articles
    from broadsheet.store.search import search_articles

    axes = [{"ferry", "ferries", "boats", "sailing"}, {"budget", "council"}]

    def embed(text_):
        words = {w.strip("?.").lower() for w in text_.split()}
        vector = np.array([len(words & a) for a in axes] + [0.05], np.float32)
        return vector / np.linalg.norm(vector)

    engine = open_database(pg_url)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(id="q1", url="http://pg.invalid/q1", title="Ferries stay in port", text="No crossings today."),
                Article(id="q2", url="http://pg.invalid/q2", title="Council budget", text="Agreed on Monday."),
            ],
        )
        for article_id, words in (("q1", "ferries"), ("q2", "council budget")):
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(vector=embed(words).astype(np.float16).tobytes())
            )
    hits = search_articles(engine, "why are the boats not sailing", embed=embed)
    assert [h.article.id for h in hits] == ["q1"]
    engine.dispose()
