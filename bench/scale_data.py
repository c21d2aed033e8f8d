"""Broadsheet with a million articles: a generated desk in SQLite and in PostgreSQL, and what it costs.

Usage: .venv/bin/python bench/scale_data.py [--articles 1000000] [--databases sqlite,postgresql]
                                            [--keep DIR] [--reuse] [--workers 2] [--wrk-seconds 15]

The desk is generated text with real sizes (2,000-4,000 characters, Zipf pseudo-words from
bench/web.py), 50 sources, 2,500 articles a day, in stories of five, with what the pipeline stores
beside each article (terms, a float16 384-d vector, section, key points, related list) written at
insert time in batches. Printed per database:

- placement: the pipeline's own code path (store the article and its embedding, then the
  serialised understand step) for 50 new articles, median ms, on a desk of 1,000 and one of N
  (the same 50 texts on both), in a separate process whose peak RSS is the pipeline's memory;
- search p50/p95 (100 two-word queries), uncached article and story pages p50/p99 (300 distinct
  pages each) and the front page, one client at a time against `broadsheet serve` with the page
  cache off, plus article pages under wrk at 10 connections;
- the database's size on disk and the RSS of every server process after the measurements.

--keep DIR keeps the generated desks (SQLite file and PostgreSQL database) and their record in DIR;
--reuse measures the desks kept there instead of generating them again (generation is the slow part).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import web
from web import SECTIONS, VOCAB, WEIGHTS

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PER_DAY = 2_500  # articles a day: a desk of a few hundred feeds; a million is about a year
BATCH = 10_000  # rows per executemany (a multiple of the story size, so no story straddles two)
STORY_SIZE = 5
SOURCES = 50
PLACEMENTS = 50
SMALL_DESK = 1_000
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


def _words(rng: random.Random, count: int) -> list[str]:
    return rng.choices(VOCAB, cum_weights=WEIGHTS, k=count)


def _text(rng: random.Random) -> tuple[str, list[str]]:
    """Five paragraphs of three sentences (as bench/web.py writes them) and every word in them."""
    sentences = [_words(rng, rng.randint(12, 24)) for _ in range(15)]
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
    text, body = _text(rng)
    title_words = _words(rng, 8)
    first = n - n % STORY_SIZE
    source = n % SOURCES
    return {
        "id": f"b{n:07d}",
        "url": f"http://pub{source}.invalid/a/{n}",
        "arrival": n + 1,
        "source_id": source + 1,
        "source_name": f"Publisher {source}",
        "title": " ".join(title_words).capitalize(),
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
            pending = writer.submit(_insert, engine, rows)
            if start and start % (10 * BATCH) == 0:
                print(f"  {start:,} articles, {time.perf_counter() - started:.0f} s", flush=True)
        pending.result()
    _after_load(engine, state["df"], count)
    return time.perf_counter() - started


def _insert(engine, rows: list[dict]) -> None:
    with engine.begin() as conn:
        conn.execute(_table("articles").insert(), rows)
        conn.execute(_table("stories").insert(), _story_rows(rows))


def _table(name: str):
    from broadsheet.store import schema

    return getattr(schema, name)


def _load_pragmas(dbapi_connection, _record) -> None:
    """SQLite: no fsync and a bigger page cache while bulk loading (a bench's shortcut, not the site's)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def _before_load(engine) -> None:
    """SQLite: the load's PRAGMAs on every new connection. PostgreSQL: drop the search GIN index
    for the load and build it once after, as a bulk loader would."""
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        engine.dispose()  # connections opened from here on get the PRAGMAs
        event.listen(engine, "connect", _load_pragmas)
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_articles_search_vector")


def _after_load(engine, df: Counter, count: int) -> None:
    """Document frequencies and the stage's counters as placement left them; the search index;
    planner statistics (and PostgreSQL's visibility map, which autovacuum would write later)."""
    from broadsheet.store import stories as story_store
    from broadsheet.store.db import optimize

    with engine.begin() as conn:
        story_store.add_term_stats(conn, dict(df))
        story_store.write_state(conn, {"documents": float(count), "batches": 1.0})
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.exec_driver_sql("CREATE INDEX ix_articles_search_vector ON articles USING GIN (search_vector)")
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
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
    """Drop a PostgreSQL database made here (SQLite files go with their folder)."""
    if url.startswith("postgresql"):
        _admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


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


# --- placement ------------------------------------------------------------------------------------


