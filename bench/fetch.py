"""Refresh throughput: 2,000 feeds on loopback publishers with realistic latency (50-300 ms),
fetched, parsed, extracted and stored by the real pipeline; extraction alone on the same pages
in the same run is the baseline.

Usage: .venv/bin/python bench/fetch.py [--feeds 2000] [--hosts 200] [--per-feed 2] [--port 18431]
The publishers are the demo newsroom's page templates (furniture included), served from a
separate process on 127.0.1.x addresses so per-host politeness applies as on the real web.

The publishers count the requests they answer and the latency they added: that latency divided by
the refresh's global concurrency is the least time the pass could take with no CPU cost at all (the
request floor), printed beside the time the 0.5x bar allows (twice extraction alone with the pool).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

PORT = 18431


def build_sites(feeds: int, hosts: int, per_feed: int, started: datetime) -> dict[str, dict[str, tuple[str, bytes]]]:
    """Pre-rendered responses per host: path -> (content type, body). Every feed is one demo
    publisher's site under its own path prefix, with `per_feed` articles of its own."""
    from broadsheet.demo.content import PUBLISHERS, load_articles
    from broadsheet.demo.sites import SiteApp, request_key

    stories = load_articles()
    rng = random.Random(7)
    sites: dict[str, dict[str, tuple[str, bytes]]] = {}
    for index in range(feeds):
        host = f"127.0.1.{index % hosts + 1}"
        publisher = PUBLISHERS[index % len(PUBLISHERS)]
        picks = rng.sample([a for a in stories if a.minutes_ago > 0], per_feed)
        articles = [replace(a, slug=f"{a.slug}-f{index}", publisher=publisher.slug) for a in picks]
        published = {a.slug: started - timedelta(minutes=a.minutes_ago) for a in articles}
        prefix = f"/f{index}"
        app = SiteApp(publisher, f"http://{host}:{PORT}{prefix}", articles, published)
        pages = sites.setdefault(host, {"/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n")})
        for path in [app.layout.feed] + [app.article_url(a)[len(app.base_url) :] for a in articles]:
            response = app.respond(path, started + timedelta(seconds=1))
            pages[request_key(prefix + path)] = (response.content_type, response.body)
    return sites


def serve(sites: dict, ready: multiprocessing.Event, answered, waited, seed: int = 11) -> None:
    """A keep-alive HTTP/1.1 server on every host address, answering after 50-300 ms; `answered`
    and `waited` (shared values) count the requests and the seconds of latency added."""
    from broadsheet.demo.sites import request_key

    rng = random.Random(seed)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                path = request_key(request.split(b" ", 2)[1].decode())  # tracking parameters ignored
                latency = rng.uniform(0.05, 0.3)
                await asyncio.sleep(latency)
                answered.value += 1  # one thread writes them: no lock needed
                waited.value += latency
                content_type, body = sites[host].get(path, ("text/plain", b"not found"))
                status = "200 OK" if path in sites[host] else "404 Not Found"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: keep-alive\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, host=list(sites), port=PORT, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def run_refresh(feed_urls: list[str]) -> tuple[float, object, object]:
    """Add the feeds to a fresh SQLite database and time one full refresh pass."""
    from broadsheet.config import load_config
    from broadsheet.pipeline.runner import refresh
    from broadsheet.store import sources as source_store
    from broadsheet.store.db import open_database

    data = tempfile.mkdtemp(prefix="bench-fetch-")
    config = load_config(environ={}, data_dir=data, allow_private_addresses=True)
    engine = open_database(config.resolved_database_url)
    for url in feed_urls:
        source_store.add_source(engine, url)
    started = time.perf_counter()
    report = asyncio.run(refresh(engine, config))
    return time.perf_counter() - started, report, config


def extraction_alone(sites: dict, workers: int) -> tuple[float, float, list[float]]:
    """Baseline on the same pages: (seconds in one process, seconds with the pool, per-page ms)."""
    from broadsheet.extract.article import extract_article
    from broadsheet.pipeline.workers import get_pool

    pages = [
        (f"http://{host}:{PORT}{path}", body.decode("utf-8", "replace"))
        for host, routes in sites.items()
        for path, (kind, body) in routes.items()
        if kind.startswith("text/html")
    ]
    times = []
    start = time.perf_counter()
    for url, html in pages:
        t0 = time.perf_counter()
        extract_article(html, url)
        times.append((time.perf_counter() - t0) * 1000)
    single = time.perf_counter() - start
    pool = get_pool(workers)
    list(pool.map(_extract_one, pages[: workers * 2]))  # warm the workers before timing
    start = time.perf_counter()
    list(pool.map(_extract_one, pages, chunksize=16))
    return single, time.perf_counter() - start, times


