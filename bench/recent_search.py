"""Search on a large SQLite desk: the newest articles ranked in their own index (store/recent_index.py,
migration 0024) against the same ranking in the whole desk's index, which is how search ran before,
with the same queries in the same process.

Usage: .venv/bin/python bench/recent_search.py --database sqlite:////path/to/desk.db [--rounds 3]

The queries are bench/scale_data.py's 100 two-word searches (its kept desks are the ones worth
measuring: with fewer articles than the window, both routes read the same index). Printed for each
route: p50/p95 ms of the ranked candidates (the step the index decides) and of the whole search
(hits, outlets, snippets), the median over rounds of each query; and how many of the top 20 results
the two routes share, since bm25's document counts now cover the window, not the whole desk.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from web import VOCAB, WEIGHTS


def queries() -> list[str]:
    """scale_data.page_urls' searches, word for word (same seed, same draw)."""
    rng = random.Random(7)
    return [" ".join(rng.choices(VOCAB[:2000], cum_weights=WEIGHTS[:2000], k=2)) for _ in range(100)]


@contextmanager
def whole_index_route():
    """Search as before migration 0024: the newest articles ranked in articles_fts (rowid above the window)."""
    from broadsheet.store import recent_index

    kept = recent_index.TABLE
    recent_index.TABLE = "articles_fts"
    try:
        yield
    finally:
        recent_index.TABLE = kept


def timed(call, rounds: int, *args) -> tuple[float, object]:
    """Median ms over `rounds` calls of call(*args), and the last call's result."""
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = call(*args)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def measure(engine, rounds: int) -> dict[str, list]:
    from broadsheet.store.search import SearchFilters, _sqlite_candidates, query_terms, search_articles

    figures: dict[str, list] = {"candidates": [], "search": [], "top": []}
    for query in queries():
        ms, _ = timed(_sqlite_candidates, rounds, engine, query_terms(query), SearchFilters())
        figures["candidates"].append(ms)
        ms, hits = timed(search_articles, rounds, engine, query)
        figures["search"].append(ms)
        figures["top"].append({h.article.id for h in hits[:20]})
    return figures


def percentile(values: list[float], share: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a kept SQLite desk's URL (it is migrated)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from broadsheet.store.db import open_database
    from broadsheet.store.recent_index import RECENT_ROWS

    engine = open_database(args.database)
    if engine.dialect.name != "sqlite":
        raise SystemExit("bench/recent_search.py: the recent index is SQLite's; give a sqlite:/// URL")
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar_one()
    print(f"bench/recent_search.py: {count:,} articles, window {RECENT_ROWS:,}, 100 queries, {args.rounds} rounds")
    with whole_index_route():
        before = measure(engine, args.rounds)
    after = measure(engine, args.rounds)
    print(f"{'ms':34}{'whole index (before)':>22}{'recent index (now)':>20}")
    for step in ("candidates", "search"):
        for share in (50, 95):
            row = f"{step} p{share}"
            print(f"{row:34}{percentile(before[step], share):>22.1f}{percentile(after[step], share):>20.1f}")
    shared = [len(a & b) / max(1, len(a)) for a, b in zip(before["top"], after["top"], strict=True)]
    print(f"top 20 shared by both routes: mean {statistics.mean(shared):.2f}, min {min(shared):.2f}")


if __name__ == "__main__":
    main()