class StoredVectors:
    """An embedder of MiniLM's size whose vectors are stored ahead of placement (the embed jobs'
    work, in parallel on every worker), so the serialised step only reads them, as on a live desk."""

    name, dim, variant = "bench", DIM, "bench"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Random unit vectors (placement reads stored ones; this runs only if one is missing)."""
        vectors = np.random.default_rng(len(texts)).standard_normal((len(texts), DIM)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def new_articles(count: int = PLACEMENTS, seed: int = 11) -> list[tuple]:
    """The same `count` new articles (text and vector) for every desk, under ids new to each run."""
    from broadsheet.model import Article

    rng, vectors, token = random.Random(seed), np.random.default_rng(seed), uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    out = []
    for i in range(count):
        text, _ = _text(rng)
        title = " ".join(_words(rng, 8)).capitalize()
        vector = vectors.standard_normal(DIM).astype(np.float32)
        article = Article(
            id=f"p{token}{i:03d}",
            url=f"http://pub{i % SOURCES}.invalid/new/{token}/{i}",
            title=title,
            text=text,
            source_id=i % SOURCES + 1,
            source_name=f"Publisher {i % SOURCES}",
            byline="Bench Writer",
            published_at=now - timedelta(minutes=count - i),
            fetched_at=now,
            language="en",
        )
        out.append((article, (vector / np.linalg.norm(vector)).astype(np.float16).tobytes()))
    return out


def place(database: str) -> dict:
    """Place the new articles one at a time as the pipeline does; ms per placement and peak RSS."""
    from broadsheet.pipeline import understand
    from broadsheet.store import articles as article_store
    from broadsheet.store import stories as story_store
    from broadsheet.store.db import open_database, serialize_placement

    engine = open_database(database)
    understand.configure(engine, StoredVectors())
    times = []
    for article, vector in new_articles():
        with engine.begin() as conn:  # the fetch stage stores it, an embed job keeps its vector
            article_store.save_articles(conn, [article])
            story_store.keep_unplaced_vectors(conn, {article.id: vector})
        started = time.perf_counter()
        with engine.begin() as conn:  # the serialised step, as pipeline/runner.py runs it
            serialize_placement(conn)
            understand.understand_batch(engine, conn, [article])
        times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    # The first placement rebuilds the stage's state from the store (the newest 20,000 placed articles).
    return {"first_ms": times[0], "median_ms": statistics.median(times[1:]), "rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def place_in_process(database: str) -> dict:
    """`place` in a process of its own: its peak RSS is a pipeline process's, not this bench's."""
    out = subprocess.run(
        [sys.executable, __file__, "--place", database], capture_output=True, text=True, check=False, timeout=3600
    )
    if out.returncode:
        raise SystemExit("bench: placement failed: " + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- serving --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def timed(client: httpx.Client, urls: list[str]) -> list[float]:
    """Milliseconds per request, one at a time; a page that is not 200 stops the bench."""
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"bench: {url} answered {response.status_code}")
    return times


def page_urls(base: str, count: int) -> dict[str, list[str]]:
    """What one client requests: 100 two-word searches (as bench/load.py), 300 distinct articles and
    300 distinct stories spread over the whole desk, the front page 50 times."""
    rng = random.Random(7)
    queries = [" ".join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=2)) for _ in range(100)]
    articles = random.Random(5).sample(range(count), min(300, count))
    stories = random.Random(6).sample(range(count // STORY_SIZE), min(300, count // STORY_SIZE))
    return {
        "search": [f"{base}/search?q={q.replace(' ', '+')}" for q in queries],
        "article": [f"{base}/articles/b{n:07d}" for n in articles],
        "story": [f"{base}/stories/story{n:06d}" for n in stories],
        "front": [f"{base}/"] * 50,
    }


def warm_up_urls(base: str, count: int) -> list[str]:
    """A server's first requests compile templates and open connections: not what is measured.
    Pages other than the measured ones, so the measured ones stay unread."""
    rng = random.Random(99)
    urls = [f"{base}/", f"{base}/search?q=harbour+council"] * 3
    urls += [f"{base}/articles/b{rng.randrange(count):07d}" for _ in range(10)]
    return urls + [f"{base}/stories/story{rng.randrange(count // STORY_SIZE):06d}" for _ in range(10)]


def process_tree_rss(pid: int) -> list[tuple[int, float]]:
    """(pid, VmRSS MB) of a process and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            found.append((current, rss / 1024))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return found


