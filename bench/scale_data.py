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
  cache off, plus article pages under wrk at 10 connections (--wrk-pages distinct ones);
- the database's size on disk and the RSS of every server process after the measurements.

Excerpts of the articles related lists show are written with every article, as the enrich stage
keeps them (migration 0023); a desk kept from before gets those of the viewed pages' lists.
Digests (a story's summary, timeline and what each source adds) are made by the pipeline's
`keep_digests` before serving, as the pipeline does when a story changes, for the stories of every
page about to be viewed (measured, warm-up and wrk pages): the generated desk is written straight
into the tables, so no pipeline ran on its stories (200,000 at a million), and making them all (20-50 ms each)
would add hours to the load. How many were made, and how long it took, is printed.

Seen here (2 shared cores, other benches running): PostgreSQL's desk of 1,000,000 took 38 min to
load and index at one time, 80 min at another (load average 6-12). SQLite's rows took 20 min, but
one FTS5 'rebuild' after them had not finished after 30 more minutes; the index is now written batch
by batch during the load (100,000 articles: 870 s at load 8-12, 202 s of the writer's time indexing).
With FTS5's default merging, a quiet machine wrote 100,000 in 119 s and 200,000 in 311 s (the
writer's FTS5 time per 100,000 went from 18 to 85 s). Turning merging off during the load (automerge
0, crisismerge 1,000) wrote the million rows in about 2,950 s at load 3-5, but the one 'optimize'
after them, over 370 segments, read the index page by page and had not finished after 24 minutes,
and a bounded 'merge' of 2,000 pages took 210 s: the load keeps FTS5's own merging. With it, a million
took 5,737 s at load 2-5 (the writer's FTS5 time per 100,000 grew from 16 s to about 900 s).

--keep DIR keeps the generated desks (SQLite file and PostgreSQL database) and their record in DIR;
--reuse measures the desks kept there instead of generating them again (generation is the slow part).
"""

from __future__ import annotations

import argparse
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import web
from scale_desk import (
    DIM,
    SOURCES,
    STORY_SIZE,
    database_bytes,
    drop_database,
    generate,
    make_database,
    make_text,
    pick_words,
)
from web import VOCAB, WEIGHTS

PLACEMENTS = 50
SMALL_DESK = 1_000


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
        text, _ = make_text(rng)
        title = " ".join(pick_words(rng, 8)).capitalize()
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


def place(databases: list[str]) -> dict:
    """Place the new articles one at a time as the pipeline does, taking the desks in turn (article 1
    on each, then article 2, ...) so that the machine's changing load falls on all of them alike;
    ms per placement on each desk and the process's peak RSS."""
    from broadsheet.pipeline import understand
    from broadsheet.store.db import open_database

    engines = [open_database(url) for url in databases]
    for engine in engines:
        understand.configure(engine, StoredVectors())
    times: list[list[float]] = [[] for _ in engines]
    for article, vector in new_articles():
        for engine, spent in zip(engines, times):
            spent.append(_place_one(engine, article, vector))
    for engine in engines:
        engine.dispose()
    # The first placement also rebuilds the stage's state from the store (the newest 20,000 placed
    # articles) and imports what placement needs: not the steady state, shown apart.
    figures = [{"first_ms": t[0], "median_ms": statistics.median(t[1:])} for t in times]
    return {"desks": figures, "rss_mb": _peak_rss_mb()}


def _place_one(engine, article, vector: bytes) -> float:
    """Store one article and its embedding, then time its placement (the serialised step, as
    pipeline/runner.py runs it); ms."""
    from broadsheet.pipeline import understand
    from broadsheet.store import articles as article_store
    from broadsheet.store import stories as story_store
    from broadsheet.store.db import serialize_placement

    with engine.begin() as conn:  # the fetch stage stores it, an embed job keeps its vector
        article_store.save_articles(conn, [article])
        story_store.keep_unplaced_vectors(conn, {article.id: vector})
    started = time.perf_counter()
    with engine.begin() as conn:
        serialize_placement(conn)
        understand.understand_batch(engine, conn, [article])
    return (time.perf_counter() - started) * 1000


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def place_in_process(databases: list[str]) -> dict:
    """`place` in a process of its own: its peak RSS is a pipeline process's, not this bench's."""
    command = [sys.executable, __file__, "--place", ",".join(databases)]
    out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
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


def page_urls(base: str, count: int, seed: int) -> dict[str, list[str]]:
    """What one client requests: 100 two-word searches (as bench/load.py), 300 distinct articles and
    300 distinct stories spread over the whole desk, the front page 50 times. On a kept desk, a
    second run with the same `seed` views pages whose rows the database has cached."""
    rng = random.Random(7)
    queries = [" ".join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=2)) for _ in range(100)]
    articles = random.Random(seed).sample(range(count), min(300, count))
    stories = random.Random(seed + 1).sample(range(count // STORY_SIZE), min(300, count // STORY_SIZE))
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
    urls, rng = page_urls(base, count, args.sample_seed), random.Random(args.sample_seed + 3)
    if args.skip_search:
        del urls["search"]
    wrk_urls = [f"{base}/articles/b{rng.randrange(count):07d}" for _ in range(args.wrk_pages)]
    viewed = urls["article"] + urls["story"] + wrk_urls + warm_up_urls(base, count)
    freshly_ranked(database, viewed)
    excerpts_kept(database, viewed)
    made = digests_kept(database, viewed)
    server = web.start_server(database, args.port, args.workers, env, folder / "server.log")
    try:
        with httpx.Client(timeout=120) as client:
            timed(client, warm_up_urls(base, count))
            results = {kind: timed(client, pages) for kind, pages in urls.items()}
        results["wrk"] = load.wrk_load(wrk_urls, args.wrk_seconds, 10, folder) if args.wrk_seconds else None
        results["rss"] = process_tree_rss(server.pid)
        results["digests"] = made
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


def excerpts_kept(database: str, urls: list[str]) -> int:
    """The excerpts the enrich stage keeps (migration 0023) of the articles these article pages list
    as related, where the desk has none (one generated before that migration): without them each
    view cleans five leads, work a live desk's pages no longer do. Returns how many were written."""
    from sqlalchemy import bindparam, select, update

    from broadsheet.nlp.related import excerpt
    from broadsheet.store.chunks import in_chunks
    from broadsheet.store.db import open_database
    from broadsheet.store.schema import articles

    viewed = sorted({url.split("?", 1)[0].rsplit("/", 1)[1] for url in urls if "/articles/" in url})
    engine = open_database(database)  # migrated: a desk kept from before 0023 gets the column
    with engine.begin() as conn:
        listed: set[str] = set()
        for chunk in in_chunks(viewed):
            for (ids,) in conn.execute(select(articles.c.related_ids).where(articles.c.id.in_(chunk))):
                listed.update(ids or [])
        missing = []
        for chunk in in_chunks(sorted(listed)):
            query = select(articles.c.id, articles.c.title, articles.c.text).where(articles.c.id.in_(chunk))
            missing += conn.execute(query.where(articles.c.excerpt.is_(None))).all()
        if missing:
            statement = update(articles).where(articles.c.id == bindparam("_id")).values(excerpt=bindparam("_e"))
            conn.execute(statement, [{"_id": r.id, "_e": excerpt(r.title, r.text)} for r in missing])
    engine.dispose()
    print(f"  excerpts kept, as the enrich stage keeps them, for {len(missing):,} listed articles without one")
    return len(missing)


def digests_kept(database: str, urls: list[str]) -> dict:
    """Digests made by the pipeline's keep_digests before serving, as the pipeline does when a story
    changes, for the stories of these pages: no view then makes one (a view of a story without its
    digest makes it inside the request, ~50 ms, and asks the pipeline to store it). How many
    stories, how many digests were made (kept ones are not made again) and the seconds it took."""
    from broadsheet.pipeline.explain import keep_digests
    from broadsheet.store import stories as story_store
    from broadsheet.store.db import make_engine

    paths = [url.split("?", 1)[0] for url in urls]
    article_ids = sorted({p.rsplit("/", 1)[1] for p in paths if "/articles/" in p})
    engine = make_engine(database)
    started = time.perf_counter()
    stories = set(story_store.story_ids_of(engine, article_ids))
    stories |= {p.rsplit("/", 1)[1] for p in paths if "/stories/" in p}
    made = keep_digests(engine, sorted(stories))
    engine.dispose()
    figures = {"stories": len(stories), "made": made, "seconds": time.perf_counter() - started}
    print(
        f"  digests made by the pipeline's keep_digests before serving, as the pipeline does when a story "
        f"changes: {made:,} made for {len(stories):,} stories of the pages to be viewed, {figures['seconds']:.0f} s",
        flush=True,
    )
    return figures


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


def placement(kind: str, url: str, folder: Path) -> dict:
    """Placement on a fresh desk of 1,000 articles made the same way and on the desk at `url`, in turn."""
    from broadsheet.store.db import open_database

    small = make_database(kind, folder, f"bench_scale_small_{uuid.uuid4().hex[:8]}")
    try:
        engine = open_database(small)
        generate(engine, SMALL_DESK)
        engine.dispose()
        figures = place_in_process([small, url])
    finally:
        drop_database(small)
    return {"small": figures["desks"][0], "large": {**figures["desks"][1], "rss_mb": figures["rss_mb"]}}


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
        figures.update(placement(kind, url, folder))
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
            "first placement: state rebuilt, imports (ms), 1k / N",
            f"{small['first_ms']:.0f} / {large['first_ms']:.0f}",
            "",
        ),
    ]
    rows += _page_rows(p, args)
    rows.append(("database size on disk", f"{f['bytes'] / 2**30:.2f} GiB", ""))
    for pid, rss in p["rss"]:
        rows.append(
            (f"server process {pid} RSS after the measurements", f"{rss:.0f} MB", f"< 400 MB {_bar(rss < 400)}")
        )
    rows.append(
        ("pipeline process peak RSS (placing on both desks)", f"{large['rss_mb']:.0f} MB", _bar(large["rss_mb"] < 1536))
    )
    rows[-1] = (*rows[-1][:2], f"< 1.5 GB {rows[-1][2]}")
    return lines + [f"{a:<58}{b:>22}  {c}" for a, b, c in rows]


