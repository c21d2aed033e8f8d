"""Our hand-written parts against the libraries that could replace them, in one run: MinHash
(datasketch), sentence splitting (pysbd), OPML reading (listparser) and, with --dates, finding a
page's publication date (htmldate as a fallback after ours, on ../shared/data's readability pages).

The README's "Libraries, and what we kept" section quotes these figures. The comparisons need the
libraries (`pip install datasketch pysbd listparser`; htmldate is a dependency already); a missing
one is reported and skipped.

Usage: .venv/bin/python bench/libraries.py [--repeat 5] [--dates]
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATA = ROOT.parent / "shared" / "data"


def demo_texts() -> list[str]:
    """The demo newsroom's article bodies (written by us; fictional news)."""
    texts = []
    for path in sorted((ROOT / "broadsheet" / "demo" / "stories").glob("*.toml")):
        story = tomllib.loads(path.read_text(encoding="utf-8"))
        for article in story.get("articles", []):
            body = article.get("body") or " ".join(article.get("paragraphs", []))
            if body:
                texts.append(body)
    return texts


def timed(run: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def has(module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        print(f"  ({module} is not installed: skipped)")
        return False
    return True


def minhash(texts: list[str], repeat: int) -> None:
    from broadsheet.nlp import dedup

    print("MinHash signatures (60 permutations, word 3-gram shingles of the demo texts)")
    sets = [dedup.shingles(dedup.normalised_words(t)) for t in texts]
    ours = timed(lambda: [dedup.minhash(h) for h in sets], repeat) / len(sets)
    print(f"  ours        {ours * 1e6:8.0f} us/text")
    if not has("datasketch"):
        return
    from datasketch import MinHash

    def theirs() -> None:
        for h in sets:
            signature = MinHash(num_perm=dedup.BANDS * dedup.ROWS, seed=1)
            signature.update_batch([int(x).to_bytes(4, "little") for x in h])

    other = timed(theirs, repeat) / len(sets)
    print(f"  datasketch  {other * 1e6:8.0f} us/text   (ours {other / ours:.1f}x faster)")


def sentences(texts: list[str], repeat: int) -> None:
    from broadsheet.nlp.sentences import split_sentences

    print("Sentence splitting (demo texts)")
    ours = timed(lambda: [split_sentences(t) for t in texts], repeat) / len(texts)
    print(f"  ours        {ours * 1e3:8.2f} ms/text")
    if not has("pysbd"):
        return
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    other = timed(lambda: [segmenter.segment(t) for t in texts], repeat) / len(texts)
    same = sum(
        [" ".join(s.text.split()) for s in split_sentences(t)] == [" ".join(s.split()) for s in segmenter.segment(t)]
        for t in texts
    )
    print(f"  pysbd       {other * 1e3:8.2f} ms/text   (ours {other / ours:.1f}x faster)")
    print(f"  split identically: {same} of {len(texts)} texts")


def opml(repeat: int) -> None:
    from broadsheet.ingest.feeds import read_opml

    files = sorted(glob.glob(str(DATA / "feeds" / "**" / "*.opml"), recursive=True))
    print(f"OPML reading ({len(files)} files of ../shared/data/feeds)")
    if not files:
        print("  (no OPML files found: skipped)")
        return
    if not has("listparser"):
        return
    import listparser

    for path in files:
        data = Path(path).read_bytes()
        ours, theirs = read_opml(data), listparser.parse(data)
        folders = sorted({s.folder for s in ours.sources})
        their_folders = sorted({"".join(f.categories[0][-1:]) if f.categories else "" for f in theirs.feeds})
        print(
            f"  {Path(path).name}: ours {len(ours.sources)} feeds, {len(ours.skipped)} outlines reported "
            f"skipped, folders {folders}; listparser {len(theirs.feeds)} feeds, folders "
            f"{'the same' if folders == their_folders else their_folders}"
        )
    data = Path(files[0]).read_bytes()
    ours_s = timed(lambda: read_opml(data), repeat * 20) * 1e3
    theirs_s = timed(lambda: listparser.parse(data), repeat * 20) * 1e3
    print(f"  {Path(files[0]).name}: ours {ours_s:.2f} ms (URL policy included), listparser {theirs_s:.2f} ms")


def dates() -> None:
    """Published-date accuracy on the readability pages: ours, then htmldate where ours finds none."""
    import extraction as bench
    from htmldate import find_date

    from broadsheet.extract import metadata
    from broadsheet.text.dates import parse_date

    print("Publication date, readability-pages (share of pages whose date is right, bench/extraction.py)")
    cases = bench.LOADERS["readability-pages"](DATA / "extraction")
    ours = metadata.find_published

    def with_htmldate(extensive: bool) -> Callable:
        def find(tree, ld, meta=None):
            found = ours(tree, ld, meta)
            if found:
                return found
            value = find_date(tree, extensive_search=extensive, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
            return parse_date(value) if value else None

        return find

    for name, finder in (
        ("ours", ours),
        ("ours, then htmldate", with_htmldate(False)),
        ("ours, then htmldate (extensive)", with_htmldate(True)),
    ):
        metadata.find_published = finder
        try:
            figures = bench.score(cases, bench.predict(bench.extractors()[0], cases))
        finally:
            metadata.find_published = ours
        print(f"  {name:32s} published {figures['published']:.4f}  (stated dates {figures['published_stated']:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dates", action="store_true", help="also the date finders (about 5 minutes)")
    args = parser.parse_args()
    texts = demo_texts()
    minhash(texts, args.repeat)
    sentences(texts, args.repeat)
    opml(args.repeat)
    if args.dates:
        dates()


if __name__ == "__main__":
    main()