def _extract_one(page: tuple[str, str]) -> int:
    from broadsheet.extract.article import extract_article

    return len(extract_article(page[1], page[0]).paragraphs)


def main() -> None:
    global PORT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--per-feed", type=int, default=2)
    parser.add_argument("--port", type=int, default=PORT, help="the publishers' port (two runs at once need two)")
    args = parser.parse_args()
    PORT = args.port
    started = datetime.now(UTC).replace(microsecond=0)
    sites = build_sites(args.feeds, args.hosts, args.per_feed, started)
    feed_urls = sorted(
        f"http://{host}:{PORT}{path}"
        for host, routes in sites.items()
        for path, (kind, _) in routes.items()
        if "xml" in kind or path.endswith(("/rss", "/feed.xml", "/atom.xml", "/rss.xml"))
    )
    fork = multiprocessing.get_context("fork")
    ready, answered, waited = fork.Event(), fork.RawValue("q", 0), fork.RawValue("d", 0.0)
    server = fork.Process(target=serve, args=(sites, ready, answered, waited), daemon=True)
    server.start()
    ready.wait(30)
    try:
        wall, report, config = run_refresh(feed_urls)
    finally:
        server.terminate()
    from broadsheet.pipeline.workers import worker_count

    workers = worker_count(config.extract_workers)
    single, pooled, per_page = extraction_alone(sites, workers)
    pages = len(per_page)
    print(
        f"{len(feed_urls)} feeds on {len(sites)} hosts, {pages} article pages, latency 50-300 ms, "
        f"global concurrency {config.global_concurrency}, per host {config.per_host_concurrency} "
        f"(delay {config.per_host_delay:g} s), {workers} extraction workers\n"
    )
    print(f"{'run':<44}{'seconds':>9}{'feeds/s':>9}{'articles/s':>12}")
    stored = report.seconds.get("phase 1: poll feeds (wall)", 0) + report.seconds.get("phase 2: articles (wall)", 0)
    print(
        f"{'refresh to stored: fetch+parse+extract+store':<44}{stored:>9.1f}{report.sources_polled / stored:>9.1f}"
        f"{report.articles_saved / stored:>12.1f}"
    )
    print(
        f"{'whole pass, with understand + enrich':<44}{wall:>9.1f}{report.sources_polled / wall:>9.1f}"
        f"{report.articles_saved / wall:>12.1f}"
    )
    print(f"{'baseline: extraction alone, one process':<44}{single:>9.1f}{'':>9}{pages / single:>12.1f}")
    print(f"{'baseline: extraction alone, worker pool':<44}{pooled:>9.1f}{'':>9}{pages / pooled:>12.1f}")
    end_to_end = report.articles_saved / wall
    print(
        f"\nend to end against extraction alone: {end_to_end / (pages / pooled):.3f}x the worker pool, "
        f"{end_to_end / (pages / single):.3f}x one process (issue 14's bar: 0.5x); load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"request floor: the publishers answered {answered.value} requests with {waited.value:.0f} s of latency, "
        f"{config.global_concurrency} at a time at most: at least {waited.value / config.global_concurrency:.1f} s "
        f"with no CPU cost; 0.5x the worker pool allows {2 * pooled:.1f} s for the whole pass"
    )
    print(
        f"\nsaved {report.articles_saved}, failed feeds {report.sources_failed}, failed articles "
        f"{report.articles_failed}; extraction per page: median {statistics.median(per_page):.1f} ms, "
        f"p95 {sorted(per_page)[int(0.95 * pages)]:.1f} ms"
    )
    print("time per stage (phases are wall clock; CPU stages are summed and overlap with fetching):")
    for stage, seconds in sorted(report.seconds.items()):
        print(f"  {stage:<36}{seconds:>9.1f} s {seconds / wall:>6.0%} of wall")
    for line in report.errors[:5]:
        print("  error:", line)


if __name__ == "__main__":
    main()