def serve_and_measure(database: str, count: int, args: argparse.Namespace, folder: Path) -> dict:
    """Start `broadsheet serve` (page cache off) on the desk; each page kind one client at a time,
    article pages under wrk; then every server process's RSS."""
    import load

    env = {
        "BROADSHEET_PAGE_CACHE_SECONDS": "0",
        "BROADSHEET_ARTICLE_CACHE_SECONDS": "0",
        "BROADSHEET_EMBEDDINGS": "off",
    }
    base = f"http://127.0.0.1:{args.port}"
    urls, rng = page_urls(base, count), random.Random(8)
    wrk_urls = [f"{base}/articles/b{rng.randrange(count):07d}" for _ in range(2000)]
    freshly_ranked(database, urls["article"] + wrk_urls + warm_up_urls(base, count))
    server = web.start_server(database, args.port, args.workers, env, folder / "server.log")
    try:
        with httpx.Client(timeout=120) as client:
            timed(client, warm_up_urls(base, count))
            results = {kind: timed(client, pages) for kind, pages in urls.items()}
        results["wrk"] = load.wrk_load(wrk_urls, args.wrk_seconds, 10, folder) if args.wrk_seconds else None
        results["rss"] = process_tree_rss(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def freshly_ranked(database: str, urls: list[str]) -> None:
    """Mark the related lists of the articles about to be viewed as ranked just now. The desk's lists
    were ranked when each article arrived; a view of one older than an hour shows it and asks the
    pipeline to rank it again in the background, work that would compete with the measured renders
    and keep the server busy after them (seen at 20,000 articles: shutdown waited for it)."""
    from sqlalchemy import bindparam, update

    from broadsheet.store.db import make_engine
    from broadsheet.store.schema import articles

    ids = sorted({url.rsplit("/", 1)[1] for url in urls if "/articles/" in url})
    engine = make_engine(database)
    with engine.begin() as conn:
        statement = update(articles).where(articles.c.id == bindparam("_id")).values(related_at=datetime.now(UTC))
        conn.execute(statement, [{"_id": i} for i in ids])
    engine.dispose()


# --- one database, the report ---------------------------------------------------------------------


def desk(kind: str, args: argparse.Namespace, folder: Path) -> tuple[str, dict]:
    """The desk of --articles articles: the kept one (--reuse), else generated now."""
    from broadsheet.store.db import open_database

    record = folder / f"{kind}.json"
    if args.reuse and record.exists() and json.loads(record.read_text())["articles"] == args.articles:
        kept = json.loads(record.read_text())
        return kept["url"], {**kept, "reused": True}
    name = "bench_scale_kept" if args.keep else f"bench_scale_{uuid.uuid4().hex[:8]}"
    url = make_database(kind, folder, name)
    engine = open_database(url)
    seconds = generate(engine, args.articles)
    engine.dispose()
    kept = {"url": url, "articles": args.articles, "seconds": seconds, "rss_mb": _peak_rss_mb()}
    if args.keep:
        record.write_text(json.dumps(kept))
    return url, {**kept, "reused": False}


def placement_on_small_desk(kind: str, folder: Path) -> dict:
    """Placement on a fresh desk of 1,000 articles, made the same way."""
    from broadsheet.store.db import open_database

    url = make_database(kind, folder, f"bench_scale_small_{uuid.uuid4().hex[:8]}")
    try:
        engine = open_database(url)
        generate(engine, SMALL_DESK)
        engine.dispose()
        return place_in_process(url)
    finally:
        drop_database(url)


def run(kind: str, args: argparse.Namespace) -> dict:
    """Every figure for one kind of database."""
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    figures = {"kind": kind, "load_before": os.getloadavg()}
    url, figures["desk"] = desk(kind, args, folder)
    if args.generate_only:
        return figures
    try:
        print(f"{kind}: desk ready, measuring", flush=True)
        figures["small"] = placement_on_small_desk(kind, folder)
        figures["large"] = place_in_process(url)
        figures["pages"] = serve_and_measure(url, args.articles, args, folder)
        figures["bytes"] = database_bytes(url)
    finally:
        if not args.keep:
            drop_database(url)
            shutil.rmtree(folder, ignore_errors=True)
    figures["load_after"] = os.getloadavg()
    return figures


def _bar(ok: bool) -> str:
    return "yes" if ok else "NO"


def report(f: dict, args: argparse.Namespace) -> list[str]:
    """The table for one database, every bar with yes or NO."""
    d, p, n = f["desk"], f["pages"], args.articles
    load = " ".join(f"{x:.2f}" for x in f["load_before"]), " ".join(f"{x:.2f}" for x in f["load_after"])
    made = "reused from --keep" if d["reused"] else "generated now"
    lines = [
        f"== {f['kind']}: {n:,} articles ({made}: {d['seconds']:.0f} s, {n / d['seconds']:,.0f} articles/s "
        f"incl. indexing; generator peak RSS {d['rss_mb']:.0f} MB); load average {load[0]} before, {load[1]} after",
        f"{'measure':<58}{'figure':>22}  bar",
    ]
    small, large = f["small"], f["large"]
    ratio = large["median_ms"] / small["median_ms"]
    rows = [
        (f"placement at {SMALL_DESK:,}, median of {PLACEMENTS - 1} (ms)", f"{small['median_ms']:.1f}", ""),
        (f"placement at {n:,}, median of {PLACEMENTS - 1} (ms)", f"{large['median_ms']:.1f}", ""),
        ("placement ratio", f"{ratio:.2f}x", f"<= 2x {_bar(ratio <= 2)}"),
        (
            "first placement, state rebuilt from the store (ms), 1k / N",
            f"{small['first_ms']:.0f} / {large['first_ms']:.0f}",
            "",
        ),
    ]
    rows += _page_rows(p)
    rows.append(("database size on disk", f"{f['bytes'] / 2**30:.2f} GiB", ""))
    for pid, rss in p["rss"]:
        rows.append(
            (f"server process {pid} RSS after the measurements", f"{rss:.0f} MB", f"< 400 MB {_bar(rss < 400)}")
        )
    rows.append(
        ("pipeline process peak RSS (placement at N)", f"{large['rss_mb']:.0f} MB", _bar(large["rss_mb"] < 1536))
    )
    rows[-1] = (*rows[-1][:2], f"< 1.5 GB {rows[-1][2]}")
    return lines + [f"{a:<58}{b:>22}  {c}" for a, b, c in rows]


def _page_rows(p: dict) -> list[tuple[str, str, str]]:
    def pair(kind: str, a: float, b: float) -> str:
        return f"{percentile(p[kind], a):.1f} / {percentile(p[kind], b):.1f}"

    search50, article99 = percentile(p["search"], 50), percentile(p["article"], 99)
    rows = [
        ("search p50 / p95 (100 two-word queries, one client, ms)", pair("search", 50, 95), ""),
        ("  search p50", f"{search50:.1f}", f"< 100 ms {_bar(search50 < 100)}"),
        ("article page p50 / p99 (300 distinct, one client, ms)", pair("article", 50, 99), ""),
        ("  article page p99", f"{article99:.1f}", f"< 100 ms {_bar(article99 < 100)}"),
        ("story page p50 / p99 (300 distinct, one client, ms)", pair("story", 50, 99), ""),
        ("front page p50 / p99 (50 requests, one client, ms)", pair("front", 50, 99), ""),
    ]
    if p["wrk"]:
        w = p["wrk"]
        rows.append(
            (
                "article pages, wrk 10 connections: req/s, p50 / p99 ms",
                f"{w['rps']:.0f}, {w['p50']:.1f} / {w['p99']:.1f}",
                f"errors {w['errors']}",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--keep", help="keep the generated desks (and their record) in this folder")
    parser.add_argument("--reuse", action="store_true", help="measure the desks kept in --keep")
    parser.add_argument("--workers", type=int, default=2, help="server processes (one per core here)")
    parser.add_argument("--wrk-seconds", type=float, default=15, help="article pages under wrk (0: skip)")
    parser.add_argument("--port", type=int, default=18795)
    parser.add_argument("--generate-only", action="store_true", help="make the desks (with --keep) and stop")
    parser.add_argument("--place", help=argparse.SUPPRESS)  # internal: placement in its own process
    args = parser.parse_args()
    if args.place:
        print(json.dumps(place(args.place)))
        return
    if (args.reuse or args.generate_only) and not args.keep:
        parser.error("--reuse and --generate-only need --keep DIR")
    print(f"bench/scale_data.py --articles {args.articles} on {os.cpu_count()} cores", flush=True)
    for kind in args.databases.split(","):
        figures = run(kind, args)
        if args.generate_only:
            d = figures["desk"]
            print(f"{kind}: {d['articles']:,} articles in {d['seconds']:.0f} s ({d['articles'] / d['seconds']:,.0f}/s)")
            continue
        print("\n".join(report(figures, args)), flush=True)


if __name__ == "__main__":
    main()
