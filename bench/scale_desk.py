"""The generated desk bench/scale_data.py measures: articles of generated text with real sizes
(2,000-4,000 characters of Zipf pseudo-words from bench/web.py), 50 sources, 2,500 articles a day,
in stories of five, with what the pipeline stores beside each (terms, a float16 384-d vector,
section, key points, excerpt, related list) written at insert time, in batches of 10,000 rows; and the
SQLite files or PostgreSQL databases it lives in."""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from web import SECTIONS, VOCAB, WEIGHTS

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PER_DAY = 2_500  # articles a day: a desk of a few hundred feeds; a million is about a year
BATCH = 10_000  # rows per executemany (a multiple of the story size, so no story straddles two)
STORY_SIZE = 5
SOURCES = 50
DIM = 384


# --- the generated desk -----------------------------------------------------------------------------


def _expected_df(count: int) -> Counter:
    """Document frequency each content word would have after `count` articles, from its Zipf weight:
    what the online stage would have counted (its table and the stored TF-IDF weights agree)."""
    from broadsheet.nlp.terms import _content_word

    length = 15 * 18 + 8  # words in a body (15 sentences of 12-24) and a headline
    total = WEIGHTS[-1]
    df: Counter = Counter()
    previous = 0.0
    for word, cumulative in zip(VOCAB, WEIGHTS):
        p, previous = (cumulative - previous) / total, cumulative
        term = _content_word(word)
        if term is not None:
            df[term] += round(count * (1.0 - (1.0 - p) ** length))
    return df


def pick_words(rng: random.Random, count: int) -> list[str]:
    return rng.choices(VOCAB, cum_weights=WEIGHTS, k=count)


def make_text(rng: random.Random) -> tuple[str, list[str]]:
    """Five paragraphs of three sentences (as bench/web.py writes them) and every word in them."""
    sentences = [pick_words(rng, rng.randint(12, 24)) for _ in range(15)]
    lines = [" ".join(words).capitalize() + "." for words in sentences]
    text = "\n\n".join(" ".join(lines[i : i + 3]) for i in range(0, 15, 3))
    return text, [w for words in sentences for w in words]


def _terms(title_words: list[str], body_words: list[str], df: Counter, documents: int) -> dict:
    """The `terms` column as the understand stage stores it (stored_terms): heaviest weights and counts."""
    from broadsheet.nlp import terms as lexical

    words = [lexical._content_word(w) for w in body_words + title_words * lexical.TITLE_WEIGHT]
    counts = Counter(w for w in words if w is not None)
    top = lexical.top_terms(lexical.tfidf(counts, df, documents))
    return {"w": top, "n": {}, "c": {t: counts[t] for t in top}, "m": {}, "p": []}


def _key_points(text: str) -> list[dict]:
    """The first three sentences with their offsets, as bench/web.py's desk has them."""
    points, start = [], 0
    for sentence in text.split(". ")[:3]:
        begin = text.find(sentence, start)
        points.append({"text": sentence.rstrip(".") + ".", "start": begin, "end": begin + len(sentence)})
        points[-1]["sentence"] = len(points) - 1
        start = begin + len(sentence)
    return points


def _article_row(n: int, rng: random.Random, when: datetime, df: Counter, documents: int) -> dict:
    """Article number `n` with everything placement, enrichment and ranking would have stored."""
    from broadsheet.nlp.related import excerpt

    text, body = make_text(rng)
    title_words = pick_words(rng, 8)
    title = " ".join(title_words).capitalize()
    first = n - n % STORY_SIZE
    source = n % SOURCES
    return {
        "id": f"b{n:07d}",
        "url": f"http://pub{source}.invalid/a/{n}",
        "arrival": n + 1,
        "source_id": source + 1,
        "source_name": f"Publisher {source}",
        "title": title,
        "byline": "Bench Writer",
        "published_at": when,
        "fetched_at": when + timedelta(minutes=5),
        "language": "en",
        "text": text,
        "meta": {},
        "story_id": f"story{n // STORY_SIZE:06d}",
        "content_hash": hashlib.md5(text.encode()).hexdigest(),
        "terms": _terms(title_words, body, df, documents),
        "section": SECTIONS[n % len(SECTIONS)],
        "section_vote": SECTIONS[n % len(SECTIONS)],
        # Ranked when it arrived, like every article on a live desk; older than an hour at view time.
        "related_ids": [f"b{m:07d}" for m in range(first, first + STORY_SIZE) if m != n],
        "related_at": when + timedelta(minutes=10),
        "tags": [],
        "key_points": _key_points(text),
        "excerpt": excerpt(title, text),  # what a related list shows of it, kept by the enrich stage
        "entities": [],
        "enriched": _enriched_version(),
    }


