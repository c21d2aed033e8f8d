"""Parse every feed file under ../shared/data/feeds and print a summary: nothing may crash or leak script.

Usage: .venv/bin/python bench/feeds.py [DATA_DIR]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from broadsheet.errors import FeedError
from broadsheet.ingest.feeds import parse_feed, parse_opml

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds"


def parse_all(root: Path) -> dict:
    """Parse each file; count outcomes, crashes (unexpected exceptions) and leaked <script>."""
    outcome: Counter = Counter()
    crashes, leaks, entries, slowest = [], [], 0, (0.0, "")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        start = time.perf_counter()
        try:
            if path.suffix == ".opml":
                parse_opml(data)
                outcome["opml"] += 1
                continue
            feed = parse_feed(data, f"http://feeds.invalid/{path.name}")
            outcome["parsed"] += 1
            entries += len(feed.entries)
            text = " ".join(e.summary + e.content_html + e.title for e in feed.entries).lower()
            if "<script" in text:
                leaks.append(str(path))
        except FeedError:
            outcome["rejected with a clear error"] += 1
        except Exception as exc:  # the point of the run: any of these is a bug
            crashes.append(f"{path}: {type(exc).__name__}: {exc}")
        finally:
            elapsed = time.perf_counter() - start
            slowest = max(slowest, (elapsed, str(path)))
    return {
        "files": sum(outcome.values()) + len(crashes),
        "outcome": dict(outcome),
        "entries": entries,
        "crashes": crashes,
        "script_leaks": leaks,
        "slowest": slowest,
    }


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not root.is_dir():
        print(f"skipped: {root} is absent")
        return
    start = time.perf_counter()
    result = parse_all(root)
    print(
        f"{result['files']} files in {time.perf_counter() - start:.1f} s: {result['outcome']}, "
        f"{result['entries']} entries"
    )
    print(
        f"crashes: {len(result['crashes'])}, script leaks: {len(result['script_leaks'])}, "
        f"slowest file {result['slowest'][0] * 1000:.0f} ms ({result['slowest'][1]})"
    )
    for line in result["crashes"][:20] + result["script_leaks"][:20]:
        print("  ", line)


if __name__ == "__main__":
    main()
