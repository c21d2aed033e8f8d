"""Question answering measured on ../shared/data/qa/squad2-dev.json (shared by bench/ai.py and
bench/qa_fit.py).

Each title is one story and each of its paragraphs one source article; every question is asked of
the whole story. An answerable question counts when the answer given contains one of its gold
answers (lower-cased, punctuation removed); an unanswerable one when the answerer says the sources
do not say. The titles are split in two: TUNE (the answerer's weights were fitted there) and the
held-out rest, reported separately and together.
"""

from __future__ import annotations

import json
import re
import statistics
import string
import sys
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SQUAD = ROOT.parent / "shared" / "data" / "qa" / "squad2-dev.json"
TUNE = ("1973_oil_crisis", "French_and_Indian_War", "Imperialism", "Scottish_Parliament")
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def normal(text: str) -> str:
    """Lower-cased, punctuation removed, spaces collapsed."""
    return " ".join(_PUNCTUATION.sub("", text.lower()).split())


def contains(answer: str, golds: list[str]) -> bool:
    """Whether an answer contains one of the gold answers."""
    said = normal(answer)
    return any(normal(g) and normal(g) in said for g in golds)


@dataclass
class Asked:
    id: str
    question: str
    impossible: bool
    golds: list[str]


def stories(path: Path = SQUAD) -> list[tuple[str, list, list[Asked]]]:
    """(title, articles as SourceText, questions) per title."""
    from broadsheet.nlp.summarize import SourceText

    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in data["data"]:
        title = item["title"]
        docs = [
            SourceText(f"{title}-{i}", f"paragraph {i}", "", p["context"]) for i, p in enumerate(item["paragraphs"])
        ]
        asked = [
            Asked(q["id"], q["question"], bool(q["is_impossible"]), [a["text"] for a in q["answers"]])
            for p in item["paragraphs"]
            for q in p["qas"]
        ]
        out.append((title, docs, asked))
    return out


def evaluate(embedder, selection=None, every: int = 1) -> dict:
    """Answer every question (every n-th with `every`) through PassageIndex; containment, abstention,
    sentences per answer and time per question (the story's index built on its first question)."""
    from broadsheet.nlp.answer import PassageIndex

    rows, first, later, builds, cpus = [], [], [], [], []
    for title, docs, asked in stories():
        if selection is not None and title not in selection:
            continue
        started = time.perf_counter()
        index = PassageIndex(docs, embedder)
        built = time.perf_counter() - started
        builds.append(built * 1000)
        for k, a in enumerate(asked[::every]):
            started, cpu = time.perf_counter(), time.process_time()
            answer = index.answer(a.question)
            spent = (time.perf_counter() - started) * 1000
            cpus.append((time.process_time() - cpu) * 1000)
            (later if k else first).append(spent + (0 if k else built * 1000))
            rows.append(
                {
                    "title": title,
                    "impossible": a.impossible,
                    "supported": answer.supported,
                    "hit": (not a.impossible) and answer.supported and contains(answer.text, a.golds),
                    "sentences": len(answer.passages),
                    "ms": spent,
                }
            )
    return summarise(rows) | {
        "first_ms": statistics.mean(first) if first else 0.0,
        "build_ms": statistics.mean(builds) if builds else 0.0,
        "ms_p50": statistics.median(later) if later else 0.0,
        "cpu_ms_p50": statistics.median(cpus) if cpus else 0.0,
        "ms_p95": sorted(later)[int(0.95 * (len(later) - 1))] if later else 0.0,
    }


def summarise(rows: list[dict]) -> dict:
    """Figures for the tune titles, the held-out titles and all."""
    out = {}
    for name, keep in (
        ("tune", lambda r: r["title"] in TUNE),
        ("held-out", lambda r: r["title"] not in TUNE),
        ("all", lambda r: True),
    ):
        part = [r for r in rows if keep(r)]
        answerable = [r for r in part if not r["impossible"]]
        impossible = [r for r in part if r["impossible"]]
        supported = [r for r in part if r["supported"]]
        if not part:
            continue
        out[name] = {
            "answerable": len(answerable),
            "unanswerable": len(impossible),
            "answered": round(sum(r["hit"] for r in answerable) / max(len(answerable), 1), 4),
            "abstained": round(sum(not r["supported"] for r in impossible) / max(len(impossible), 1), 4),
            "two_sentence": round(sum(r["sentences"] > 1 for r in supported) / max(len(supported), 1), 4),
        }
    return out


def tfidf_best_sentence(selection=None) -> dict:
    """Baseline: the story sentence nearest the question by TF-IDF cosine (never abstains)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from broadsheet.nlp.sentences import split_sentences

    rows = []
    for title, docs, asked in stories():
        if selection is not None and title not in selection:
            continue
        sentences = [s.text for d in docs for s in split_sentences(d.text)]
        vectorizer = TfidfVectorizer(stop_words="english")
        matrix = vectorizer.fit_transform(sentences)
        for a in asked:
            best = sentences[int((matrix @ vectorizer.transform([a.question]).T).toarray().ravel().argmax())]
            rows.append(
                {
                    "title": title,
                    "impossible": a.impossible,
                    "supported": True,
                    "sentences": 1,
                    "hit": (not a.impossible) and contains(best, a.golds),
                }
            )
    return summarise(rows)


# The demo questions, on the demo newsroom's own (fictional) text: (story, question, expected).
OUTBREAK, CUP_FINAL = "st-aldrics-hospital-outbreak", "esterland-cup-final-halvern-mariners"
DEMO_QUESTIONS = [
    (OUTBREAK, "How many patients have been infected?", ("21 patients", "disagree")),
    (OUTBREAK, "Where did the bacteria come from?", ("drains",)),
    (OUTBREAK, "When must hospitals report on infection control?", ("within six weeks",)),
    (CUP_FINAL, "Who will replace Osterbo?", ("Dario Fenstad",)),
    (OUTBREAK, "What was the source of the outbreak?", ("sink drains",)),
    (OUTBREAK, "How many patients are now involved", ("21 patients",)),
    (OUTBREAK, "How many planned operations have been postponed?", ("112", "disagree")),
    (CUP_FINAL, "Who scored the winning goal?", ("Emeka Dahlgren",)),
]


def demo_answers(embedder) -> list[tuple[str, bool, str]]:
    """(question, right, answer text) for the demo questions."""
    from datetime import datetime, timedelta

    from broadsheet.demo.content import load_articles, publisher
    from broadsheet.nlp.answer import PassageIndex
    from broadsheet.nlp.summarize import SourceText

    start = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    indexes = {}
    for key in (OUTBREAK, CUP_FINAL):
        docs = [
            SourceText(
                a.slug,
                publisher(a.publisher).name,
                a.title,
                "\n\n".join(a.paragraphs),
                start - timedelta(minutes=a.minutes_ago),
            )
            for a in load_articles()
            if a.story == key
        ]
        indexes[key] = PassageIndex(docs, embedder)
    out = []
    for key, question, expected in DEMO_QUESTIONS:
        answer = indexes[key].answer(question)
        out.append((question, answer.supported and all(e in answer.text for e in expected), answer.text))
    return out
