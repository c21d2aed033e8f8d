"""The AI features through the store, the export, the `summarize` command and the web pages."""

import json
import os
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import html5lib
import httpx
import pytest
from httpserver import AppServer
from sqlalchemy import text
from test_llm import ChatServer

from broadsheet.pipeline import bulk, explain
from broadsheet.pipeline.enrich import VERSION
from broadsheet.store import articles as article_store
from broadsheet.store import enrichment as enrichment_store
from broadsheet.web.app import create_app

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"


@pytest.fixture
def imported(engine):
    report = bulk.import_jsonl(engine, FIXTURE)
    assert report.imported == 4
    return engine


def exported(engine) -> dict[str, dict]:
    lines = []

    class Sink:
        def write(self, text: str) -> None:
            lines.append(text)

    bulk.export_jsonl(engine, Sink())
    return {r["id"]: r for r in map(json.loads, "".join(lines).splitlines())}


def test_import_enriches_and_export_carries_the_fields(imported):
    records = exported(imported)
    first = records["br-1"]
    assert first["section"] and first["topics"][0] == first["section"]
    assert {"name": "Freya Lindahl", "kind": "person"}.items() <= next(
        e for e in first["entities"] if e["name"] == "Freya Lindahl"
    ).items()
    assert 3 <= len(first["key_points"]) <= 5
    for point in first["key_points"]:
        assert first["text"][point["start"] : point["end"]] == point["text"]
    summary = first["story_summary"]
    assert summary and summary["story_id"] == first["story_id"]
    assert set(summary["article_ids"]) <= set(records) and len(summary["article_ids"]) >= 2
    assert all(records[s["article_id"]]["text"][s["start"] : s["end"]] == s["text"] for s in summary["sentences"])
    same_story = [r for r in records.values() if r["story_id"] == first["story_id"]]
    assert all(r["story_summary"] == summary for r in same_story)


def test_a_story_is_shown_in_the_section_most_of_its_articles_vote_for(engine):
    from sqlalchemy import select, update

    from broadsheet.model import Article
    from broadsheet.store.schema import articles

    votes = {
        "v1": ("s1", "Entertainment"),
        "v2": ("s1", "Sports"),
        "v3": ("s1", "Entertainment"),
        "v4": ("s2", "Business"),
        "v5": ("s2", "Politics"),
        "v6": (None, "Health"),
    }
    with engine.begin() as conn:
        article_store.save_articles(
            conn, [Article(id=i, url=f"http://v.invalid/{i}", title=i, text="x") for i in votes]
        )
        for article_id, (story_id, vote) in votes.items():
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(story_id=story_id, section_vote=vote, section=vote)
            )
        assert enrichment_store.pool_story_sections(conn, ["v1", "v4", "v6"]) == 2  # v2 and v5 move
        shown = dict(conn.execute(select(articles.c.id, articles.c.section)).all())
        own = dict(conn.execute(select(articles.c.id, articles.c.section_vote)).all())
    assert shown == {
        "v1": "Entertainment",
        "v2": "Entertainment",
        "v3": "Entertainment",
        "v4": "Business",
        "v5": "Business",  # a tie: the earliest article's vote
        "v6": "Health",
    }  # no story: its own vote
    assert own["v2"] == "Sports"  # the article's own classification is kept


def test_entities_are_filed_once_across_articles(imported):
    with imported.connect() as conn:
        fields = enrichment_store.enrichment_of(conn, [a.id for a in article_store.iter_articles(imported)])
    assert all(f["enriched"] == VERSION for f in fields.values())
    ids = {e["id"] for f in fields.values() for e in f["entities"] if e["name"] == "Freya Lindahl"}
    assert len(ids) == 1
    entity = enrichment_store.get_entity(imported, ids.pop())
    assert entity.kind == "person" and entity.article_count >= 2


def test_answers_are_cached(imported, config, monkeypatch):
    article = next(a for a in article_store.iter_articles(imported) if a.import_id == "br-3")
    scope = explain.scope_of(imported, article)
    first = explain.ask(imported, config, scope, "How much will the repairs cost?")
    assert first["supported"] and "9 million" in first["text"]
    assert not explain.ask(imported, config, scope, "Who won the football match?")["supported"]

    def no_answering(_scope):
        raise AssertionError("answered again although the answer is cached")

    monkeypatch.setattr(explain, "_index", no_answering)
    assert explain.ask(imported, config, scope, "how much will the repairs cost") == first


