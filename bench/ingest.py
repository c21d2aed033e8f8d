"""Ingest cost, before and after, in one run: `broadsheet import` of the clustering sets with its
story, related and summary quality, for this tree and for an earlier commit side by side.

    .venv/bin/python bench/ingest.py [--before REF] [--sets giveme5w1h,giveme5w1h-long,ecbplus,uci-news-head]
                                     [--rouge 445] [--json PATH]

REF (default: the commit this branch left main at) is checked out in a temporary git worktree. Each
tree runs in its own child process (the same measuring code from this file, that tree's `broadsheet`
package): models are loaded before the clock starts (load seconds shown apart), then every set is
imported into a fresh SQLite file through `broadsheet import`'s code path (store, understand, enrich,
the follow-up work) and read back through `broadsheet export`'s. Printed per set and tree: import
seconds (wall clock and CPU of all threads), story BCubed F1, related precision@5; then key point ROUGE-1/2/L on every
k-th BBC article and the demo's story summary ROUGE-1/2, and the ratios after/before. The machine
load (`os.getloadavg`) is printed before and after: on a shared machine the ratio is the figure.

`--floor` adds, for this tree, what the two models cost alone on each set: the CPU seconds of spaCy's
NER on the distinct texts the import reads and of the article embeddings, and the least wall time an
import could take on this machine's cores if nothing else cost anything (the two models' CPU spread
evenly over every core), beside the 5x target (before / 5). It also runs NER on each text's first
LEAD_CHARS characters only: its CPU, and the share of the full text's (article, name) pairs it still
finds (what the cheapest cut of NER would cost entity pages).
Needs ../shared/data (a set that is absent is skipped with a message).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("giveme5w1h", "giveme5w1h-long", "ecbplus", "uci-news-head")
BASE = "6613ee1"  # main when the ingest work (issue 14) started
LEAD_CHARS = 1500  # about the first five paragraphs of a wire story


def measure(tree: Path, sets: list[str], rouge_rows: int) -> dict:
    """In a child process: load the models, import each set, score it; key point and summary ROUGE."""
    bench = str(ROOT / "bench")
    sys.path[:0] = [bench]
    import ai
    import stories

    sys.path[:] = [str(tree)] + [p for p in sys.path if p not in (str(ROOT), str(tree))]
    for name in [m for m in sys.modules if m == "broadsheet" or m.startswith("broadsheet.")]:
        del sys.modules[name]
    import broadsheet

    assert Path(broadsheet.__file__).resolve().is_relative_to(tree.resolve()), broadsheet.__file__
    from broadsheet.nlp import entities
    from broadsheet.nlp.embed import load_embedder

    started = time.perf_counter()
    embedder = load_embedder("minilm")
    entities.load_model()
    out: dict = {"load_seconds": time.perf_counter() - started, "embedder": type(embedder).__name__, "sets": {}}
    cpu = _count_cpu()
    for name in sets:
        if not (stories.DATA / name.removesuffix("-long")).is_dir():
            continue
        cpu.clear()
        ours = stories.run_ours(stories.load_set(name), embedder)
        out["sets"][name] = {
            "import_seconds": ours["import_seconds"],
            "cpu_seconds": sum(cpu),
            "articles": ours["articles"],
            "bcubed": ours["bcubed"][2],
            "p5": ours["related"]["p"],
        }
    if rouge_rows and ai.BBC.is_file():
        out["key_points"] = ai.rouge_key_points(ai.bbc_rows(rouge_rows))["key points"]
    summary = ai.story_summary_figures()
    out["story_summary"] = (summary["r1"], summary["r2"])
    return out


def model_floor(sets: list[str]) -> dict:
    """In a child process of this tree: the models' CPU alone per set (see the module's docstring)."""
    sys.path[:0] = [str(ROOT / "bench")]  # this tree is on PYTHONPATH already (_child)
    import stories

    from broadsheet.nlp import entities
    from broadsheet.nlp.embed import embedding_text, load_embedder

    embedder = load_embedder("minilm")
    entities.load_model()
    out = {}
    for name in sets:
        if not (stories.DATA / name.removesuffix("-long")).is_dir():
            continue
        records = stories.load_set(name)
        texts = list(dict.fromkeys(f"{r['title']}\n\n{r['text']}" for r in records))  # as the import reads
        ner_cpu, full = _cpu(entities.extract_entities_batch, texts)
        lead_cpu, lead = _cpu(entities.extract_entities_batch, [t[:LEAD_CHARS] for t in texts])
        embed_cpu, _ = _cpu(embedder.encode, [embedding_text(r["title"], r["text"]) for r in records])
        pairs = {(i, e.name) for i, found in enumerate(full) for e in found}
        kept = {(i, e.name) for i, found in enumerate(lead) for e in found}
        out[name] = {
            "ner_cpu": ner_cpu,
            "embed_cpu": embed_cpu,
            "lead_ner_cpu": lead_cpu,
            "pairs": len(pairs),
            "pairs_kept": len(pairs & kept),
        }
    return out


def _cpu(work, texts: list[str]) -> tuple[float, object]:
    started = time.process_time()
    result = work(texts)
    return time.process_time() - started, result


def _count_cpu() -> list[float]:
    """Wrap `import_jsonl` so that each call adds the CPU seconds it took (all threads) to the list
    returned: on a shared machine CPU time varies far less than wall time."""
    from broadsheet.pipeline import bulk

    spent: list[float] = []
    inner = bulk.import_jsonl

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent.append(time.process_time() - started)

    bulk.import_jsonl = timed
    return spent


def run_tree(tree: Path, sets: list[str], rouge_rows: int) -> dict:
    """Measure one tree in a fresh interpreter (its own imports, its own models)."""
    return _child(tree, f"ingest.measure(__import__('pathlib').Path({str(tree)!r}), {sets!r}, {rouge_rows})")


def _child(tree: Path, call: str) -> dict:
    """`call` (an expression on this module) in a fresh interpreter of `tree`, its JSON result."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(ROOT / 'bench')!r}); import ingest; "
        f"print('RESULT ' + json.dumps({call}))"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tree)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise SystemExit(f"ingest bench: the run in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def before_tree(ref: str, folder: Path) -> Path:
    """A detached worktree of `ref` (removed by the caller)."""
    tree = folder / "before"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref], check=True)
    return tree


