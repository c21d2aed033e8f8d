from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store.schema import understand_state
from broadsheet.store.search import search_articles
from broadsheet.store.upsert import upsert

WORDS = ["harbour", "ferry", "council", "budget", "tram", "vaccine", "flood", "court", "school", "energy"]


def _article(n: int, text: str, **kw) -> Article:
    return Article(
        id=f"a{n:03d}",
        url=f"http://a.invalid/{n}",
        title=f"Dispatch {n}",
        text=text,
        published_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n),
        **kw,
    )


def _batch(count: int, word_of) -> list[Article]:
    return [_article(n, f"The {word_of(n)} report number {n}. Nothing else happened.") for n in range(count)]


def _segments(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(DISTINCT segid) FROM articles_fts_idx").scalar_one()


def test_a_batch_of_articles_writes_few_search_index_segments(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("FTS5 segments are SQLite's; PostgreSQL's index is a GIN index")
    with engine.begin() as conn:  # FTS5's merging off, so every segment a write made is still there
        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 0)")
        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 1999)")
    placeholders = [_article(n, "", status="pending") for n in range(40)]
    with engine.begin() as conn:
        article_store.add_pending(conn, placeholders)
    with engine.begin() as conn:
        article_store.save_articles(conn, _batch(40, lambda n: WORDS[n % 10]))
    # One statement per batch and write: a segment each, where one per row made 80.
    assert _segments(engine) <= 2


def test_batched_writes_index_the_new_text_and_forget_the_old(engine):
    with engine.begin() as conn:
        article_store.save_articles(conn, _batch(30, lambda n: WORDS[n % 10]))
    with engine.begin() as conn:  # rewritten: every article now speaks of the next word
        article_store.save_articles(conn, _batch(30, lambda n: WORDS[(n + 1) % 10]))
    found = {hit.article.id for hit in search_articles(engine, "tram", limit=50)}
    assert found == {f"a{n:03d}" for n in range(30) if WORDS[(n + 1) % 10] == "tram"}
    assert article_store.count_articles(engine) == 30


def test_upsert_updates_inserts_and_keeps_as_asked(engine):
    with engine.begin() as conn:
        upsert(conn, understand_state, [{"key": "a", "value": 1.0}, {"key": "b", "value": 2.0}], key="key")
    with engine.begin() as conn:
        upsert(conn, understand_state, [{"key": "b", "value": 20.0}, {"key": "c", "value": 3.0}], key="key")
        upsert(conn, understand_state, [{"key": "a", "value": 9.0}, {"key": "d", "value": 4.0}], "key", update=[])
    with engine.connect() as conn:
        stored = dict(conn.execute(select(understand_state.c.key, understand_state.c.value)).all())
    assert stored == {"a": 1.0, "b": 20.0, "c": 3.0, "d": 4.0}