def test_summarize_command(tmp_path):
    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "broadsheet", "--data-dir", str(tmp_path), "summarize", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    story = json.loads(run(str(FIXTURE), "--words", "60"))
    assert set(story) >= {"summary", "words", "article_ids", "sentences"}
    assert 30 <= story["words"] <= 80 and set(story["article_ids"]) <= {"br-1", "br-2", "br-3", "br-4"}
    assert story["summary"] == " ".join(s["text"] for s in story["sentences"])
    lines = [json.loads(line) for line in run("--per-article", str(FIXTURE)).splitlines()]
    assert [line["id"] for line in lines] == ["br-1", "br-2", "br-3", "br-4"]
    assert all(1 <= len(line["key_points"]) <= 5 for line in lines)
    assert not (tmp_path / "broadsheet.db").exists()  # nothing stored


def test_article_page_panel_ask_and_entity_page(imported, config):
    article = next(a for a in article_store.iter_articles(imported) if a.import_id == "br-1")
    with AppServer(create_app(imported, config)) as base, httpx.Client(base_url=base) as client:
        page = client.get(f"/articles/{article.id}").text
        html5lib.HTMLParser(strict=True).parse(page)
        body = page.split('<div class="body">', 1)[1].split("</div>", 1)[0]
        assert "AI features" not in body and "Key points" in page and "Story summary" in page
        assert "Section:" in page and "/entities/" in page and "Timeline" in page
        answered = client.get(f"/articles/{article.id}", params={"q": "When will the bridge reopen?"}).text
        assert "September" in answered.split('id="answer"', 1)[1]
        posted = client.post(
            f"/articles/{article.id}/ask", data={"q": "Who won the football match?"}, follow_redirects=True
        ).text
        assert "The sources do not say." in posted
        entity_link = page.split('href="/entities/', 1)[1].split('"', 1)[0]
        entity = client.get(f"/entities/{entity_link}")
        assert entity.status_code == 200 and article.title in entity.text
        html5lib.HTMLParser(strict=True).parse(entity.text)
        assert client.get("/entities/999999").status_code == 404
        short = client.get(f"/articles/{article.id}", params={"length": "short"}).text
        long = client.get(f"/articles/{article.id}", params={"length": "long"}).text
        summary_words = lambda page: len(page.split('class="summary"', 1)[1].split("</p>", 1)[0].split())  # noqa: E731
        assert summary_words(short) < summary_words(long)
        story_link = page.split('href="/stories/', 1)[1].split('"', 1)[0]
        story = client.get(f"/stories/{story_link}", params={"q": "How much will the repairs cost?"})
        assert story.status_code == 200 and "Story summary" in story.text and "9 million" in story.text
        html5lib.HTMLParser(strict=True).parse(story.text)
        overview = client.get(f"/stories/{story_link}", params={"q": "What happened?"}).text
        answer = overview.split('id="answer"', 1)[1].split("</div>", 1)[0]
        assert answer.count("<blockquote>") == 2 and "The sources do not say." not in answer
        assert "Engineers closed the Tarnby river bridge" in answer and "First reported by" in answer


def test_generative_backend_phrases_the_answer_when_grounded(imported, config):
    chat = ChatServer()
    try:
        llm = config.replace(llm_url=chat.url, llm_model="tiny", llm_timeout=5.0)
        article = next(a for a in article_store.iter_articles(imported) if a.import_id == "br-3")
        scope = explain.scope_of(imported, article)
        answer = explain.ask(imported, llm, scope, "How much will the repairs cost?")
        assert answer["generated"]["sentences"][0]["citations"]
        chat.mode = "invented"
        other = explain.ask(imported, llm, scope, "How long will the repairs take?")
        assert "generated" not in other and other["supported"]  # rejected: the extractive answer stands
    finally:
        chat.close()


@pytest.mark.parametrize("mode", ["grounded", "slow"])
def test_summarize_command_with_a_generative_endpoint(tmp_path, mode):
    chat = ChatServer()
    chat.delay = 120.0 if mode == "slow" else 0.0
    try:
        env = {**os.environ, "BROADSHEET_LLM_URL": chat.url, "BROADSHEET_LLM_TIMEOUT": "1.0"}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "broadsheet", "--data-dir", str(tmp_path), "summarize", str(FIXTURE)],
            capture_output=True,
            text=True,
            timeout=240,
            env=env,
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        story = json.loads(result.stdout)
        assert story["summary"] and story["sentences"]
        if mode == "grounded":
            assert story["generated"]["text"].startswith("In short,")
        else:
            assert story["generated"] is None and elapsed < 100  # never waits for the 120 s endpoint
    finally:
        chat.close()


