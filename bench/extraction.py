"""Article extraction, side by side: Broadsheet against trafilatura and readability-lxml.

Reads ../shared/data/extraction (skips with a message when it is absent) and prints, in one run:

- scrapinghub-dev: body precision, recall, F1 and exact-token accuracy (bench/shingles.py), median,
  p95 and max milliseconds per page and the number of pages that crashed, for ours, trafilatura
  default, trafilatura favor_precision and readability-lxml;
- readability-pages and newspaper-pages: body F1 with the same metric plus title, byline and
  published-date accuracy for ours and trafilatura (newspaper-pages ships bodies only, so its
  metadata columns read n/a; its pages whose expected text is a failure note such as "MISSED
  LAST PARAGRAPH", or empty, are skipped).

Metadata rules (documented here because they decide the figures):
- title: exact match after collapsing whitespace;
- byline: equal word lists after casefolding and dropping a leading "by"/"par"/"von"/"written by";
  also correct when the expected byline starts with our (2+ word) byline, since Readability keeps
  whatever trails the name in the byline element (dates, "Updated ...");
- published: see `date_matches`. An expected null is correct only when we also output nothing;
  "date*" is the accuracy on the pages whose expected date is not null (Readability reads dates
  from three places only, so a page it left undated may well state its date elsewhere).

    .venv/bin/python bench/extraction.py [--json PATH] [--sets scrapinghub-dev,readability-pages]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.shingles import corpus_scores
from broadsheet.extract.files import read_html

DATA = ROOT.parent / "shared" / "data" / "extraction"
SETS = ("scrapinghub-dev", "readability-pages", "newspaper-pages")
_BLOCK = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "br",
    "hr",
    "aside",
    "main",
    "nav",
    "caption",
}
_BY = re.compile(r"^(written by|by|par|von|por)\b", re.I)


@dataclass
class Case:
    """One evaluation page: its HTML, the expected body and, where the set has them, expected metadata."""

    name: str
    html: str
    body: str
    url: str | None = None
    meta: dict | None = None


@dataclass
class Prediction:
    """What one extractor said about one page."""

    text: str = ""
    title: str = ""
    byline: str = ""
    published: str | None = None
    ms: float = 0.0
    crashed: bool = False


@dataclass
class Extractor:
    """A named extraction function: (html, url) -> Prediction without timing."""

    name: str
    run: Callable[[str, str | None], Prediction]
    metadata: bool = True
    sets: tuple[str, ...] = SETS
    predictions: dict[str, list[Prediction]] = field(default_factory=dict)


# --- loading -----------------------------------------------------------------------------------------


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, a line break at every block boundary."""
    from lxml import html as lxml_html

    if not markup.strip():
        return ""
    tree = lxml_html.fragment_fromstring(markup, create_parent="div")
    for node in tree.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCK:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    lines = (" ".join(line.split()) for line in tree.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def load_scrapinghub(root: Path = DATA) -> list[Case]:
    """The 90 Zyte benchmark pages with their ground-truth bodies and URLs."""
    folder = root / "scrapinghub-dev"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Case(key, read_html(folder / "html" / f"{key}.html.gz"), value["articleBody"], value.get("url"))
        for key, value in sorted(truth.items())
    ]


def load_readability(root: Path = DATA) -> list[Case]:
    """Mozilla Readability's test pages: source, expected body and expected metadata."""
    cases = []
    for folder in sorted(p for p in (root / "readability-pages").iterdir() if p.is_dir()):
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        expected = html_to_text((folder / "expected.html").read_text(encoding="utf-8"))
        cases.append(Case(folder.name, read_html(folder / "source.html"), expected, None, meta))
    return cases


def is_annotator_note(text: str) -> bool:
    """True for an expected "body" that is empty or a note about a failure ("MISSED LAST PARAGRAPH")."""
    text = text.strip()
    return not text or (len(text) < 200 and bool(re.search(r"[A-Z]", text)) and not re.search(r"[a-z]", text))


def load_newspaper(root: Path = DATA) -> list[Case]:
    """newspaper's test pages with their expected bodies (no metadata in this set).

    Some expected files hold newspaper's own failure notes instead of a body; those pages are
    skipped (see is_annotator_note): they measure nothing."""
    folder = root / "newspaper-pages"
    cases = []
    for page in sorted((folder / "html").glob("*.html")):
        text = folder / "text" / f"{page.stem.replace('_article', '')}.txt"  # cnn_article.html -> cnn.txt
        if text.exists() and not is_annotator_note(body := text.read_text(encoding="utf-8")):
            cases.append(Case(page.stem, read_html(page), body))
    return cases


