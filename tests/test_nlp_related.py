"""Related articles: ranking, diversity, clean excerpts, and the article page that shows them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
from fixtures_duplicates import EVENTS
from httpserver import AppServer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from broadsheet.extract.furniture import is_furniture_line
from broadsheet.nlp import terms as lexical
from broadsheet.nlp.related import Candidate, excerpt, rank_related
from broadsheet.pipeline.bulk import import_jsonl
from broadsheet.store.schema import articles
from broadsheet.web import related as web_related
from broadsheet.web.app import create_app


def _candidate(key: str, words: dict[str, float], story: str, source: str, group: str | None = None) -> Candidate:
    return Candidate(key=key, story=story, group=group or key, source=source, lexical=lexical.hashed(words))


def test_ranking_prefers_the_story_caps_each_outlet_and_skips_copies():
    topic = {f"w{i}": 1.0 for i in range(8)}
    part = {f"w{i}": 1.0 for i in range(6)}
    target = _candidate("t", topic, "s1", "Herald")
    others = [
        _candidate("copy", topic, "s1", "Courier", group="t"),  # a copy of the target itself
        _candidate("a", {**part, "x": 1.0, "x2": 1.0}, "s1", "Wire"),
        _candidate("b", {**part, "y": 1.0, "y2": 1.0}, "s1", "Wire"),
        _candidate("c", {**part, "z": 1.0, "z2": 1.0}, "s1", "Wire"),  # a third item from one outlet: left out
        _candidate("d", {**{f"w{i}": 1.0 for i in range(4)}, "q": 1.0, "r": 1.0}, "s2", "Ledger"),
        _candidate("e", {"unrelated": 1.0, "words": 1.0}, "s3", "Times"),  # below the floor
        _candidate("f", {**part, "x": 1.0, "x2": 1.0}, "s1", "Sentinel", group="a"),  # a copy of "a": one per group
    ]
    ranked = rank_related(target, others)
    assert "copy" not in ranked and "e" not in ranked and "f" not in ranked
    assert sum(1 for key in ranked if key in "abc") == 2 and "d" in ranked


def test_embeddings_count_when_both_sides_have_them():
    words = {"alpha": 1.0, "beta": 1.0}
    close, far = np.array([1.0, 0.0], np.float32), np.array([0.0, 1.0], np.float32)
    target = Candidate("t", None, "t", "A", lexical.hashed(words), close)
    near = Candidate("n", None, "n", "B", lexical.hashed({"alpha": 1.0, "gamma": 1.0}), close)
    away = Candidate("w", None, "w", "C", lexical.hashed({"alpha": 1.0, "gamma": 1.0}), far)
    assert rank_related(target, [away, near]) == ["n"]


def test_excerpt_is_clean_prose():
    text = (
        "Harbour wall repaired\nXinhua | Updated: 2026-11-15 17:52\nYour web browser is no longer supported.\n"
        "Masons finished repairing the harbour wall on Tuesday, two months after the storm breached it "
        "and flooded the fish market, the port authority said.\nTags: harbour, storms"
    )
    lead = excerpt("Harbour wall repaired", text, limit=90)
    assert lead.startswith("Masons finished repairing") and lead.endswith("…") and len(lead) <= 91
    assert "Xinhua" not in lead and "browser" not in lead and "Tags" not in lead
    assert excerpt("", "Short line.") == ""


def _prose_by_definition(line: str, title: str) -> bool:
    """_is_prose as first written: every test made on every line."""
    comparable = lambda t: re.sub(r"\W+", " ", t.lower()).strip()  # noqa: E731
    if len(line) < 50 or is_furniture_line(line) or "|" in line or (title and comparable(line) == comparable(title)):
        return False
    letters = sum(ch.isalpha() for ch in line)
    return letters / max(1, len(line)) > 0.6 and " " in line and any(ch.islower() for ch in line)


def _whole_text_excerpt(title: str, text: str, limit: int) -> str:
    """The excerpt's definition, read over every line (excerpt itself stops at the lead)."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in re.split(r"\n+", text)]
    lead = " ".join(line for line in lines if line and _prose_by_definition(line, title))
    return lead if len(lead) <= limit else lead[:limit].rsplit(" ", 1)[0].rstrip(",;:-–— ") + "…"


