"""Web serving speed with 100,000 articles in SQLite: front page, article page and search,
against the same server's /healthz as the baseline, at 50 concurrent clients.

Usage: .venv/bin/python bench/web.py [--articles 100000] [--seconds 15] [--keep DIR]

Article pages are measured on a working set of 1,978 articles after every worker process has each
one in its page cache (the steady state of popular articles), and again with the cache off (every
request renders: the cost of a page nobody has opened for a while), as are their stories' pages.
Load comes from wrk (Debian package `wrk`) when installed, else from a Python client (which
competes with the server for the two cores and so understates the server).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

WORDS = [
    "harbour",
    "council",
    "ferry",
    "budget",
    "minister",
    "election",
    "strike",
    "port",
    "bank",
    "merger",
    "satellite",
    "launch",
    "hospital",
    "outbreak",
    "vaccine",
    "trial",
    "cup",
    "final",
    "festival",
    "film",
    "fossil",
    "quarry",
    "breach",
    "telecom",
    "energy",
    "cyberattack",
    "weather",
    "storm",
    "flood",
    "bridge",
    "rail",
    "tram",
    "school",
    "university",
    "research",
    "court",
    "ruling",
    "inquiry",
    "tariff",
    "dairy",
    "farmers",
    "exports",
    "union",
    "wages",
    "shipping",
    "container",
    "market",
    "shares",
    "profit",
    "loss",
    "parliament",
    "vote",
]


def vocabulary(size: int = 20_000, seed: int = 1) -> tuple[list[str], list[float]]:
    """Pseudo-words with Zipf-like frequencies, so term statistics look like real text
    (a few words everywhere, most words rare), plus the topic words above."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = WORDS + ["".join(rng.choice(letters) for _ in range(rng.randint(3, 10))) for _ in range(size)]
    weights, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 1)
        weights.append(total)  # cumulative: random.choices is O(log n) per pick with cum_weights
    return words, weights


VOCAB, WEIGHTS = vocabulary()


def sentence(rng: random.Random) -> str:
    words = rng.choices(VOCAB, cum_weights=WEIGHTS, k=rng.randint(12, 24))
    return " ".join(words).capitalize() + "."


def generate(engine, count: int, seed: int = 3, digests: bool = True) -> list[str]:
    """Insert `count` articles from 50 sources over the last 60 days; returns their ids. With
    `digests`, every story's digest is made too (about 25 ms a story: see `keep_digests`)."""
    from broadsheet.model import Article
    from broadsheet.store import articles as article_store
    from broadsheet.store import sources as source_store

    rng = random.Random(seed)
    now = datetime.now(UTC)
    sources = [
        source_store.add_source(engine, f"http://pub{i}.invalid/feed", title=f"Publisher {i}")[0] for i in range(50)
    ]
    ids = []
    for start in range(0, count, 5000):
        batch = []
        for n in range(start, min(count, start + 5000)):
            source = sources[n % len(sources)]
            text = "\n\n".join(" ".join(sentence(rng) for _ in range(3)) for _ in range(5))
            batch.append(
                Article(
                    id=f"b{n:07d}",
                    url=f"http://pub{source.id}.invalid/a/{n}",
                    title=" ".join(rng.choices(VOCAB, cum_weights=WEIGHTS, k=8)).capitalize(),
                    text=text,
                    source_id=source.id,
                    source_name=source.title,
                    byline="Bench Writer",
                    published_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                )
            )
            ids.append(batch[-1].id)
        with engine.begin() as conn:
            article_store.save_articles(conn, batch)
            _understood(conn, batch, rng, now)
    if digests:
        keep_digests(engine, ids)
    return ids


def story_of(article_id: str) -> str:
    """The story a generated article belongs to (five articles each)."""
    return f"story{int(article_id[1:]) // 5:06d}"


def keep_related_fresh(engine) -> None:
    """A kept desk's related lists stamped as ranked now, as the refresh keeps them on a live desk.
    A list older than an hour makes every view of its article ask the server to rank it again
    (web/related.py RELATED_FRESH): a desk kept longer than that measured the ranking as well."""
    from sqlalchemy import update

    from broadsheet.store.schema import articles

    with engine.begin() as conn:
        conn.execute(update(articles).values(related_at=datetime.now(UTC)))


def keep_digests(engine, article_ids: list[str]) -> None:
    """The digests (summary, timeline, additions) of these articles' stories, made and stored as the
    pipeline makes them when a story changes: no page view builds one, on a live desk or here."""
    from broadsheet.pipeline import explain

    explain.keep_digests(engine, list(dict.fromkeys(story_of(i) for i in article_ids)))


SECTIONS = ("World", "Politics", "Business", "Technology", "Science", "Health", "Sports", "Entertainment")


def random_vector(rng: random.Random, dim: int = 384) -> bytes:
    """A random unit vector in the embedding's shape (float16): semantic search scans real vectors."""
    vector = np.array([rng.gauss(0.0, 1.0) for _ in range(dim)], dtype=np.float32)
    return (vector / np.linalg.norm(vector)).astype(np.float16).tobytes()