LOADERS = {
    "scrapinghub-dev": load_scrapinghub,
    "readability-pages": load_readability,
    "newspaper-pages": load_newspaper,
}


# --- extractors --------------------------------------------------------------------------------------


def run_ours(html: str, url: str | None) -> Prediction:
    """Broadsheet's extractor, in process."""
    from broadsheet.errors import ExtractError
    from broadsheet.extract.article import extract_article

    try:
        article = extract_article(html, url)
    except ExtractError:
        return Prediction()  # a page with no article is an empty answer, not a crash
    return Prediction(
        article.text, article.title, article.byline, article.published.isoformat() if article.published else None
    )


def _trafilatura(precision: bool) -> Callable[[str, str | None], Prediction]:
    def run(html: str, url: str | None) -> Prediction:
        import trafilatura

        doc = trafilatura.bare_extraction(html, url=url, favor_precision=precision, with_metadata=True)
        if doc is None:
            return Prediction()
        return Prediction(doc.text or "", doc.title or "", doc.author or "", doc.date or None)

    return run


def run_readability(html: str, url: str | None) -> Prediction:
    """readability-lxml: text of Document(html).summary(), title from short_title()."""
    from readability import Document

    document = Document(html)
    return Prediction(html_to_text(document.summary(html_partial=True)), document.short_title() or "")


def extractors() -> list[Extractor]:
    """The extractors compared, ours first."""
    return [
        Extractor("broadsheet", run_ours),
        Extractor("trafilatura", _trafilatura(False)),
        Extractor("trafilatura precision", _trafilatura(True), sets=("scrapinghub-dev",)),
        Extractor("readability-lxml", run_readability, metadata=False, sets=("scrapinghub-dev",)),
    ]


def predict(extractor: Extractor, cases: list[Case]) -> list[Prediction]:
    """Run one extractor over a set, timing each page; a crash is counted, never raised.

    Times are CPU time of this process (time.process_time): on a shared machine wall-clock
    figures swing with other people's jobs, CPU time does not."""
    results = []
    if cases:  # warm up (imports, caches) outside the timings
        try:
            extractor.run(cases[0].html, cases[0].url)
        except Exception:
            pass
    for case in cases:
        start = time.process_time()
        try:
            prediction = extractor.run(case.html, case.url)
        except Exception:
            prediction = Prediction(crashed=True)
        prediction.ms = (time.process_time() - start) * 1000
        results.append(prediction)
    return results


# --- scoring -----------------------------------------------------------------------------------------


def title_matches(expected: str | None, got: str) -> bool:
    """Exact match after collapsing whitespace."""
    return " ".join((expected or "").split()) == " ".join((got or "").split())


def _byline_words(text: str | None) -> list[str]:
    words = re.findall(r"\w+", _BY.sub("", " ".join((text or "").split())).casefold())
    return words


def byline_matches(expected: str | None, got: str) -> bool:
    """Same words (casefolded, "By" dropped), or the expected byline starts with our 2+ word name."""
    want, have = _byline_words(expected), _byline_words(got)
    if not want:
        return not have
    return want == have or (len(have) >= 2 and want[: len(have)] == have)


def _parse_when(value: str | None) -> tuple[datetime | date | None, bool]:
    """(value, has_time): a datetime (aware or naive) when the text carries a time, else a date."""
    if not value:
        return None, False
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)  # +0100 -> +01:00
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None, False
    has_time = bool(re.search(r"\d[T ]\d", text))
    return (parsed if has_time else parsed.date()), has_time


def date_matches(expected: str | None, got: str | None) -> bool:
    """Published-date rule: an instant when both sides state a time with an offset, else the day.

    - both empty: correct; exactly one empty: wrong;
    - expected and ours both carry a time and an offset: the same instant to the minute;
    - otherwise the calendar day: the expected day as written against ours in the expected
      offset when it has one; a naive or date-only expected day accepts an instant of ours that
      falls on that day somewhere on Earth (UTC-12 to UTC+14), since the page's zone is unknown;
      a date-only answer of ours must equal the expected local day.
    """
    want, want_time = _parse_when(expected)
    have, have_time = _parse_when(got)
    if expected and want is None:
        return False  # unparseable expectation: count it against everyone alike
    if want is None or have is None:
        return want is None and have is None
    want_aware = want_time and want.tzinfo is not None
    have_aware = have_time and have.tzinfo is not None
    if want_aware and have_aware:
        return abs((want - have).total_seconds()) < 60
    want_day = want.date() if want_time else want
    if not have_aware:
        return (have.date() if have_time else have) == want_day
    if want_aware:
        return have.astimezone(want.tzinfo).date() == want_day
    start = datetime(want_day.year, want_day.month, want_day.day, tzinfo=UTC)
    return start - timedelta(hours=14) <= have < start + timedelta(hours=36)


