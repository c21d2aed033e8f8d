"""What the enrich stage keeps per article (section, tags, key points, entities) and the entity
table behind entity pages: writes inside the batch's transaction, and the reads pages need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update
from sqlalchemy.sql import bindparam

from broadsheet.errors import NotFound
from broadsheet.model import Article
from broadsheet.store.articles import ENRICHED_COLUMNS, article_from_row
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import article_entities, articles, entities, stories
from broadsheet.store.upsert import upsert


@dataclass
class StoredEntity:
    """An entity as its page shows it."""

    id: int
    kind: str
    name: str
    article_count: int
    last_seen: datetime | None


def save_enrichment(conn: Connection, rows: list[dict]) -> None:
    """Write section, tags, key points, entities and the stage version for articles (by id)."""
    if not rows:
        return
    statement = (
        update(articles).where(articles.c.id == bindparam("_id")).values({k: bindparam(k) for k in ENRICHED_COLUMNS})
    )
    conn.execute(statement, [{**{k: row.get(k) for k in ENRICHED_COLUMNS}, "_id": row["id"]} for row in rows])


def pool_story_sections(conn: Connection, article_ids: Sequence[str]) -> int:
    """Give every article of these articles' stories its story's section: the most common section vote
    among the story's articles (ties go to the section of the story's earliest published voter, then
    the first name: never to fetch order, so every run of the same articles agrees).

    One article's headline can mislead the classifier ("Prince meets rowers" reads as sport);
    ten outlets' coverage of the same event rarely all do. Returns the rows changed."""
    wanted: set[str] = set()
    for chunk in in_chunks(article_ids):
        wanted.update(
            conn.execute(
                select(articles.c.story_id).where(articles.c.id.in_(chunk)).where(articles.c.story_id.isnot(None))
            ).scalars()
        )
    changed = 0
    for chunk in in_chunks(sorted(wanted)):
        for story_id, section in _winning_sections(conn, chunk).items():
            changed += conn.execute(
                update(articles)
                .where(articles.c.story_id == story_id)
                .where(articles.c.section.is_distinct_from(section))
                .values(section=section)
            ).rowcount
    return changed


def _winning_sections(conn: Connection, story_ids: list[str]) -> dict[str, str]:
    """Each story's section: most votes, then the earliest voter, then the first name."""
    votes = conn.execute(
        select(
            articles.c.story_id,
            articles.c.section_vote,
            func.count().label("n"),
            func.min(func.coalesce(articles.c.published_at, articles.c.fetched_at)).label("first"),
        )
        .where(articles.c.story_id.in_(story_ids))
        .where(articles.c.section_vote.isnot(None))
        .group_by(articles.c.story_id, articles.c.section_vote)
    ).all()
    best: dict[str, tuple] = {}
    for row in votes:
        key = (-row.n, row.first, row.section_vote)
        if row.story_id not in best or key < best[row.story_id]:
            best[row.story_id] = key
    return {story_id: section for story_id, (_, _, section) in best.items()}


def known_full_names(conn: Connection, surnames: Iterable[str]) -> dict[tuple[str, str], str]:
    """(person, surname) -> key of the best-known multi-word person with that surname."""
    wanted = sorted(set(surnames))
    found: dict[tuple[str, str], str] = {}
    for chunk in in_chunks(wanted):
        rows = conn.execute(
            select(entities.c.ref, entities.c.surname, entities.c.article_count)
            .where(entities.c.kind == "person")
            .where(entities.c.surname.in_(chunk))
            .order_by(entities.c.article_count.desc(), entities.c.ref)
        ).all()
        for row in rows:
            key = row.ref
            if " " in key:
                found.setdefault(("person", row.surname), key)
    return found