def related_of(number: int) -> list[str]:
    """A kept related list of five articles of other stories, as the pipeline keeps for every
    article (random vectors relate nothing, and a page without related articles renders less)."""
    step = -5 if number >= 25 else 5  # earlier articles exist already; the first ones look ahead
    return [f"b{number + step * j:07d}" for j in range(1, 6)]


def _understood(conn, batch, rng: random.Random, now: datetime) -> None:
    """What ingestion would have stored beside each article: its story (five articles each),
    section, key points and related list, so pages read the same shapes as on a live desk."""
    from sqlalchemy import update

    from broadsheet.nlp.related import excerpt
    from broadsheet.pipeline.enrich import VERSION as ENRICHED
    from broadsheet.store.schema import articles, stories

    groups: dict[str, list] = {}
    for article in batch:
        number = int(article.id[1:])
        story_id = f"story{number // 5:06d}"
        groups.setdefault(story_id, []).append(article)
        sentences = article.text.split(". ")[:3]
        points, start = [], 0
        for text in sentences:
            begin = article.text.find(text, start)
            points.append(
                {"text": text.rstrip(".") + ".", "start": begin, "end": begin + len(text), "sentence": len(points)}
            )
            start = begin + len(text)
        conn.execute(
            update(articles)
            .where(articles.c.id == article.id)
            .values(
                story_id=story_id,
                section=SECTIONS[number % len(SECTIONS)],
                tags=[],
                entities=[],
                key_points=points,
                excerpt=excerpt(article.title, article.text),  # as the enrich stage keeps it
                enriched=ENRICHED,
                vector=random_vector(rng),
                related_ids=related_of(number),
                related_at=now,
            )
        )  # current: a view asks for no enrichment, and shows a kept related list
    for story_id, members in groups.items():
        times = [a.published_at for a in members]
        conn.execute(
            stories.insert().values(
                id=story_id,
                title=members[0].title,
                article_id=members[0].id,
                first_seen=min(times),
                last_seen=max(times),
                article_count=len(members),
                source_count=len({a.source_id for a in members}),
                updated_at=now,
            )
        )


def start_server(
    database: str, port: int, workers: int, env: dict | None = None, log: Path | None = None
) -> subprocess.Popen:
    """`broadsheet serve` on this database, once /healthz answers; its stderr kept in `log` when given."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "broadsheet",
            "--database",
            database,
            "serve",
            "--port",
            str(port),
            "--refresh-interval",
            "0",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb") if log else subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    errors = log.read_text(errors="replace") if log else server.stderr.read().decode()
    raise SystemExit("bench: the server did not start: " + errors[-2000:])


def wrk(url: str, seconds: float, script: str | None = None, connections: int = 50) -> dict:
    """Run wrk with `connections` connections; parse requests/s, latency percentiles and errors
    (non-2xx/3xx answers, and socket errors: connect, read, write, timeout)."""
    # wrk leaves an answer slower than its timeout (2 s by default) out of the percentiles, counted
    # only as an error: a long timeout keeps the slow tail in p99.
    command = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "60s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket.groups())) if socket else 0)
    requests = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps,
        "p50": ms("50%"),
        "p99": ms("99%"),
        "errors": failed,
        "requests": int(requests.group(1)) if requests else 0,
    }


async def python_load(urls: list[str], seconds: int, clients: int = 50) -> dict:
    """Fallback load generator: `clients` loops over the URLs for `seconds`."""
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as client:

        async def loop(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await client.get(urls[i % len(urls)])
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 400
                i += clients

        await asyncio.gather(*(loop(n) for n in range(clients)))
    latencies.sort()
    return {
        "rps": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": errors,
    }


def wait_for_models(base: str, workers: int, timeout: float = 120.0) -> None:
    """Wait until every worker has loaded the embedding model (it loads in the background at start
    and would otherwise compete with the first measurements). New connections reach any worker."""
    deadline, ready_in_a_row = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and ready_in_a_row < 10 * workers:
        state = httpx.get(f"{base}/healthz", headers={"Connection": "close"}).json().get("embeddings", "off")
        ready_in_a_row = ready_in_a_row + 1 if state in ("ready", "off") else 0
        time.sleep(0.05 if ready_in_a_row else 0.5)


def warm_up(base: str, pages: list[str], max_passes: int = 14) -> tuple[list[float], int, int]:
    """Request every page until each worker process serves all of them from its cache (the
    X-Cache header says so): the steady state of a working set of popular articles. Returns the
    first pass's times (uncached renders), the number of passes and the misses in the last one."""
    first: list[float] = []
    with httpx.Client(timeout=60) as client:
        for number in range(1, max_passes + 1):
            misses = 0
            for article_id in pages:
                started = time.perf_counter()
                # a new connection each time, so that every worker process gets its share
                response = client.get(f"{base}/articles/{article_id}", headers={"Connection": "close"})
                if number == 1:
                    first.append((time.perf_counter() - started) * 1000)
                misses += response.headers.get("x-cache") != "hit"
            if misses == 0 and number > 1:
                break
    return first, number, misses