def score(cases: list[Case], predictions: list[Prediction]) -> dict:
    """Body scores, metadata accuracies (None when the set has no metadata), timings and crashes."""
    figures = corpus_scores([(c.body, p.text) for c, p in zip(cases, predictions)])
    times = sorted(p.ms for p in predictions)
    figures |= {
        "pages": len(cases),
        "crashed": sum(p.crashed for p in predictions),
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
    }
    with_meta = [(c.meta, p) for c, p in zip(cases, predictions) if c.meta is not None]
    for key, field_name, match in (
        ("title", "title", title_matches),
        ("byline", "byline", byline_matches),
        ("published", "publishedTime", date_matches),
    ):
        figures[key] = (
            sum(match(m.get(field_name), getattr(p, key)) for m, p in with_meta) / len(with_meta) if with_meta else None
        )
    stated = [(m, p) for m, p in with_meta if m.get("publishedTime")]
    figures["published_stated"] = (
        sum(date_matches(m["publishedTime"], p.published) for m, p in stated) / len(stated) if stated else None
    )
    return figures


def check_cli(folder: Path, names: list[str]) -> bool:
    """True when `broadsheet extract --jsonl` prints the same text as the in-process extract_file."""
    from broadsheet.extract.files import extract_file

    paths = [folder / f"{name}.html.gz" for name in names]
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "extract", *map(str, paths), "--jsonl"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return [r["text"] for r in records] == [extract_file(p)["text"] for p in paths]


# --- output ------------------------------------------------------------------------------------------


def _cell(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def print_table(name: str, rows: dict[str, dict], metadata: bool) -> None:
    """One compact table per set."""
    columns = [("P", "precision", 3), ("R", "recall", 3), ("F1", "f1", 3), ("acc", "accuracy", 3)]
    if metadata:
        columns += [
            ("title", "title", 3),
            ("byline", "byline", 3),
            ("date", "published", 3),
            ("date*", "published_stated", 3),
        ]
    columns += [("med ms", "median_ms", 1), ("p95 ms", "p95_ms", 1), ("max ms", "max_ms", 0), ("crash", "crashed", 0)]
    pages = next(iter(rows.values()))["pages"]
    print(f"\n{name} ({pages} pages)")
    print(f"{'extractor':<22}" + "".join(f"{label:>8}" for label, _, _ in columns))
    for extractor, figures in rows.items():
        print(f"{extractor:<22}" + "".join(f"{_cell(figures[key], digits):>8}" for _, key, digits in columns))


def main(argv: list[str] | None = None) -> int:
    """Run every extractor on every set present and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets to run")
    parser.add_argument("--only-ours", action="store_true", help="skip the other extractors (quicker)")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"skipped: no evaluation data at {DATA}")
        return 0
    report: dict[str, dict] = {}
    for set_name in args.sets.split(","):
        if not (DATA / set_name).is_dir():
            print(f"skipped {set_name}: not found under {DATA}")
            continue
        cases = LOADERS[set_name](DATA)
        rows = {}
        for extractor in extractors()[:1] if args.only_ours else extractors():
            if set_name in extractor.sets:
                rows[extractor.name] = score(cases, predict(extractor, cases))
        if set_name != "scrapinghub-dev":
            for figures in rows.values():
                if figures["title"] is None:
                    figures |= {"title": None, "byline": None, "published": None, "published_stated": None}
        print_table(set_name, rows, metadata=set_name != "scrapinghub-dev")
        report[set_name] = rows
    if "scrapinghub-dev" in report:
        folder = DATA / "scrapinghub-dev" / "html"
        same = check_cli(folder, [p.name.removesuffix(".html.gz") for p in sorted(folder.glob("*.html.gz"))[:3]])
        print(f"\nCLI check (`broadsheet extract --jsonl`, 3 files): {'identical text' if same else 'DIFFERENT'}")
        report["cli_identical"] = same
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
