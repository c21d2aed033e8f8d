"""Near-copies take their original's entities (pipeline/enrich.py, understand_and_enrich): spaCy reads
a wire story once, not once per outlet that ran it with a few words changed. A copy whose original
has no entities yet is read itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from broadsheet.model import Article
from broadsheet.nlp import entities as ner
from broadsheet.pipeline import enrich, understand
from broadsheet.store import articles as article_store
from broadsheet.store.schema import article_entities, entities
from broadsheet.store.schema import articles as articles_table

WIRE = (
    "Mayor Ines Vale of Port Varrow opened the new harbour bridge on Tuesday morning after three years "
    "of building work. Vale said the Kessford Shipping Company paid for half of the bridge and the "
    "Northmere Council paid for the rest. Casimir Brannock, who leads the council, told reporters that "
    "the crossing would cut the drive to the ferry terminal by twenty minutes. The Valley Courier "
    "reported that traffic was already queuing at both ends of the bridge before noon."
)
EDITED = (  # the same wire story as another outlet ran it: a few words changed, the same names
    WIRE.replace("Tuesday morning", "Tuesday")
    .replace("told reporters", "said")
    .replace("by twenty minutes", "by a third")
)


def _article(key: str, text: str, title: str = "Harbour bridge opens", published: datetime | None = None) -> Article:
    return Article(id=key, url=f"http://pub.invalid/{key}", title=title, text=text, status="ok", published_at=published)


@pytest.fixture
def spacy_reads(monkeypatch) -> list[str]:
    """Every text spaCy reads (extract_entities_batch passes each distinct text to it once)."""
    read: list[str] = []
    real = ner._extract_distinct

    def counting(texts, batch_size):
        read.extend(texts)
        return real(texts, batch_size)

    monkeypatch.setattr(ner, "_extract_distinct", counting)
    return read


def _store_and_enrich(engine, batch: list[Article]) -> None:
    with engine.begin() as conn:
        article_store.save_articles(conn, batch)
        enrich.understand_and_enrich(engine, conn, batch)


def _entities_of(engine, key: str) -> list[tuple]:
    """An article's stored entities: from its own fields and from the entity links."""
    with engine.connect() as conn:
        fields = conn.execute(select(articles_table.c.entities).where(articles_table.c.id == key)).scalar_one()
        links = conn.execute(
            select(entities.c.ref, article_entities.c.kind, article_entities.c.mentions)
            .join(entities, entities.c.id == article_entities.c.entity_id)
            .where(article_entities.c.article_id == key)
        ).all()
    return sorted((e["name"], e["kind"], e["count"], e["id"]) for e in fields) + sorted(tuple(r) for r in links)


def _duplicate_of(engine, key: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(articles_table.c.duplicate_of).where(articles_table.c.id == key)).scalar_one()


def _text(article: Article) -> str:
    return f"{article.title}\n\n{article.text}"


def test_a_near_copy_in_the_batch_of_its_original_takes_its_entities_unread(engine, spacy_reads, ahead_items):
    understand.configure(engine)
    original, copy = _article("w1", WIRE), _article("w2", EDITED, "Bridge opens at Port Varrow")
    _store_and_enrich(engine, [original, copy])
    assert _duplicate_of(engine, "w2") == "w1"
    assert spacy_reads == [_text(original)]
    assert ahead_items == [["w1"]]
    got = _entities_of(engine, "w2")
    assert got == _entities_of(engine, "w1") and ("Casimir Brannock", "person", 1) in [g[:3] for g in got]


def test_a_near_copy_arriving_after_its_enriched_original_takes_the_stored_entities(engine, spacy_reads):
    understand.configure(engine)
    _store_and_enrich(engine, [_article("w1", WIRE)])
    spacy_reads.clear()
    copy = _article("w2", EDITED, "Bridge opens at Port Varrow")
    _store_and_enrich(engine, [copy])
    assert _duplicate_of(engine, "w2") == "w1"
    assert spacy_reads == []
    assert _entities_of(engine, "w2") == _entities_of(engine, "w1") != []


def test_a_copy_whose_original_is_not_enriched_is_read_itself(engine, spacy_reads, ahead_items):
    understand.configure(engine)
    original = _article("w1", WIRE)
    with engine.begin() as conn:  # placed, never enriched (a pass killed between the stages)
        article_store.save_articles(conn, [original])
        understand.understand_batch(engine, conn, [original])
    copy = _article("w2", EDITED, "Bridge opens at Port Varrow")
    _store_and_enrich(engine, [copy])
    assert _duplicate_of(engine, "w2") == "w1"
    assert ahead_items == [[]]  # taken for a copy: not read ahead
    assert spacy_reads == [_text(copy)]  # read by the enrich stage, as the original lends nothing
    assert ("Casimir Brannock", "person", 1) in [g[:3] for g in _entities_of(engine, "w2")]


def test_a_copy_published_earlier_that_takes_the_originals_place_keeps_entities_of_its_own(engine, spacy_reads):
    understand.configure(engine)
    day = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    _store_and_enrich(engine, [_article("w1", WIRE, published=day)])
    spacy_reads.clear()
    text = EDITED.replace("The Valley Courier", "The Harrowgate Herald")
    earlier = _article("w2", text, published=day - timedelta(days=1))
    _store_and_enrich(engine, [earlier])
    assert _duplicate_of(engine, "w2") is None and _duplicate_of(engine, "w1") == "w2"
    assert spacy_reads == [_text(earlier)]
    assert "Harrowgate Herald" in [g[0] for g in _entities_of(engine, "w2")]
