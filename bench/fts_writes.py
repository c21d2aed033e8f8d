"""What the store's article writes cost SQLite's full-text index: the product's own write path
(store/articles.py: placeholders first, as a feed pass adds them, then the fetched articles over
them, in batches) on a fresh SQLite desk, with the FTS5 segments it leaves and one search.

Usage: .venv/bin/python bench/fts_writes.py [--articles 3000] [--batch 1000] [--rounds 3]

FTS5 writes its pending terms out as a new index segment whenever a statement that touched it
ends, so the number of statements per batch decides how many segments (and how much merging) a
batch costs. Printed: seconds per round (median), segments left after FTS5's own merging, the
segments one batch writes (merging off), and one search's ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scale_desk import make_text, pick_words

# Articles in the batch whose segments are counted: FTS5 merges in a crisis past 2,000 segments
# whatever its settings, so the batch stays well under 1,000 statements.
SEGMENT_BATCH = 300


def articles(count: int, seed: int) -> list:
    """`count` articles of generated text with real sizes (bench/scale_desk.py's)."""
    from broadsheet.model import Article

    rng, now = random.Random(seed), datetime.now(UTC)
    out = []
    for n in range(count):
        text, _ = make_text(rng)
        out.append(
            Article(
                id=f"w{seed}-{n:07d}",
                url=f"http://pub{n % 50}.invalid/w/{seed}/{n}",
                title=" ".join(pick_words(rng, 8)).capitalize(),
                text=text,
                source_id=n % 50 + 1,
                source_name=f"Publisher {n % 50}",
                published_at=now - timedelta(minutes=count - n),
                fetched_at=now,
                language="en",
            )
        )
    return out


def pending(article):
    """The placeholder a feed pass stores before the page is fetched (no text yet)."""
    from dataclasses import replace

    return replace(article, text="", status="pending")


def fresh_desk(folder: Path, name: str):
    """A new SQLite desk (migrated, as the product makes it) with the 50 sources articles name."""
    from broadsheet.store import sources as source_store
    from broadsheet.store.db import open_database

    engine = open_database(f"sqlite:///{folder / f'{name}.db'}")
    for i in range(50):
        source_store.add_source(engine, f"http://pub{i}.invalid/feed", title=f"Publisher {i}")
    return engine


def one_round(folder: Path, count: int, batch: int, seed: int) -> dict:
    """A fresh desk; placeholders then articles, `batch` per transaction; seconds, segments, search ms."""
    from broadsheet.store import articles as article_store
    from broadsheet.store import search

    engine = fresh_desk(folder, f"fts{seed}")
    made = articles(count, seed)
    started = time.perf_counter()
    for start in range(0, count, batch):
        chunk = made[start : start + batch]
        with engine.begin() as conn:
            article_store.add_pending(conn, [pending(a) for a in chunk])
        with engine.begin() as conn:
            article_store.save_articles(conn, chunk)
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        segments = conn.exec_driver_sql("SELECT count(DISTINCT segid) FROM articles_fts_idx").scalar_one()
    query = " ".join(made[0].title.split()[:2])
    began = time.perf_counter()
    found = search.search_articles(engine, query)
    search_ms = (time.perf_counter() - began) * 1000
    engine.dispose()
    return {"seconds": seconds, "segments": segments, "search_ms": search_ms, "found": bool(found)}


def segments_written(folder: Path, count: int) -> int:
    """Segments one batch of `count` articles writes (placeholders, then the articles over them),
    counted with FTS5's merging turned off on this desk so none is merged away."""
    from broadsheet.store import articles as article_store

    engine = fresh_desk(folder, "segments")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', 0)")
        conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts, rank) VALUES ('crisismerge', 1999)")
    made = articles(count, 99)
    with engine.begin() as conn:
        article_store.add_pending(conn, [pending(a) for a in made])
    with engine.begin() as conn:
        article_store.save_articles(conn, made)
    with engine.connect() as conn:
        segments = conn.exec_driver_sql("SELECT count(DISTINCT segid) FROM articles_fts_idx").scalar_one()
    engine.dispose()
    return int(segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=1000, help="articles per transaction (bulk.py's IMPORT_BATCH)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-fts-") as folder:
        rounds = [one_round(Path(folder), args.articles, args.batch, seed) for seed in range(args.rounds)]
        written = segments_written(Path(folder), SEGMENT_BATCH)
    print(f"bench/fts_writes.py: {args.articles:,} articles in batches of {args.batch:,}, {args.rounds} rounds")
    print(f"  write seconds, median      {statistics.median(r['seconds'] for r in rounds):8.2f}")
    print(f"  articles/s, median         {args.articles / statistics.median(r['seconds'] for r in rounds):8.0f}")
    print(f"  FTS5 segments left, median {statistics.median(r['segments'] for r in rounds):8.0f}")
    print(f"  segments a batch of {SEGMENT_BATCH} writes {written:6d}   (merging off; placeholders, then articles)")
    print(f"  one search after, ms       {statistics.median(r['search_ms'] for r in rounds):8.1f}")


if __name__ == "__main__":
    main()