def link_entities(conn: Connection, links: dict[str, list[dict]], when: dict[str, datetime | None]) -> dict[str, int]:
    """Replace each article's entity links; returns ref -> entity id. `links`: article id ->
    [{ref (the name's key), kind, name, surname, count}]. One entity per name: counts and kind (the
    kind most mentions agree on, across articles) of every touched entity are recomputed."""
    rows = {}
    for article_id, items in links.items():
        for item in items:
            rows[item["ref"]] = {
                "ref": item["ref"],
                "kind": item["kind"],
                "name": item["name"],
                "surname": item["surname"],
                "last_seen": when.get(article_id),
            }
    ids: dict[str, int] = {}
    if rows:
        upsert(conn, entities, [{**r, "article_count": 0} for r in rows.values()], key="ref", update=[])
        refs = list(rows)
        for chunk in in_chunks(refs):
            ids.update(conn.execute(select(entities.c.ref, entities.c.id).where(entities.c.ref.in_(chunk))).all())
    touched = set(ids.values())
    article_ids = list(links)
    for chunk in in_chunks(article_ids):
        touched.update(
            conn.execute(select(article_entities.c.entity_id).where(article_entities.c.article_id.in_(chunk))).scalars()
        )
        conn.execute(article_entities.delete().where(article_entities.c.article_id.in_(chunk)))
    fresh = [
        {"article_id": a, "entity_id": ids[i["ref"]], "mentions": i["count"], "kind": i["kind"]}
        for a, items in links.items()
        for i in {x["ref"]: x for x in items}.values()
    ]
    if fresh:
        conn.execute(article_entities.insert(), fresh)
    _recount(conn, touched, rows, ids, when)
    return ids


KIND_ORDER = {"organisation": 0, "person": 1, "place": 2}  # ties: outlets and firms first, as within an article


def _recount(conn: Connection, touched: set[int], rows: dict, ids: dict[str, int], when: dict) -> None:
    """Article counts, kind (most mentions) and latest sighting of the touched entities, from their links:
    one grouped read and one batched write per chunk (a statement per entity cost 8% of an import)."""
    latest = max((w for w in when.values() if w is not None), default=None)
    seen = set(ids.values()) if latest is not None else set()
    for chunk in in_chunks(sorted(touched)):
        counts, kinds = entity_tallies(conn, chunk)
        shapes: dict[tuple[str, ...], list[dict]] = {}
        for entity_id in chunk:
            values: dict[str, object] = {"article_count": counts.get(entity_id, 0)}
            if entity_id in kinds:
                values["kind"] = kinds[entity_id]
            if entity_id in seen:
                values["last_seen"] = latest
            shapes.setdefault(tuple(values), []).append({**values, "_id": entity_id})
        for columns, params in shapes.items():  # one executemany per set of columns written
            conn.execute(
                update(entities).where(entities.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns}),
                params,
            )


def entity_tallies(conn: Connection, entity_ids: Sequence[int]) -> tuple[dict[int, int], dict[int, str]]:
    """For these entities: how many articles name each, and the kind with most mentions."""
    rows = conn.execute(
        select(
            article_entities.c.entity_id,
            article_entities.c.kind,
            func.count().label("n"),
            func.sum(article_entities.c.mentions).label("m"),
        )
        .where(article_entities.c.entity_id.in_(list(entity_ids)))
        .group_by(article_entities.c.entity_id, article_entities.c.kind)
    ).all()
    counts: dict[int, int] = {}
    best: dict[int, tuple] = {}
    for row in rows:
        counts[row.entity_id] = counts.get(row.entity_id, 0) + row.n
        if row.kind is None:
            continue
        rank = (row.m or 0, -KIND_ORDER.get(row.kind, 3))
        if row.entity_id not in best or rank > best[row.entity_id][0]:
            best[row.entity_id] = (rank, row.kind)
    return counts, {entity_id: kind for entity_id, (_, kind) in best.items()}


def enrichment_of(conn: Connection, ids: Sequence[str]) -> dict[str, dict]:
    """The enrich stage's fields for these articles (only those it has seen)."""
    found: dict[str, dict] = {}
    wanted = list(ids)
    for chunk in in_chunks(wanted):
        rows = conn.execute(
            select(articles.c.id, *(articles.c[k] for k in ENRICHED_COLUMNS)).where(articles.c.id.in_(chunk))
        ).all()
        found.update({r.id: dict(r._mapping) for r in rows if r.enriched is not None})
    return found


def get_entity(db: Reader, entity_id: int) -> StoredEntity:
    """One entity by id, or NotFound."""
    with connected(db) as conn:
        row = conn.execute(select(entities).where(entities.c.id == entity_id)).first()
    if row is None:
        raise NotFound(f"store: no entity with id {entity_id}")
    return StoredEntity(row.id, row.kind, row.name, row.article_count, row.last_seen)


def entity_articles(db: Reader, entity_id: int, limit: int = 100) -> list[tuple[Article, int, str | None]]:
    """The readable articles naming an entity, newest first, with mentions and story id (None when the
    article is not placed in a story yet)."""
    when = func.coalesce(articles.c.published_at, articles.c.fetched_at)
    query = (
        select(articles, article_entities.c.mentions)
        .join(article_entities, article_entities.c.article_id == articles.c.id)
        .where(article_entities.c.entity_id == entity_id)
        .where(articles.c.status == "ok")
        .order_by(when.desc(), articles.c.id)
        .limit(limit)
    )
    with connected(db) as conn:
        return [(article_from_row(r), r.mentions, r.story_id) for r in conn.execute(query)]