def report(before: dict, after: dict) -> None:
    """The side-by-side table."""
    print(
        f"embedder: before {before['embedder']}, after {after['embedder']}; model load {before['load_seconds']:.1f} s "
        f"before, {after['load_seconds']:.1f} s after (not in the import times)\n"
    )
    print(
        f"{'set':<16} {'articles':>8} {'import s':>9} {'before':>8} {'speed-up':>9} {'CPU s':>7} {'before':>7} "
        f"{'speed-up':>9} {'B3 F1':>6} {'before':>7} {'p@5':>6} {'before':>7}"
    )
    for name, a in after["sets"].items():
        b = before["sets"].get(name)
        if b is None:
            continue
        print(
            f"{name:<16} {a['articles']:>8} {a['import_seconds']:>9.1f} {b['import_seconds']:>8.1f} "
            f"{b['import_seconds'] / a['import_seconds']:>8.2f}x {a['cpu_seconds']:>7.1f} {b['cpu_seconds']:>7.1f} "
            f"{b['cpu_seconds'] / a['cpu_seconds']:>8.2f}x {a['bcubed']:>6.3f} {b['bcubed']:>7.3f} "
            f"{a['p5']:>6.3f} {b['p5']:>7.3f}"
        )
    total = {
        k: [
            sum(s[k] for s in after["sets"].values()),
            sum(s[k] for n, s in before["sets"].items() if n in after["sets"]),
        ]
        for k in ("import_seconds", "cpu_seconds")
    }
    (wall_a, wall_b), (cpu_a, cpu_b) = total["import_seconds"], total["cpu_seconds"]
    print(
        f"{'all sets':<16} {'':>8} {wall_a:>9.1f} {wall_b:>8.1f} {wall_b / wall_a:>8.2f}x {cpu_a:>7.1f} {cpu_b:>7.1f} "
        f"{cpu_b / cpu_a:>8.2f}x"
    )
    if "key_points" in after and "key_points" in before:
        print(
            "key points ROUGE-1/2/L: after "
            + "/".join(f"{v:.4f}" for v in after["key_points"])
            + ", before "
            + "/".join(f"{v:.4f}" for v in before["key_points"])
        )
    print(
        "story summaries (demo) ROUGE-1/2: after "
        + "/".join(f"{v:.4f}" for v in after["story_summary"])
        + ", before "
        + "/".join(f"{v:.4f}" for v in before["story_summary"])
    )


def report_floor(floor: dict, before: dict) -> None:
    """The models' cost alone beside the 5x target, per set and for all sets."""
    cores = os.cpu_count() or 1
    print(
        f"\nthe models alone (this tree, CPU s, one thread each); least import on {cores} cores = "
        f"(NER + embedding) / {cores}\n"
        f"{'set':<16} {'NER':>6} {'embed':>6} {'least s':>8} {'5x target':>9} "
        f"{'NER on lead':>11} {'names kept':>10}"
    )
    rows = [
        (name, f, before["sets"][name]["import_seconds"] / 5) for name, f in floor.items() if name in before["sets"]
    ]
    for name, f, target in rows + [("all sets", _summed([f for _, f, _ in rows]), sum(t for *_, t in rows))]:
        least = (f["ner_cpu"] + f["embed_cpu"]) / cores
        print(
            f"{name:<16} {f['ner_cpu']:>6.1f} {f['embed_cpu']:>6.1f} {least:>8.1f} {target:>9.1f} "
            f"{f['lead_ner_cpu']:>11.1f} {f['pairs_kept'] / max(f['pairs'], 1):>10.1%}"
        )
    print(
        f"(NER on lead: the first {LEAD_CHARS} characters of each text; names kept: of the full text's article/name pairs)"
    )


def _summed(rows: list[dict]) -> dict:
    return {k: sum(r[k] for r in rows) for k in ("ner_cpu", "embed_cpu", "lead_ner_cpu", "pairs", "pairs_kept")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BASE, help="the commit to compare with")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--rouge", type=int, default=445, help="BBC articles for key point ROUGE (0: skip)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--floor", action="store_true", help="also the models' cost alone against the 5x target")
    args = parser.parse_args()
    sets = args.sets.split(",")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        tree = before_tree(args.before, Path(folder))
        try:
            before = run_tree(tree, sets, args.rouge)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    after = run_tree(ROOT, sets, args.rouge)
    floor = _child(ROOT, f"ingest.model_floor({sets!r})") if args.floor else None
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    report(before, after)
    if floor is not None:
        report_floor(floor, before)
    if args.json:
        args.json.write_text(json.dumps({"before": before, "after": after, "floor": floor}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
