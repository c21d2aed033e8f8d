"""Entities found in a thread while the understand stage embeds the batch (EntitiesAhead): the
enrich stage stores exactly what it stores when it finds them itself, whatever order the articles
come back in, and an article whose text changed meanwhile is read again."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from broadsheet.model import Article
from broadsheet.nlp import entities as ner
from broadsheet.pipeline import enrich, understand
from broadsheet.store import articles as article_store
from broadsheet.store.schema import article_entities, entities
from broadsheet.store.schema import articles as articles_table


class Fixed:
    """A tiny deterministic embedder (no model needed to place the articles)."""

    name, dim = "fixed", 8

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = np.array([[float(len(t) % (i + 2)) + 1 for i in range(self.dim)] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True) if texts else np.zeros((0, self.dim), np.float32)


def _articles(prefix: str = "n") -> list[Article]:
    texts = [
        "Mayor Ines Vale of Port Varrow opened the harbour bridge on Tuesday. Vale said the Kessford "
        "Shipping Company paid for half of it.",
        "The Valley Courier reported that Casimir Brannock left the Northmere Council. Brannock had "
        "served for ten years.",
        "Mayor Ines Vale of Port Varrow opened the harbour bridge on Tuesday. Vale said the Kessford "
        "Shipping Company paid for half of it.",  # the same text again: its entities are its own objects
    ]
    return [
        Article(id=f"{prefix}{i}", url=f"http://pub.invalid/{prefix}{i}", title=f"Story {i}", text=t, status="ok")
        for i, t in enumerate(texts)
    ]


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(article_entities.c.article_id, entities.c.ref, entities.c.kind, article_entities.c.mentions).join(
                entities, entities.c.id == article_entities.c.entity_id
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def test_entities_found_ahead_are_those_found_in_place_in_any_order_and_changed_texts_are_read_again():
    items = _articles()
    ahead = enrich.EntitiesAhead(items)
    moved = [items[1], items[0], Article(id="n9", url="http://pub.invalid/n9", title="Other", text="Ines Vale spoke.")]
    got = ahead.entities(moved + [items[2]])
    expected = ner.extract_entities_batch([f"{a.title}\n\n{a.text}" for a in moved + [items[2]]])
    assert got == expected
    assert any(e.name == "Ines Vale" for e in got[2])  # the text it had not read, read now
    assert got[1][0] is not got[3][0]  # one text twice: the stage may change one copy's counts alone


def test_import_with_entities_ahead_stores_what_the_stages_one_after_the_other_store(engine, tmp_path):
    from broadsheet.store.db import open_database

    understand.configure(engine, Fixed())
    items = _articles()
    with engine.begin() as conn:
        article_store.save_articles(conn, items)
        enrich.understand_and_enrich(engine, conn, items)
    other = open_database(f"sqlite:///{tmp_path}/other.db")
    understand.configure(other, Fixed())
    with other.begin() as conn:
        article_store.save_articles(conn, items)
        understand.understand_batch(other, conn, items)
        enrich.enrich_batch(other, conn, items)
    assert _stored(engine) == _stored(other) and len(_stored(engine)) >= 4
    other.dispose()


def test_a_failing_understand_stage_fails_the_batch_after_the_entity_thread_ended(engine, monkeypatch):
    started: list[enrich.EntitiesAhead] = []
    real = enrich.EntitiesAhead

    def keep(items):
        started.append(real(items))
        return started[-1]

    def fail(*_args):
        raise RuntimeError("placement failed")

    monkeypatch.setattr(enrich, "EntitiesAhead", keep)
    monkeypatch.setattr(understand, "understand_batch", fail)
    items = _articles()
    with pytest.raises(RuntimeError, match="placement failed"), engine.begin() as conn:
        article_store.save_articles(conn, items)
        enrich.understand_and_enrich(engine, conn, items)
    assert started and started[0].future.done()  # no spaCy run outlives the rolled-back batch


def test_spacy_reads_each_distinct_text_once_and_every_copy_gets_entities_of_its_own(monkeypatch):
    read: list[list[str]] = []
    real = ner._extract_distinct

    def counting(texts, batch_size):
        read.append(list(texts))
        return real(texts, batch_size)

    monkeypatch.setattr(ner, "_extract_distinct", counting)
    texts = [f"{a.title}\n\n{a.text}" for a in _articles()]
    texts[2] = texts[0]  # a syndicated copy: the same headline and text
    got = ner.extract_entities_batch(texts)
    assert read == [[texts[0], texts[1]]]
    assert got[0] == got[2] and got[0] == real([texts[0]], 32)[0]
    assert all(a is not b for a, b in zip(got[0], got[2]))  # the stage recounts one copy's entities alone


def test_placement_enriches_the_backlog_it_places_with_entities_found_ahead(engine, ahead_items):
    """Placing a batch also places older unplaced articles (the backlog); they are enriched in the same
    transaction, their entities found on the other core, not left to a later pass of spaCy alone."""
    from broadsheet.store.work import unenriched_ids, unplaced_ids

    understand.configure(engine, Fixed())
    backlog, batch = _articles("b"), _articles("c")[:1]
    with engine.begin() as conn:
        article_store.save_articles(conn, backlog)  # stored by a pass killed before placement
    with engine.begin() as conn:
        article_store.save_articles(conn, batch)
        enrich.understand_and_enrich(engine, conn, batch)
    assert unplaced_ids(engine, 10) == []
    assert unenriched_ids(engine, enrich.VERSION, 10) == []
    assert ahead_items == [["b0", "b1"]]  # b2 and c0 are copies of b0: they take its entities


def test_copies_of_one_text_share_the_text_fields_computed_once_and_keep_their_own_rows(engine, monkeypatch):
    calls: list[str] = []
    real = enrich._text_fields

    def counting(article, vector, prototypes):
        calls.append(article.id)
        return real(article, vector, prototypes)

    monkeypatch.setattr(enrich, "_text_fields", counting)
    items = _articles()
    items[2] = Article(id="n2", url="http://pub.invalid/n2", title=items[0].title, text=items[0].text, status="ok")
    with engine.begin() as conn:
        article_store.save_articles(conn, items)
        enrich.enrich_articles(engine, conn, items)
    assert sorted(calls) == ["n0", "n1"]  # n2 is n0's exact copy (no vectors: the lexical route)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(articles_table).where(articles_table.c.id.in_(["n0", "n2"])))}
    assert rows["n0"].key_points == rows["n2"].key_points and rows["n0"].section == rows["n2"].section
    assert rows["n0"].excerpt == rows["n2"].excerpt and rows["n2"].key_points
