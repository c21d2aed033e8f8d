"""Throughput and latency at scale, in one run on one generated newsroom (bench/newsroom.py):

- articles per second and CPU seconds per article for the embedded runner (`broadsheet refresh`,
  SQLite, one process) and for 1, 2 and 3 `broadsheet worker` processes on PostgreSQL (procrastinate),
  from the sources being added to every article stored, placed in a story and enriched (the embedded
  run includes its process start-up, a few seconds; workers are started and ready before the clock);
- the delay from an item appearing in a feed to its article page being served by `broadsheet serve`,
  p50 and p95, with 3 workers.

    python bench/scale.py [--articles 500] [--publishers 10] [--latency-items 20]

Needs PostgreSQL at 127.0.0.1:5432 (database `test`, trust auth); each run uses fresh databases.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster import (
    Cluster,
    TreeCPU,
    finished,
    free_port,
    fresh_database,
    postgres_reachable,
    service_env,
    wait_until,
)
from bench.newsroom import Newsroom, generate, start_newsroom
from broadsheet.store.db import open_database
from broadsheet.store.sources import add_source
from broadsheet.text.urls import url_id

TIMEOUT = 1800  # a limit for a hang, not a speed target


@dataclass
class Result:
    """One way of running the pipeline over the newsroom."""

    name: str
    articles: int
    seconds: float
    cpu: float

    def row(self) -> str:
        return (
            f"{self.name:<28} {self.articles:>8} {self.seconds:>9.1f} {self.articles / self.seconds:>10.2f} "
            f"{self.cpu / self.articles:>12.3f}"
        )


def _add_sources(url: str, room: Newsroom) -> None:
    engine = open_database(url)
    for feed in room.feed_urls():
        add_source(engine, feed)
    engine.dispose()


def run_embedded(room: Newsroom, folder: Path) -> Result:
    """`broadsheet refresh` on SQLite: one process (and its extraction pool), the embedded runner."""
    url = f"sqlite:///{folder / 'embedded.db'}"
    _add_sources(url, room)
    cpu = TreeCPU()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "broadsheet", "refresh"],
        env=service_env(url, job_engine="embedded"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while proc.poll() is None:
        cpu.sample(proc.pid)
        time.sleep(0.1)
    if proc.returncode:
        raise RuntimeError(f"broadsheet refresh exited with {proc.returncode}")
    return Result("embedded (SQLite, 1 process)", len(room.items), time.monotonic() - started, cpu.total())


def _registered(engine) -> int:
    with engine.connect() as conn:
        if conn.execute(text("SELECT to_regclass('procrastinate_workers')")).scalar_one() is None:
            return 0  # the first worker has not installed the job tables yet
        return conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one()


def run_workers(room: Newsroom, workers: int, folder: Path) -> Result:
    """N `broadsheet worker` processes on a fresh PostgreSQL database: from the sources being added
    (workers started and ready) until every article is stored, placed and enriched."""
    with fresh_database("bs_bench") as url:
        engine = open_database(url)
        cluster = Cluster(service_env(url, schedule_tick=1), folder)
        try:
            for _ in range(workers):
                cluster.start("worker", "--concurrency", "3")
            wait_until(lambda: _registered(engine) == workers, TIMEOUT, "the workers to start")
            cpu_before, started = cluster.cpu(), time.monotonic()
            _add_sources(url, room)
            wait_until(lambda: finished(engine, len(room.items)), TIMEOUT, "the workers to finish", every=0.5)
            seconds, cpu = time.monotonic() - started, cluster.cpu() - cpu_before
        finally:
            cluster.close()
            engine.dispose()
    return Result(f"{workers} worker{'s' if workers > 1 else ''} (PostgreSQL)", len(room.items), seconds, cpu)


def _served(client: httpx.Client, article_id: str) -> bool:
    try:
        return client.get(f"/articles/{article_id}").status_code == 200
    except httpx.HTTPError:
        return False


def measure_latency(room: Newsroom, held: list, folder: Path) -> list[float]:
    """Release held-back items one by one into their feeds; seconds until each article page is served."""
    delays = []
    with fresh_database("bs_latency") as url:
        _add_sources(url, room)
        engine = open_database(url)
        settings = {
            "schedule_tick": 1,
            "min_poll_interval": 1,
            "max_poll_interval": 2,
            "page_cache_seconds": 0,
            "article_cache_seconds": 0,
        }
        cluster = Cluster(service_env(url, **settings), folder)
        try:
            port = free_port()
            cluster.start("serve", "--port", str(port))
            for _ in range(3):
                cluster.start("worker", "--concurrency", "3")
            wait_until(lambda: finished(engine, len(room.items) - len(held)), TIMEOUT, "the first ingest", every=0.5)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                for item in held:
                    room.release(item)
                    article_id = url_id(room.url(item))
                    wait_until(
                        lambda article_id=article_id: _served(client, article_id),
                        300,
                        f"article {item.slug}",
                        every=0.05,
                    )
                    delays.append(time.monotonic() - room.released_at[item.slug])
        finally:
            cluster.close()
            engine.dispose()
    return delays


def main() -> None:
    """Run every configuration on one newsroom and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--latency-items", type=int, default=20)
    args = parser.parse_args()
    if not postgres_reachable():
        sys.exit("scale: PostgreSQL at 127.0.0.1:5432 (database test) is not reachable")
    items = generate(args.articles, args.publishers)
    room = start_newsroom(items, args.publishers)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            results = [run_embedded(room, folder)] + [run_workers(room, n, folder) for n in (1, 2, 3)]
            held = items[-args.latency_items :]  # the newest items appear in the feeds during the run
            for item in held:
                item.released = False
            delays = measure_latency(room, held, folder)
    finally:
        room.stop()
    print(
        f"{args.articles} articles from {args.publishers} publishers, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f})\n"
    )
    print(f"{'pipeline':<28} {'articles':>8} {'seconds':>9} {'articles/s':>10} {'CPU s/article':>12}")
    for result in results:
        print(result.row())
    cuts = statistics.quantiles(delays, n=20) if len(delays) > 1 else delays * 19
    print(
        f"\nfeed item -> article page served, 3 workers + serve ({len(delays)} items released one by one): "
        f"p50 {statistics.median(delays):.2f} s, p95 {cuts[18]:.2f} s"
    )


if __name__ == "__main__":
    main()
