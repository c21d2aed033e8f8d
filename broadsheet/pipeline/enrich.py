"""The enrich stage: key points, section, tags and entities of each newly stored article.

Runs on each stored batch after the understand stage, inside the batch's transaction, so the
article's sentence embedding (when the embedder is on) is there to help choose its section. One
article failing is logged and left unenriched (it is retried when read); the batch goes on.
Idempotent: an article already enriched by this version of the stage is left alone.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, replace

import numpy as np
from sqlalchemy import Connection, Engine

from broadsheet.context import current
from broadsheet.model import Article
from broadsheet.nlp import entities as ner
from broadsheet.nlp.embed import encode_fixed
from broadsheet.nlp.related import excerpt
from broadsheet.nlp.summarize import key_points
from broadsheet.nlp.topics import Prototypes, choose_tags, classify_section, prototype_texts
from broadsheet.store import articles as article_store
from broadsheet.store import enrichment as store

log = logging.getLogger(__name__)
VERSION = (
    3  # bump when the stage's output changes: older rows are enriched again when read (3: entity kinds by context)
)


def prototypes_for(engine: Engine) -> Prototypes | None:
    """Section prototypes embedded with the database's embedder (None when embeddings are off)."""
    from broadsheet.pipeline.understand import understander_for  # the embedder the stories stage uses

    embedder = understander_for(engine).embedder
    if not embedder.dim:
        return None

    def build() -> Prototypes:
        texts, labels = prototype_texts()
        return Prototypes(encode_fixed(embedder, texts), np.array(labels))

    return current().shared("section-prototypes", embedder.name, build)


def _entity_rows(found: list[ner.Entity]) -> list[dict]:
    return [{"ref": e.key, "kind": e.kind, "name": e.name, "surname": e.surname, "count": e.count} for e in found]


def _enrich_one(
    article: Article,
    found: list[ner.Entity],
    vector: bytes | None,
    prototypes: Prototypes | None,
    made: dict[tuple, dict],
) -> tuple[dict, list[dict]]:
    """The stored fields of one article, and its entity rows. `made` keeps the fields that depend
    only on the headline, text and vector, so an exact copy (a copy borrows its original's vector)
    costs no second section vote or key point pass."""
    key = (article.title, article.text, vector)
    fields = made.get(key)
    if fields is None:
        fields = made[key] = _text_fields(article, vector, prototypes)
    entity_rows = _entity_rows(found)
    return {
        "id": article.id,
        "section": fields["section"],
        "section_vote": fields["section"],
        "key_points": [dict(p) for p in fields["key_points"]],
        "excerpt": fields["excerpt"],
        "tags": choose_tags([(e.name, e.count) for e in found], article.title),
        "entities": [
            {"name": e.name, "kind": e.kind, "count": e.count, "ref": r["ref"]} for e, r in zip(found, entity_rows)
        ],
        "enriched": VERSION,
    }, entity_rows


def _text_fields(article: Article, vector: bytes | None, prototypes: Prototypes | None) -> dict:
    """Section, key points and excerpt: what the headline, the text and the vector decide."""
    embedding = np.frombuffer(vector, dtype=np.float16).astype(np.float32) if vector else None
    return {
        "section": classify_section(article.title, article.text, embedding, prototypes).section,
        "key_points": [asdict(p) for p in key_points(article.title, article.text)],
        "excerpt": excerpt(article.title, article.text),  # what a related-articles list shows of it
    }


def _ner_text(article: Article) -> str:
    return f"{article.title}\n\n{article.text}"


class EntitiesAhead:
    """The entities of a batch, found in a thread of their own while the understand stage embeds the
    same batch: ONNX Runtime lets go of the GIL while it runs, so spaCy gets the second core (the
    two were the import's main costs, one after the other on one core). The results are read only
    once the thread is done and are keyed by the exact text, so what is stored never depends on
    which finished first; an article whose text is not among them is read as before."""

    def __init__(self, items: list[Article]) -> None:
        self.texts = [_ner_text(a) for a in items]  # the batch spaCy would have read in the enrich stage
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="entities-ahead")
        self.future: Future[list[list[ner.Entity]]] = executor.submit(ner.extract_entities_batch, self.texts)
        executor.shutdown(wait=False)  # the thread ends with its one task

    def entities(self, items: list[Article]) -> list[list[ner.Entity]]:
        """The entities of each item (fresh copies: the enrich stage links and recounts them)."""
        found = dict(zip(self.texts, self.future.result()))
        rest = [t for t in dict.fromkeys(_ner_text(a) for a in items) if t not in found]
        found.update(zip(rest, ner.extract_entities_batch(rest) if rest else []))
        return [[replace(e) for e in found[_ner_text(a)]] for a in items]