TITLE = "Harbour wall repaired after the winter storms, the council says"
LINES = [
    "Ferry crews walked out over pay at dawn on Monday, the union said.",
    "The council will vote on the harbour budget next week, its leader confirmed.",
    TITLE,
    TITLE.upper() + "!",  # the headline again, in other case and punctuation
    "İstanbul ferry crews and ÉCOLE staff joined the strike on the harbour front, Ward 7.",
    "Share",
    "",
    "  \t ",
    "By A Writer",
    "x" * 60,
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.sampled_from(["\n", "\n\n", "\r\n"]), st.integers(0, 400))
def test_the_excerpt_read_only_as_far_as_the_lead_equals_the_one_read_over_the_whole_text(lines, joint, limit):
    text = joint.join(lines)
    assert excerpt(TITLE, text, limit) == _whole_text_excerpt(TITLE, text, limit)


def _no_lead_cleaned_on_a_view(*_args):
    raise AssertionError("a page view cleaned a related article's lead")


def test_article_page_shows_copies_and_related_articles(tmp_path, engine, config, monkeypatch):
    now = datetime.now(UTC)
    records = []
    for n, event in enumerate(EVENTS[:2]):
        wire = "\n\n".join(event["wire"])
        records.append(
            {
                "id": f"{event['key']}-wire",
                "url": f"http://wire.invalid/{n}",
                "title": event["title"],
                "text": wire,
                "source": "Meridian Wire",
                "published": (now - timedelta(hours=5)).isoformat(),
            }
        )
        records.append(
            {
                "id": f"{event['key']}-copy",
                "url": f"http://courier.invalid/{n}",
                "title": event["title"],
                "text": wire + "\n\nReporting by the desk.",
                "source": "Valley Courier",
                "published": (now - timedelta(hours=4)).isoformat(),
            }
        )
        for m, (title, text) in enumerate(event["reports"]):
            records.append(
                {
                    "id": f"{event['key']}-r{m}",
                    "url": f"http://paper{m}.invalid/{n}",
                    "title": title,
                    "text": text,
                    "source": f"Paper {m}",
                    "published": (now - timedelta(hours=3 - m)).isoformat(),
                }
            )
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    import_jsonl(engine, path)
    from broadsheet.text.urls import url_id

    with engine.connect() as conn:  # the enrich stage kept each article's excerpt: pages clean no lead
        kept = conn.execute(select(articles.c.title, articles.c.text, articles.c.excerpt)).all()
    assert kept and all(row.excerpt == excerpt(row.title, row.text) for row in kept)
    monkeypatch.setattr(web_related, "excerpt", _no_lead_cleaned_on_a_view)
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as client:
        wire_page = client.get(f"/articles/{url_id('http://wire.invalid/0')}").text
        related = wire_page.split('id="related-heading"', 1)[1]
        courier = re.search(r'Also published by <a href="/articles/([0-9a-f]+)">Valley Courier</a>', wire_page)
        assert courier, "the copy's outlet links to the copy"
        copy_page = client.get(f"/articles/{courier.group(1)}")
        assert copy_page.status_code == 200 and "courier.invalid/0" in copy_page.text
        assert EVENTS[0]["reports"][0][0].replace("'", "&#39;") in related  # a report on the same event
        assert "Paper 0" in related and "hours ago</time>" in related and 'class="excerpt"' in related
        assert EVENTS[0]["title"] not in related  # never the article itself or its copy
        latest = client.get("/latest").text  # the list of articles: copies folded into their first copy
        assert latest.count(EVENTS[0]["title"]) == 1 and "Also published by Valley Courier" in latest