def test_related_lists_are_kept_with_the_article_for_every_worker(imported, monkeypatch, tmp_path):
    from sqlalchemy import select

    from broadsheet.store import stories as story_store
    from broadsheet.store.schema import articles
    from broadsheet.web import related as story_pages

    more = tmp_path / "more.jsonl"  # a later, different event on the same bridge: related, not the same story
    more.write_text(
        json.dumps(
            {
                "id": "br-9",
                "url": "http://fixture.invalid/br-9",
                "published": "2026-11-29T09:00:00Z",
                "title": "Tarnby bridge reopens to cyclists after repairs to the cracked span",
                "text": "Cyclists crossed the Tarnby bridge again on Sunday. The agency said the "
                "repaired main span had passed its load tests and cars would follow in a "
                "fortnight, once the engineers had finished the resurfacing.",
            }
        )
        + "\n"
    )
    bulk.import_jsonl(imported, more)
    with imported.connect() as conn:
        article_id = conn.execute(select(articles.c.id).where(articles.c.import_id == "br-1")).scalar()
    first = story_pages._related_ids(imported, article_id, 5)
    kept, ranked_at = story_store.stored_related(imported, article_id)
    assert first and ranked_at is not None and kept[:5] == first  # ranked and kept by the import, not the view

    def no_ranking(*_args):
        raise AssertionError("ranked again although a fresh list is kept")

    monkeypatch.setattr(story_pages, "related_for", no_ranking)
    assert story_pages._related_ids(imported, article_id, 5) == first  # another process reads the kept list


def test_a_stale_related_list_is_shown_while_the_pipeline_ranks_it_again(imported, config):
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from broadsheet.context import Context, install
    from broadsheet.pipeline.related import KEPT, related_for
    from broadsheet.store import stories as story_store
    from broadsheet.store.schema import articles
    from broadsheet.web import related as story_pages

    context = install(Context(config, imported))
    with imported.connect() as conn:
        article_id = conn.execute(select(articles.c.id).where(articles.c.import_id == "br-1")).scalar()
    story_store.store_related_many(imported, {article_id: ["old-a", "old-b"]}, datetime.now(UTC) - timedelta(hours=2))
    asked: list[tuple[str, str]] = []
    context.work.sink = lambda kind, item: asked.append((kind, item))
    assert story_pages._related_ids(imported, article_id, 5) == ["old-a", "old-b"]  # at once, the stale list
    assert asked == [("related", article_id)]  # asked of the pipeline...
    assert story_store.stored_related(imported, article_id)[0] == ["old-a", "old-b"]  # ...not written by the read
    context.work.sink = None
    context.request_work(*asked[0])  # the embedded worker thread of the context does it
    assert context.work.wait_idle(120)
    assert story_store.stored_related(imported, article_id)[0] == related_for(imported, article_id, KEPT)
    context.close()


def test_a_page_reads_only_the_heads_and_finds_the_digest_the_pipeline_stored(imported):
    """The article page's scope is read from the story's heads (no text): its signature must be the
    one the stored digest was made under, else every view would make the digest again."""
    from broadsheet.store import digests

    article = next(a for a in article_store.iter_articles(imported) if a.import_id == "br-3")
    scope = explain.scope_of(imported, article)
    assert scope.is_story and scope.loaded is None  # nothing but the heads read so far
    made = explain.Scope.of(scope.key, digests.story_articles(imported, scope.key))
    assert [h.id for h in scope.heads] == [h.id for h in made.heads]
    assert scope.signature == made.signature
    explain.digest(imported, made, keep=True)  # what the pipeline's work stores
    assert digests.read_digest(
        imported, scope.key, f"digest:{explain.DIGEST_VERSION}:{explain.DEFAULT_WORDS}", scope.signature
    )
    assert [a.id for a in scope.articles] == [h.id for h in scope.heads]  # loaded when asked for
    # A page reads the heads and the stored digest in one statement: the same as the two reads.
    kind = explain.digest_kind(explain.DEFAULT_WORDS)
    heads, stored = digests.heads_and_digest(imported, scope.key, kind)
    assert heads == digests.story_heads(imported, scope.key)
    assert stored is not None and stored[1] == digests.read_digest(imported, scope.key, kind, stored[0])
    assert digests.heads_and_digest(imported, scope.key, "digest:0:1")[1] is None  # no digest of that kind
    paged = explain.scope_of(imported, article, words=explain.DEFAULT_WORDS)
    assert paged.signature == scope.signature and paged.stored == (kind, stored)