def _search_rows(p: dict, pair) -> list[tuple[str, str, str]]:
    if "search" not in p:
        return [("search", "not measured", "(--skip-search)")]
    search50 = percentile(p["search"], 50)
    return [
        ("search p50 / p95 (100 two-word queries, one client, ms)", pair("search", 50, 95), ""),
        ("  search p50", f"{search50:.1f}", f"< 100 ms {_bar(search50 < 100)}"),
    ]


def _page_rows(p: dict, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    def pair(kind: str, a: float, b: float) -> str:
        return f"{percentile(p[kind], a):.1f} / {percentile(p[kind], b):.1f}"

    article99 = percentile(p["article"], 99)
    kept = p["digests"]
    rows = [
        (
            "story digests kept before serving (pipeline's keep_digests)",
            f"{kept['made']:,} of {kept['stories']:,}, {kept['seconds']:.0f} s",
            "",
        )
    ]
    rows += _search_rows(p, pair) + [
        ("article page p50 / p99 (300 distinct, one client, ms)", pair("article", 50, 99), ""),
        ("  article page p99", f"{article99:.1f}", f"< 100 ms {_bar(article99 < 100)}"),
        ("story page p50 / p99 (300 distinct, one client, ms)", pair("story", 50, 99), ""),
        ("front page p50 / p99 (50 requests, one client, ms)", pair("front", 50, 99), ""),
    ]
    if p["wrk"]:
        w = p["wrk"]
        rows.append(
            (
                f"article pages ({args.wrk_pages:,} distinct), wrk 10 conn.: req/s, p50 / p99 ms",
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
    parser.add_argument("--wrk-pages", type=int, default=2000, help="distinct article pages wrk requests")
    parser.add_argument("--port", type=int, default=18795)
    parser.add_argument("--sample-seed", type=int, default=5, help="which pages are viewed (another: unseen ones)")
    parser.add_argument("--skip-search", action="store_true", help="leave search out (a desk without its index)")
    parser.add_argument("--generate-only", action="store_true", help="make the desks (with --keep) and stop")
    parser.add_argument("--place", help=argparse.SUPPRESS)  # internal: placement in its own process
    args = parser.parse_args()
    if args.place:
        print(json.dumps(place(args.place.split(","))))
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