def _found(items: list[Article], ahead: EntitiesAhead | None) -> list[list[ner.Entity]]:
    """The entities spaCy finds in each item (those `ahead` has found already are not read again)."""
    if ahead is None:
        return ner.extract_entities_batch([_ner_text(a) for a in items])
    return ahead.entities(items)


def _stored_entities(conn: Connection, ids: set[str]) -> dict[str, list[ner.Entity]]:
    """The entities this version of the stage stored for these articles, filed under the same keys."""
    stored = store.stored_entities(conn, sorted(ids), VERSION)
    return {
        key: [ner.Entity(e["name"], e["kind"], e["count"], e["ref"]) for e in found] for key, found in stored.items()
    }


def _entities_borrowing(
    conn: Connection, items: list[Article], ahead: EntitiesAhead | None, copies: dict[str, str]
) -> list[list[ner.Entity]]:
    """The entities of each item, a copy taking its original's: found in this batch, else as stored.

    A near-copy is its original with a few words changed, and spaCy was most of the enrich stage
    (issue 14). A copy whose original has neither is read itself."""
    here = {a.id for a in items}
    copies = {key: original for key, original in copies.items() if key in here}
    stored = _stored_entities(conn, {o for o in copies.values() if o not in here})
    lenders = (here - set(copies)) | set(stored)  # an original of the batch, or one stored whole
    lent = {key for key, original in copies.items() if original in lenders}
    read = [a for a in items if a.id not in lent]
    found = dict(zip((a.id for a in read), _found(read, ahead)))
    found.update(stored)
    # Fresh objects for every copy: the stage links and recounts each article's entities in place.
    return [found[a.id] if a.id not in lent else [replace(e) for e in found[copies[a.id]]] for a in items]


def enrich_articles(
    engine: Engine,
    conn: Connection,
    items: list[Article],
    ahead: EntitiesAhead | None = None,
    copies: dict[str, str] | None = None,
) -> int:
    """Enrich these articles inside the caller's transaction; returns how many were enriched.
    `ahead` holds entities already being found for them (see EntitiesAhead); `copies` maps the ones
    placement stored as copies to their originals, whose entities they take (every article is read
    by spaCy when it is not given)."""
    if not items:
        return 0
    found_all = _found(items, ahead) if copies is None else _entities_borrowing(conn, items, ahead, copies)
    surnames = {e.key for found in found_all for e in found if e.kind == ner.PERSON and " " not in e.key}
    known = store.known_full_names(conn, surnames) if surnames else {}
    vectors = store.vectors_for(conn, [a.id for a in items])
    prototypes = prototypes_for(engine) if vectors else None
    rows, links = [], {}
    made: dict[tuple, dict] = {}  # text fields by (title, text, vector): copies of one story share them
    for article, found in zip(items, found_all):
        try:
            found = ner.link_short_names(found, known)
            row, entity_rows = _enrich_one(article, found, vectors.get(article.id), prototypes, made)
        except Exception as exc:  # one article failing never aborts the batch
            log.warning("enrich: article %s: %s", article.id, exc)
            continue
        rows.append(row)
        links[article.id] = entity_rows
    ids = store.link_entities(conn, links, {a.id: a.published_at or a.fetched_at for a in items})
    for row in rows:
        for item in row["entities"]:
            item["id"] = ids.get(item.pop("ref"))
    store.save_enrichment(conn, rows)
    store.pool_story_sections(conn, [row["id"] for row in rows])  # a story is shown in one section
    return len(rows)


def enrich_batch(
    engine: Engine,
    conn: Connection,
    batch: list[Article],
    ahead: EntitiesAhead | None = None,
    copies: dict[str, str] | None = None,
) -> int:
    """Run the stage on a freshly stored batch inside its transaction (the pipeline's hook).

    Every readable article of the batch is (re)enriched: a stored-again article may have new text."""
    return enrich_articles(engine, conn, store.unenriched(conn, [a.id for a in batch], None), ahead, copies)