def story_titles(engine: Engine, story_ids: Iterable[str]) -> dict[str, str]:
    """Headlines of these stories (their most representative article's)."""
    return _column_by_id(engine, stories.c.id, stories.c.title, story_ids)


def entity_kinds(db: Reader, entity_ids: Iterable[int]) -> dict[int, str]:
    """The kind each of these entities is filed as (what most of its mentions across articles say)."""
    return _column_by_id(db, entities.c.id, entities.c.kind, entity_ids)


def _column_by_id(db: Reader, key: Any, column: Any, ids: Iterable[Any]) -> dict[Any, Any]:
    """One column of the rows with these ids, read in chunks of a safe IN (...) size."""
    found: dict[Any, Any] = {}
    with connected(db) as conn:
        for chunk in in_chunks(sorted(set(ids))):
            found.update(conn.execute(select(key, column).where(key.in_(chunk))).all())
    return found


def top_entities(db: Reader, limit: int = 30) -> list[StoredEntity]:
    """The most-covered entities."""
    with connected(db) as conn:
        rows = conn.execute(
            select(entities)
            .where(entities.c.article_count > 0)
            .order_by(entities.c.article_count.desc(), entities.c.name)
            .limit(limit)
        ).all()
    return [StoredEntity(r.id, r.kind, r.name, r.article_count, r.last_seen) for r in rows]


def count_entities(db: Reader) -> int:
    """How many entities are named by at least one article (what top_entities ranks)."""
    with connected(db) as conn:
        return conn.execute(select(func.count()).select_from(entities).where(entities.c.article_count > 0)).scalar_one()


def unenriched(conn: Connection, ids: Sequence[str], version: int | None) -> list[Article]:
    """Readable articles among these ids that the current enrich stage has not seen (all when version is None)."""
    found: list[Article] = []
    wanted = list(ids)
    for chunk in in_chunks(wanted):
        query = select(articles).where(articles.c.id.in_(chunk)).where(articles.c.status == "ok")
        if version is not None:
            query = query.where((articles.c.enriched.is_(None)) | (articles.c.enriched < version))
        found.extend(article_from_row(r) for r in conn.execute(query))
    return sorted(found, key=lambda a: a.arrival or 0)


def stored_entities(conn: Connection, ids: Sequence[str], version: int) -> dict[str, list[dict]]:
    """The entities (name, kind, count and the key `ref` they are filed under) stored for these
    articles by the enrich stage at `version` or later; articles without them are left out."""
    rows: list[Row] = []
    for chunk in in_chunks(list(ids)):
        rows += conn.execute(
            select(articles.c.id, articles.c.entities)
            .where(articles.c.id.in_(chunk))
            .where(articles.c.enriched >= version)
            .where(articles.c.entities.isnot(None))
        ).all()
    wanted = sorted({e["id"] for r in rows for e in r.entities if e.get("id") is not None})
    refs: dict[int, str] = {}
    for chunk in in_chunks(wanted):
        refs.update(conn.execute(select(entities.c.id, entities.c.ref).where(entities.c.id.in_(chunk))).all())
    return {
        r.id: [{"name": e["name"], "kind": e["kind"], "count": e["count"], "ref": refs[e["id"]]} for e in r.entities]
        for r in rows
        if all(e.get("id") in refs for e in r.entities)  # an entity gone from the table: not whole, not lent
    }


def vectors_for(conn: Connection, ids: Sequence[str]) -> dict[str, bytes]:
    """Stored sentence embeddings of these articles; a copy borrows its original's."""
    wanted = list(ids)
    rows: list[Row] = []
    for chunk in in_chunks(wanted):
        rows += conn.execute(
            select(articles.c.id, articles.c.vector, articles.c.duplicate_of).where(articles.c.id.in_(chunk))
        ).all()
    found = {r.id: r.vector for r in rows if r.vector}
    originals = {r.duplicate_of for r in rows if not r.vector and r.duplicate_of}
    if originals:
        borrowed = dict(
            conn.execute(select(articles.c.id, articles.c.vector).where(articles.c.id.in_(list(originals)))).all()
        )
        found.update(
            {
                r.id: borrowed[r.duplicate_of]
                for r in rows
                if not r.vector and r.duplicate_of and borrowed.get(r.duplicate_of)
            }
        )
    return found