def test_a_digest_stores_each_cited_sentence_link_and_an_older_one_links_the_same(imported, config):
    """The pipeline stores a digest with every cited sentence's link, so a view builds none; a digest
    stored before links were kept (no "href") still shows exactly the same links."""
    import re

    from fastapi.testclient import TestClient

    from broadsheet.store import digests
    from broadsheet.text.fragments import sentence_href

    article = next(a for a in article_store.iter_articles(imported) if a.import_id == "br-3")
    scope = explain.scope_of(imported, article)
    kind = explain.digest_kind(explain.DEFAULT_WORDS)
    stored = digests.read_digest(imported, scope.key, kind, scope.signature)  # the import kept it
    cited = [*stored["summary"], *stored["timeline"], *(a for s in stored["adds"] for a in s["additions"])]
    assert cited and all(c["href"] == sentence_href(c["article_id"], c["text"]) for c in cited)

    def links() -> list[str]:
        with TestClient(create_app(imported, config.replace(page_cache_seconds=0, article_cache_seconds=0))) as client:
            page = client.get(f"/articles/{article.id}")
        assert page.status_code == 200
        return re.findall(r'href="(/articles/[^"]*#:~:text=[^"]*)"', page.text)

    with_links = links()
    older = {
        "summary": [{k: v for k, v in c.items() if k != "href"} for c in stored["summary"]],
        "timeline": [{k: v for k, v in c.items() if k != "href"} for c in stored["timeline"]],
        "adds": [
            {**s, "additions": [{k: v for k, v in a.items() if k != "href"} for a in s["additions"]]}
            for s in stored["adds"]
        ],
    }
    digests.write_digest(imported, scope.key, kind, scope.signature, older)
    assert len(with_links) >= len(cited) and links() == with_links


def test_the_pipeline_makes_each_story_digest_so_no_page_view_makes_one(imported, config, monkeypatch, tmp_path):
    """Import (the same finish_work as a refresh) stores every story's digest under its current
    signature: the first view of an article or story page reads it and makes none."""
    from fastapi.testclient import TestClient

    from broadsheet.store import digests

    lone = {"id": "lone", "url": "https://valley-courier.example/fair", "title": "Orchard fair returns to Halvern"}
    lone["text"] = "The orchard fair returns to Halvern this weekend with forty stalls and a cider tasting."
    (tmp_path / "lone.jsonl").write_text(json.dumps(lone) + "\n")
    bulk.import_jsonl(imported, tmp_path / "lone.jsonl")  # a story of its own
    with imported.connect() as conn:
        stories = dict(conn.execute(text("SELECT id, story_id FROM articles WHERE duplicate_of IS NULL")).all())
    kind = explain.digest_kind(explain.DEFAULT_WORDS)
    scopes = {story_id: explain.story_scope(imported, story_id) for story_id in set(stories.values())}
    shared = {s for s, scope in scopes.items() if len(scope.heads) >= explain.KEPT_FROM}
    assert shared and len(shared) < len(scopes)  # the lone article's story is not among them
    for story_id, scope in scopes.items():  # a lone article's digest is left to its first view
        assert bool(digests.read_digest(imported, story_id, kind, scope.signature)) == (story_id in shared)
    assert explain.keep_digests(imported, list(scopes)) == 0  # all fresh: nothing made again
    stories = {a: s for a, s in stories.items() if s in shared}

    def no_digest_on_a_view(*_args, **_kwargs):
        raise AssertionError("a page view made a digest")

    monkeypatch.setattr(explain, "_digest_data", no_digest_on_a_view)
    with TestClient(create_app(imported, config)) as client:
        for article_id, story_id in stories.items():
            page = client.get(f"/articles/{article_id}")
            assert page.status_code == 200 and '<a class="cite"' in page.text  # the stored summary, cited
            page = client.get(f"/stories/{story_id}")
            assert page.status_code == 200 and '<a class="cite"' in page.text  # the stored summary, cited