def understand_and_enrich(engine: Engine, conn: Connection, batch: list[Article]) -> None:
    """The understand and enrich stages on a freshly stored batch, inside its transaction, with the
    batch's entities found meanwhile on another core.

    Both stages take what placement takes: the batch and the older articles never placed. Enriching
    only the batch left the backlog (after a burst, most of a refresh pass) to a later stage that ran
    spaCy alone, with the second core idle (bench/fetch.py, issue 14)."""
    from broadsheet.pipeline import understand

    todo = understand.to_place(conn, batch)
    # Near-copies take their original's entities, so the thread reads only what placement will likely
    # keep as originals; a guess placement overturns is read in the enrich stage instead.
    likely, prints = understand.understander_for(engine).likely_copies(conn, todo)
    ahead = EntitiesAhead([a for a in todo if a.id not in likely])
    try:
        understand.understand_batch(engine, conn, batch, todo, prints)
    except BaseException:
        wait([ahead.future])  # the transaction rolls back: no spaCy run outlives the batch
        raise
    placed = {a.id for a in todo}
    items = todo + [a for a in batch if a.id not in placed]
    enrich_batch(engine, conn, items, ahead, article_store.originals_of(conn, [a.id for a in items]))


def ensure_enriched(engine: Engine, ids: list[str]) -> None:
    """Enrich any of these articles the current stage has not seen (older rows, failures)."""
    with engine.connect() as conn:  # read first: article pages call this on every view
        todo = store.unenriched(conn, ids, VERSION)
    if todo:
        with engine.begin() as conn:
            enrich_articles(engine, conn, todo)


def export_fields(engine: Engine, chunk: list[Article], understood: dict[str, dict]) -> dict[str, dict]:
    """Per article of an export chunk: section, topics (section first, then tags), entities, key
    points, and the summary of its story (the same object on every article of the story)."""
    from broadsheet.pipeline import explain
    from broadsheet.store.stories import export_ids

    ids = [a.id for a in chunk]
    ensure_enriched(engine, ids)
    with engine.connect() as conn:
        stored = store.enrichment_of(conn, ids)
    summaries: dict[str, dict | None] = {}
    for article in chunk:
        story_id = (understood.get(article.id) or {}).get("story_id")
        if story_id and story_id not in summaries:
            summaries[story_id] = _story_summary(engine, explain, story_id)
    public_ids = {i for s in summaries.values() if s for i in s["article_ids"]}
    with engine.connect() as conn:
        public = export_ids(conn, public_ids)
    out = {}
    for article in chunk:
        fields = stored.get(article.id) or {}
        story_id = (understood.get(article.id) or {}).get("story_id")
        out[article.id] = {
            "section": fields.get("section"),
            "topics": ([fields["section"]] if fields.get("section") else []) + list(fields.get("tags") or []),
            "entities": [{k: e[k] for k in ("id", "name", "kind", "count")} for e in fields.get("entities") or []],
            "key_points": [{k: p[k] for k in ("text", "start", "end")} for p in fields.get("key_points") or []],
            "story_summary": _public(summaries.get(story_id), public) if story_id else None,
        }
    return out


def _story_summary(engine: Engine, explain, story_id: str) -> dict | None:
    """A story's cached summary as export shows it (internal article ids, mapped later)."""
    from broadsheet.store import digests

    members = digests.story_articles(engine, story_id)
    if not members:
        return None
    scope = explain.Scope.of(story_id, members)
    sentences = explain.digest(engine, scope).summary
    return {
        "story_id": story_id,
        "sentences": sentences,
        "article_ids": list(dict.fromkeys(s["article_id"] for s in sentences)),
    }


def _public(summary: dict | None, public: dict[str, str]) -> dict | None:
    """A summary with export ids (import ids where articles have them)."""
    if not summary:
        return None
    sentences = [
        {
            "text": s["text"],
            "article_id": public.get(s["article_id"], s["article_id"]),
            "source": s["source"],
            "start": s["start"],
            "end": s["end"],
        }
        for s in summary["sentences"]
    ]
    return {
        "story_id": summary["story_id"],
        "text": " ".join(s["text"] for s in sentences),
        "words": sum(len(s["text"].split()) for s in sentences),
        "sentences": sentences,
        "article_ids": list(dict.fromkeys(s["article_id"] for s in sentences)),
    }
