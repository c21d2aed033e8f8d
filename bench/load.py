"""Load on uncached pages: 50 concurrent clients for 30 s on one story page, one article page, the
front page and search, with the page cache off (every request renders), on SQLite and PostgreSQL.
Prints requests/s, p50/p99 latency, errors and pool timeouts seen in the server's log.

Usage: .venv/bin/python bench/load.py [--articles 5000] [--seconds 30] [--clients 50]
                                      [--databases sqlite,postgresql] [--pages story,article,front,search]

Load comes from wrk (Debian package `wrk`) when installed, else from a Python asyncio client in this
process (which competes harder with the server for the two cores, so its figures understate the
server); the server is `broadsheet serve` with --workers processes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import web
from web import VOCAB, WEIGHTS, generate

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def make_database(kind: str, folder: Path) -> tuple[str, callable]:
    """A fresh database URL of this kind and a function that drops it afterwards."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'load.db'}", lambda: None
    from sqlalchemy import create_engine, text

    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def start_server(database: str, port: int, log: Path, workers: int = 1) -> subprocess.Popen:
    """`broadsheet serve` with the page cache off, its log kept to count pool timeouts."""
    env = {
        "BROADSHEET_PAGE_CACHE_SECONDS": "0",
        "BROADSHEET_ARTICLE_CACHE_SECONDS": "0",
        "BROADSHEET_EMBEDDINGS": "off",
    }
    return web.start_server(database, port, workers, env, log)


async def load(urls: list[str], seconds: float, clients: int) -> dict:
    """`clients` loops requesting the URLs in turn for `seconds`; latency of every response."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def loop(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(urls[i % len(urls)])
                    errors += response.status_code >= 400
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
                i += 1

        await asyncio.gather(*(loop(n) for n in range(clients)))
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "errors": errors,
        "p50": latencies[len(latencies) // 2] if latencies else float("nan"),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan"),
    }


def warm_up(urls: list[str]) -> None:
    """Each URL twice, one at a time, before the load: a server's first requests compile templates,
    open connections and ask for the page's background work (its related list), which is not the
    steady state the load measures."""
    with httpx.Client(timeout=120) as client:
        for url in urls * 2:
            client.get(url)


def wrk_load(urls: list[str], seconds: float, clients: int, folder: Path) -> dict:
    """The same load from wrk: its connections request the URLs in turn (a Lua script lists them)."""
    script = folder / "urls.lua"
    paths = ",".join('"' + url.split("/", 3)[3].replace('"', "%22") + '"' for url in urls)
    script.write_text(
        f"paths = {{{paths}}}\ncounter = 0\n"
        "request = function() counter = counter + 1 return wrk.format('GET', '/' .. paths[(counter % #paths) + 1]) end\n"
    )
    return web.wrk(urls[0], seconds, str(script), connections=clients)


def targets(base: str, ids: list[str]) -> dict[str, list[str]]:
    """One URL list per page kind: one story page (the issue's case), one article, the front, search."""
    rng = random.Random(7)
    story = f"{base}/stories/story{int(ids[len(ids) // 2][1:]) // 5:06d}"
    queries = [" ".join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=2)) for _ in range(50)]
    return {
        "story": [story],
        "article": [f"{base}/articles/{ids[len(ids) // 3]}"],
        "front": [f"{base}/"],
        "search": [f"{base}/search?q={q.replace(' ', '+')}" for q in queries],
    }


def run(kind: str, args: argparse.Namespace) -> list[tuple]:
    """Generate a desk in a fresh database of this kind, serve it, load each page; rows of figures."""
    from broadsheet.store.db import open_database

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    database, drop = make_database(kind, folder)
    rows = []
    try:
        engine = open_database(database)
        ids = generate(engine, args.articles)
        engine.dispose()
        log = folder / "server.log"
        server = start_server(database, args.port, log, args.workers)
        try:
            pages = targets(f"http://127.0.0.1:{args.port}", ids)
            for name in args.pages.split(","):
                warm_up(pages[name])
                if shutil.which("wrk"):
                    result = wrk_load(pages[name], args.seconds, args.clients, folder)
                else:
                    result = asyncio.run(load(pages[name], args.seconds, args.clients))
                timeouts = log.read_text(errors="replace").count("QueuePool limit")
                rows.append((kind, name, result, timeouts))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pages", default="story,article,front,search")
    parser.add_argument("--port", type=int, default=18791)
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn workers)")
    args = parser.parse_args()
    rows = [row for kind in args.databases.split(",") for row in run(kind, args)]
    print(
        f"{args.articles} articles, {args.clients} concurrent clients, {args.seconds:.0f} s per page, "
        f"page cache off, {args.workers} server process(es), load from "
        f"{'wrk' if shutil.which('wrk') else 'a Python client'} on the same 2 cores"
    )
    print(
        f"{'database':<12}{'page':<9}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'pool timeouts':>15}  p99 < 1 s"
    )
    for kind, name, r, timeouts in rows:
        ok = "yes" if r["p99"] < 1000 and not r["errors"] and not timeouts else "NO"
        print(
            f"{kind:<12}{name:<9}{r['requests']:>9}{r['rps']:>8.1f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
            f"{r['errors']:>8}{timeouts:>15}  {ok}"
        )


if __name__ == "__main__":
    main()