def _enriched_version() -> int:
    from broadsheet.pipeline.enrich import VERSION

    return VERSION


def _story_rows(rows: list[dict]) -> list[dict]:
    """One stories row per five consecutive articles."""
    out = []
    for start in range(0, len(rows), STORY_SIZE):
        members = rows[start : start + STORY_SIZE]
        out.append(
            {
                "id": members[0]["story_id"],
                "title": members[0]["title"],
                "article_id": members[0]["id"],
                "first_seen": members[0]["published_at"],
                "last_seen": members[-1]["published_at"],
                "article_count": len(members),
                "source_count": len({m["source_id"] for m in members}),
                "updated_at": members[-1]["fetched_at"],
            }
        )
    return out


def _batch(start: int, stop: int, state: dict) -> list[dict]:
    """Rows `start`..`stop` of the desk, from the run's one random stream (deterministic)."""
    rng, vectors = state["rng"], state["vectors"]
    rows = []
    for n in range(start, stop):
        when = min(state["begin"] + n * state["step"] + timedelta(minutes=rng.uniform(-30, 30)), state["now"])
        rows.append(_article_row(n, rng, when, state["df"], state["count"]))
    unit = vectors.standard_normal((len(rows), DIM)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    for row, vector in zip(rows, unit.astype(np.float16)):
        row["vector"] = vector.tobytes()
    return rows


def generate(engine, count: int, seed: int = 3) -> float:
    """Bulk-insert a desk of `count` articles; returns the seconds it took (loading and indexing)."""
    from broadsheet.store import sources as source_store

    started = time.perf_counter()
    for i in range(SOURCES):
        source_store.add_source(engine, f"http://pub{i}.invalid/feed", title=f"Publisher {i}")
    now = datetime.now(UTC)
    state = {
        "rng": random.Random(seed),
        "vectors": np.random.default_rng(seed),
        "df": _expected_df(count),
        "count": count,
        "now": now - timedelta(minutes=15),
        "step": timedelta(days=1) / PER_DAY,
        "begin": now - timedelta(days=1) / PER_DAY * count,
        "timings": {},  # seconds of the load spent on named steps, printed at the end
    }
    _before_load(engine)
    # One batch is written (the database working, the driver waiting without the GIL) while the
    # next is made: the load takes about the longer of the two rather than their sum.
    with ThreadPoolExecutor(1) as writer:
        pending = None
        for start in range(0, count, BATCH):
            rows = _batch(start, min(count, start + BATCH), state)
            if pending is not None:
                pending.result()
            pending = writer.submit(_insert, engine, rows, state["timings"])
            if start and start % (10 * BATCH) == 0:
                steps = ", ".join(f"{step} {seconds:.0f}" for step, seconds in state["timings"].items())
                print(f"  {start:,} articles, {time.perf_counter() - started:.0f} s (writer: {steps})", flush=True)
        pending.result()
    _after_load(engine, state["df"], count, state["timings"])
    for step, seconds in state["timings"].items():
        print(f"  {step}: {seconds:.0f} s", flush=True)
    return time.perf_counter() - started


# The statement that indexes a batch's rows for search on SQLite, in the transaction that wrote them.
_FTS_BATCH = """INSERT INTO articles_fts(rowid, title, text)
                SELECT rowid, title, text FROM articles WHERE rowid > ?"""


def _insert(engine, rows: list[dict], timings: dict) -> None:
    """One batch in one transaction; on SQLite its search index too, as one statement (one FTS5
    segment for the batch, where the insert trigger under an executemany made one per row)."""

    def timed(step: str, started: float) -> float:
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - started
        return now

    with engine.begin() as conn:
        sqlite = engine.dialect.name == "sqlite"
        after = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM articles").scalar_one() if sqlite else 0
        started = time.perf_counter()
        conn.execute(_table("articles").insert(), rows)
        started = timed("articles", started)
        conn.execute(_table("stories").insert(), _story_rows(rows))
        started = timed("stories", started)
        if sqlite:
            conn.exec_driver_sql(_FTS_BATCH, (after,))
            started = timed("search index", started)
    timed("commit", started)


def _table(name: str):
    from broadsheet.store import schema

    return getattr(schema, name)


def _load_pragmas(dbapi_connection, _record) -> None:
    """SQLite: no fsync and a bigger page cache while bulk loading (a bench's shortcut, not the site's)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def _fts_trigger() -> str:
    """The migration's own statement for the trigger that keeps FTS5 in step with inserts."""
    import importlib.util

    from broadsheet import store

    path = Path(store.__file__).parent / "migrations" / "versions" / "0007_search.py"
    spec = importlib.util.spec_from_file_location("search_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return next(s for s in module.SQLITE if "TRIGGER articles_fts_insert" in s)


def _before_load(engine) -> None:
    """SQLite's FTS5 insert trigger goes for the load: each batch is indexed by one statement in
    its own transaction instead (_insert). Through the trigger, FTS5 wrote a segment per row of an
    executemany and its merges stalled the load past 70,000 rows; one 'rebuild' after the load
    had not finished a million rows in 30 minutes. PostgreSQL's GIN index is built once after the
    load, as a bulk loader would. SQLite also gets the load's PRAGMAs on every new connection."""
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        from broadsheet.store import recent_index

        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER articles_fts_insert")
            recent_index.suspend(conn)  # the newest articles' own index is made once, after the load
        engine.dispose()  # connections opened from here on get the PRAGMAs
        event.listen(engine, "connect", _load_pragmas)
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_search_vector")


def _after_load(engine, df: Counter, count: int, timings: dict) -> None:
    """Document frequencies and the stage's counters as placement left them; PostgreSQL's search
    index and SQLite's insert trigger back, and the newest articles' own index; planner statistics (and
    PostgreSQL's visibility map, which autovacuum would write later)."""
    from broadsheet.store import stories as story_store
    from broadsheet.store.db import optimize

    with engine.begin() as conn:
        story_store.add_term_stats(conn, dict(df))
        story_store.write_state(conn, {"documents": float(count), "batches": 1.0})
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.exec_driver_sql("CREATE INDEX ix_articles_search_vector ON articles USING GIN (search_vector)")
            timings["search index"] = time.perf_counter() - started
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        from broadsheet.store import recent_index

        with engine.begin() as conn:
            conn.exec_driver_sql(_fts_trigger())
            recent_index.rebuild(conn)
            conn.exec_driver_sql("ANALYZE")
    timings["after the load (index, statistics)"] = time.perf_counter() - started
    optimize(engine)


# --- databases ------------------------------------------------------------------------------------


def make_database(kind: str, folder: Path, name: str) -> str:
    """A fresh database of this kind called `name` (a file in `folder` for SQLite)."""
    if kind == "sqlite":
        path = folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_database(url: str) -> None:
    """Drop a database made here: the PostgreSQL database, or the SQLite file with its WAL."""
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        return
    path = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _admin(statement: str) -> None:
    from sqlalchemy import create_engine

    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(statement)
    admin.dispose()


def database_bytes(url: str) -> int:
    """Size on disk: the SQLite file with its WAL, or pg_database_size."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        return sum(os.path.getsize(p) for p in (path, path + "-wal", path + "-shm") if os.path.exists(p))
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    engine.dispose()
    return int(size)