def search_median(base: str, queries: list[str]) -> float:
    times = []
    with httpx.Client(timeout=60) as client:
        for q in queries:
            started = time.perf_counter()
            assert client.get(f"{base}/search", params={"q": q}).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--keep", help="reuse/keep the generated database in this folder")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (one per core here)")
    args = parser.parse_args()
    from broadsheet.store.db import open_database

    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{folder / 'web.db'}"
    engine = open_database(database)
    ids_file = folder / "ids.json"
    if ids_file.exists():
        ids = json.loads(ids_file.read_text())
        keep_related_fresh(engine)
    else:
        started = time.perf_counter()
        ids = generate(engine, args.articles, digests=False)
        ids_file.write_text(json.dumps(ids))
        print(f"generated {len(ids)} articles in {time.perf_counter() - started:.0f} s")
    rng = random.Random(5)
    sample = [rng.choice(ids) for _ in range(2000)]
    started = time.perf_counter()
    keep_digests(engine, sample)  # the viewed stories' (all 20,000 would take minutes)
    print(
        f"story digests of the viewed articles made in {time.perf_counter() - started:.0f} s, as the pipeline makes them"
    )
    engine.dispose()
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(database, args.port, args.workers)
    try:
        wait_for_models(base, args.workers)
        use_wrk = shutil.which("wrk") is not None
        script = folder / "articles.lua"
        script.write_text(
            "ids = {" + ",".join(f'"{i}"' for i in sample) + "}\n"
            "request = function() return wrk.format('GET', '/articles/' .. ids[math.random(#ids)]) end\n"
        )
        results = {}
        for name, path in (("/healthz (baseline)", "/healthz"), ("front page /", "/"), ("article page", None)):
            if path is None:
                cold_ms, passes, misses = warm_up(base, list(dict.fromkeys(sample)))
                print(
                    f"warm-up: {len(set(sample))} article pages, {passes} passes ({misses} uncached in the last); "
                    f"uncached render (first view, one client): median {statistics.median(cold_ms):.1f} ms"
                )
            if use_wrk:
                results[name] = wrk(base + (path or "/"), args.seconds, None if path else str(script))
            else:
                urls = [base + path] if path else [f"{base}/articles/{i}" for i in sample]
                results[name] = asyncio.run(python_load(urls, args.seconds))
        queries = [" ".join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=2)) for _ in range(100)]
        search_ms = search_median(base, queries)
        # Questions take the semantic route too: MiniLM encodes the query, the newest 20,000 vectors are scanned.
        questions = [
            f"why did the {' '.join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=3))} happen"
            for _ in range(100)
        ]
        search_median(base, questions[:3])  # the first questions load the in-memory vector index
        question_ms = search_median(base, questions)
    finally:
        server.terminate()
        server.wait(timeout=20)
    # The same article pages, and their stories' pages, with the page cache off: every request renders.
    stories = [story_of(i) for i in sample]
    story_script = folder / "stories.lua"
    story_script.write_text(
        "ids = {" + ",".join(f'"{i}"' for i in stories) + "}\n"
        "request = function() return wrk.format('GET', '/stories/' .. ids[math.random(#ids)]) end\n"
    )
    server = start_server(database, args.port, args.workers, {"BROADSHEET_PAGE_CACHE_SECONDS": "0"})
    try:
        wait_for_models(base, args.workers)
        for name, kind, lua in (
            ("article page, no cache", "articles", script),
            ("story page, no cache", "stories", story_script),
        ):
            if use_wrk:
                results[name] = wrk(base + "/", args.seconds, str(lua))
            else:
                targets = sample if kind == "articles" else stories
                results[name] = asyncio.run(python_load([f"{base}/{kind}/{i}" for i in targets], args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"{len(ids)} articles in SQLite, 50 concurrent clients, {args.seconds} s each, load from "
        f"{'wrk' if use_wrk else 'a Python client'}, server: {args.workers} uvicorn worker process(es), "
        f"anonymous page cache {os.environ.get('BROADSHEET_PAGE_CACHE_SECONDS', '10')} s "
        f"(article pages {os.environ.get('BROADSHEET_ARTICLE_CACHE_SECONDS', '300')} s)"
    )
    print(f"{'target':<22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'vs healthz':>12}")
    baseline = results["/healthz (baseline)"]["rps"]
    for name, r in results.items():
        print(f"{name:<22}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}{r['rps'] / baseline:>11.0%}")
    print(f"search (100 two-word queries, one client): median {search_ms:.1f} ms")
    print(f"search (100 questions, lexical + semantic fused, one client): median {question_ms:.1f} ms")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
