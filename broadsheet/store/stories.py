"""Stories, duplicates and the per-article state of the understand stage: writes and reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Row, and_, bindparam, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from broadsheet.errors import NotFound
from broadsheet.model import Article
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected
from broadsheet.store.pictures import Shown, shown_columns, shown_from
from broadsheet.store.schema import articles, comments, stories, story_redirects, term_stats, understand_state
from broadsheet.store.upsert import upsert


@dataclass
class Story:
    """A story as readers see it."""

    id: str
    title: str
    article_id: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    article_count: int
    source_count: int
    storyline_id: str | None = None  # the storyline it belongs to (its own id when it stands alone)


@dataclass
class Understood:
    """What the understand stage stored about one article."""

    id: str
    arrival: int
    story_id: str  # every query that makes one selects placed articles only
    duplicate_of: str | None
    terms: dict
    vector: bytes | None
    source_name: str
    when: datetime | None
    title: str = ""
    import_id: str | None = None


def _when():
    return func.coalesce(articles.c.published_at, articles.c.fetched_at)


def _understood(row: Row) -> Understood:
    return Understood(
        id=row.id,
        arrival=row.arrival,
        story_id=row.story_id,
        duplicate_of=row.duplicate_of,
        terms=row.terms or {},
        vector=row.vector,
        source_name=row.source_name or "",
        when=row.when,
        title=row.title or "",
        import_id=row.import_id,
    )


_UNDERSTOOD_COLUMNS = (
    articles.c.id,
    articles.c.arrival,
    articles.c.story_id,
    articles.c.duplicate_of,
    articles.c.terms,
    articles.c.vector,
    articles.c.source_name,
    articles.c.title,
    articles.c.import_id,
    _when().label("when"),
)


# --- state of the stage --------------------------------------------------------------------------


def read_state(conn: Connection) -> dict[str, float]:
    """The stage's small key/value state (documents seen, batch counter)."""
    return dict(conn.execute(select(understand_state.c.key, understand_state.c.value)).all())


def write_state(conn: Connection, values: dict[str, float]) -> None:
    """Store the stage's key/value state."""
    upsert(conn, understand_state, [{"key": k, "value": v} for k, v in values.items()], key="key")


def read_term_stats(conn: Connection) -> dict[str, int]:
    """Every document frequency."""
    return dict(conn.execute(select(term_stats.c.term, term_stats.c.df)).all())


def add_term_stats(conn: Connection, increments: dict[str, int]) -> None:
    """Add to document frequencies: one INSERT ... ON CONFLICT DO UPDATE df = df + new per batch."""
    if not increments:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(term_stats)
    statement = statement.on_conflict_do_update(
        index_elements=["term"], set_={"df": term_stats.c.df + statement.excluded.df}
    )
    conn.execute(statement, [{"term": t, "df": n} for t, n in increments.items()])


def unplaced(conn: Connection, ids: Sequence[str]) -> list[Article]:
    """Readable articles among these ids that the stage has not placed yet, in arrival order."""
    found: list[Article] = []
    for chunk in in_chunks(ids):
        query = (
            select(articles)
            .where(articles.c.id.in_(chunk))
            .where(articles.c.status == "ok")
            .where(articles.c.story_id.is_(None))
        )
        found.extend(article_from_row(r) for r in conn.execute(query))
    return sorted(found, key=lambda a: a.arrival or 0)


def unplaced_vectors(conn: Connection, ids: Sequence[str]) -> dict[str, bytes]:
    """Embeddings already stored for unplaced articles (computed ahead of placement by embed jobs)."""
    found: dict[str, bytes] = {}
    for chunk in in_chunks(ids):
        query = (
            select(articles.c.id, articles.c.vector)
            .where(articles.c.id.in_(chunk))
            .where(articles.c.story_id.is_(None))
            .where(articles.c.vector.is_not(None))
        )
        found.update((r.id, r.vector) for r in conn.execute(query))
    return found


def keep_unplaced_vectors(conn: Connection, vectors: dict[str, bytes]) -> int:
    """Store embeddings of articles still unplaced (placement, which owns the column once it has
    run, is never overwritten); returns how many were stored."""
    kept = 0
    for article_id, vector in vectors.items():
        kept += conn.execute(
            update(articles)
            .where(articles.c.id == article_id)
            .where(articles.c.story_id.is_(None))
            .values(vector=vector)
        ).rowcount
    return kept


def unplaced_backlog(conn: Connection, limit: int) -> list[Article]:
    """The oldest readable articles never placed (stored before the stage existed, or by a failed run)."""
    query = (
        select(articles)
        .where(articles.c.story_id.is_(None))
        .where(articles.c.status == "ok")
        .order_by(articles.c.arrival)
        .limit(limit)
    )
    return [article_from_row(r) for r in conn.execute(query)]


def save_understanding(conn: Connection, rows: list[dict]) -> None:
    """Write story_id, duplicate_of, content_hash, terms and vector for placed articles."""
    if not rows:
        return
    statement = (
        update(articles)
        .where(articles.c.id == bindparam("_id"))
        .values({k: bindparam(k) for k in rows[0] if k != "id"})
    )
    conn.execute(statement, [{**{k: v for k, v in row.items() if k != "id"}, "_id": row["id"]} for row in rows])


def recent_understood(conn: Connection, limit: int) -> list[Understood]:
    """The newest placed articles (at most `limit`), oldest first: the window to rebuild from."""
    query = (
        select(*_UNDERSTOOD_COLUMNS)
        .where(articles.c.story_id.is_not(None))
        .order_by(articles.c.arrival.desc())
        .limit(limit)
    )
    return sorted((_understood(r) for r in conn.execute(query)), key=lambda u: u.arrival)


def recent_texts(conn: Connection, limit: int) -> list[tuple[str, str, str, datetime | None]]:
    """(id, title, text, publication time) of the newest originals (not duplicates), oldest first."""
    query = (
        select(articles.c.id, articles.c.title, articles.c.text, articles.c.arrival, articles.c.published_at)
        .where(articles.c.story_id.is_not(None))
        .where(articles.c.duplicate_of.is_(None))
        .order_by(articles.c.arrival.desc())
        .limit(limit)
    )
    return [(r.id, r.title, r.text, r.published_at) for r in sorted(conn.execute(query), key=lambda r: r.arrival)]


def relink_copies(conn: Connection, old: str, new: str) -> None:
    """Make `new` the first copy: `old` and every copy linked to it now point at `new`."""
    conn.execute(
        update(articles)
        .where(or_(articles.c.id == old, articles.c.duplicate_of == old))
        .where(articles.c.id != new)
        .values(duplicate_of=new)
    )


# --- stories -------------------------------------------------------------------------------------


def refresh_stories(conn: Connection, ids: Iterable[str], titles: dict[str, str]) -> None:
    """Recount touched stories from their articles; `titles` maps a story to its representative article."""
    wanted = list(set(ids))
    now = datetime.now(UTC)
    for chunk in in_chunks(wanted):
        counts = _story_counts(conn, chunk)
        reps = {s: a for s, a in titles.items() if s in counts}
        rep_titles = _titles(conn, list(reps.values()))
        existing = set(conn.execute(select(stories.c.id).where(stories.c.id.in_(chunk))).scalars())
        for story_id, row in counts.items():
            values = {
                "first_seen": row.first,
                "last_seen": row.last,
                "article_count": row.n,
                "source_count": row.sources,
                "updated_at": now,
            }
            if story_id in reps:
                values.update(article_id=reps[story_id], title=rep_titles.get(reps[story_id], ""))
            if story_id in existing:
                conn.execute(update(stories).where(stories.c.id == story_id).values(values))
            else:
                values.setdefault("article_id", reps.get(story_id, story_id))
                values.setdefault("title", rep_titles.get(values["article_id"], ""))
                conn.execute(stories.insert().values(id=story_id, storyline_id=story_id, **values))


def _story_counts(conn: Connection, story_ids: list[str]) -> dict[str, Row]:
    """Per story: articles, distinct named sources, first and last article time."""
    query = (
        select(
            articles.c.story_id,
            func.count().label("n"),
            func.count(func.distinct(func.nullif(articles.c.source_name, ""))).label("sources"),
            func.min(_when()).label("first"),
            func.max(_when()).label("last"),
        )
        .where(articles.c.story_id.in_(story_ids))
        .group_by(articles.c.story_id)
    )
    return {r.story_id: r for r in conn.execute(query)}


def _titles(conn: Connection, article_ids: list[str]) -> dict[str, str]:
    if not article_ids:
        return {}
    return {
        r.id: r.title
        for r in conn.execute(select(articles.c.id, articles.c.title).where(articles.c.id.in_(article_ids)))
    }


def merge_story(conn: Connection, into: str, other: str) -> None:
    """Move every article of `other` into `into`; `other` keeps resolving through a redirect."""
    conn.execute(update(articles).where(articles.c.story_id == other).values(story_id=into))
    conn.execute(update(story_redirects).where(story_redirects.c.new_id == other).values(new_id=into))
    upsert(conn, story_redirects, [{"old_id": other, "new_id": into}], key="old_id")
    conn.execute(stories.delete().where(stories.c.id == other))


def move_articles(conn: Connection, article_ids: Sequence[str], story_id: str) -> None:
    """Re-home some articles (and their duplicates) in another story (a split)."""
    ids = list(article_ids)
    # A story id can come back (the first article of a story merged away, split off again).
    conn.execute(story_redirects.delete().where(story_redirects.c.old_id == story_id))
    for chunk in in_chunks(ids):
        conn.execute(
            update(articles)
            .where(or_(articles.c.id.in_(chunk), articles.c.duplicate_of.in_(chunk)))
            .values(story_id=story_id)
        )


def story_members(conn: Connection, story_id: str, limit: int = 256) -> list[Understood]:
    """The newest original (non-duplicate) articles of a story, oldest first."""
    query = (
        select(*_UNDERSTOOD_COLUMNS)
        .where(articles.c.story_id == story_id)
        .where(articles.c.duplicate_of.is_(None))
        .order_by(articles.c.arrival.desc())
        .limit(limit)
    )
    return sorted((_understood(r) for r in conn.execute(query)), key=lambda u: u.arrival)


def members_of_stories(conn: Connection, story_ids: Sequence[str], per_story: int = 256) -> dict[str, list[Understood]]:
    """The newest original articles of each story (at most `per_story`), oldest first."""
    found: dict[str, list[Understood]] = {}
    for chunk in in_chunks(list(story_ids)):
        query = (
            select(*_UNDERSTOOD_COLUMNS)
            .where(articles.c.story_id.in_(chunk))
            .where(articles.c.duplicate_of.is_(None))
            .order_by(articles.c.arrival.desc())
        )
        for row in conn.execute(query):
            members = found.setdefault(row.story_id, [])
            if len(members) < per_story:
                members.append(_understood(row))
    return {story: members[::-1] for story, members in found.items()}


def story_size(conn: Connection, story_id: str) -> int:
    """How many articles (copies included) a story holds."""
    return conn.execute(select(func.count()).select_from(articles).where(articles.c.story_id == story_id)).scalar_one()


# --- storylines ----------------------------------------------------------------------------------


def storylines_of(conn: Connection, story_ids: Iterable[str]) -> dict[str, str]:
    """The storyline of each of these stories (stories without one are left out)."""
    found: dict[str, str] = {}
    for chunk in in_chunks(list(story_ids)):
        found.update(
            (r.id, r.storyline_id)
            for r in conn.execute(select(stories.c.id, stories.c.storyline_id).where(stories.c.id.in_(chunk)))
            if r.storyline_id
        )
    return found


def join_storylines(conn: Connection, keep: str, other: str) -> None:
    """Every story of storyline `other` joins storyline `keep`."""
    conn.execute(update(stories).where(stories.c.storyline_id == other).values(storyline_id=keep))


def storyline_stories(db: Reader, storyline_id: str | None, limit: int = 50) -> list[Story]:
    """The stories of a storyline, oldest first (the newest `limit`)."""
    if not storyline_id:
        return []
    with connected(db) as conn:
        rows = conn.execute(
            select(stories)
            .where(stories.c.storyline_id == storyline_id)
            .order_by(stories.c.first_seen.desc())
            .limit(limit)
        ).all()
    return [Story(**{k: r._mapping[k] for k in Story.__dataclass_fields__}) for r in reversed(rows)]


def storyline_originals(
    conn: Connection, story_ids: Iterable[str], exclude: set[str], per_story: int = 50, stories_limit: int = 20
) -> list[Understood]:
    """Original articles of the other stories of these stories' storylines, at any time (the newest
    `stories_limit` stories of each storyline, the newest `per_story` articles of each)."""
    wanted = set(story_ids)
    lines = set(storylines_of(conn, wanted).values())
    kept: dict[str, list[str]] = {}
    for chunk in in_chunks(sorted(lines)):
        rows = conn.execute(
            select(stories.c.id, stories.c.storyline_id)
            .where(stories.c.storyline_id.in_(chunk))
            .order_by(stories.c.last_seen.desc())
        )
        for row in rows:
            line = kept.setdefault(row.storyline_id, [])
            if len(line) < stories_limit:
                line.append(row.id)
    others = [s for line in kept.values() for s in line if s not in wanted]
    members = members_of_stories(conn, others, per_story)
    return [u for story in others for u in members.get(story, []) if u.id not in exclude]


_REDIRECT = select(story_redirects.c.new_id).where(story_redirects.c.old_id == bindparam("id"))  # every story page


def resolve_story_id(db: Reader, story_id: str) -> str:
    """The current id of a story, following merge redirects."""
    with connected(db) as conn:
        target = conn.execute(_REDIRECT, {"id": story_id}).scalar()
    return target or story_id


def get_story(db: Reader, story_id: str, resolved: bool = False) -> Story:
    """One story by id (old ids of merged stories resolve, unless the caller says the id is current),
    or NotFound."""
    current = story_id if resolved else resolve_story_id(db, story_id)
    with connected(db) as conn:
        row = conn.execute(select(stories).where(stories.c.id == current)).first()
    if row is None:
        raise NotFound(f"store: no story with id {story_id}")
    return Story(**{k: row._mapping[k] for k in Story.__dataclass_fields__})


@dataclass(frozen=True)
class StoryHead:
    """What a story page reads first: the story (None when there is none by that id), where its
    id redirects to (a merged story's old id), and whether it has any comment row (when not, the
    page skips reading its thread)."""

    story: Story | None
    redirect: str | None
    has_comments: bool


_ONE = select(literal(1).label("one")).subquery()
_STORY_HEAD = select(
    *(stories.c[k] for k in Story.__dataclass_fields__),
    _REDIRECT.scalar_subquery().label("redirect"),
    exists().where(comments.c.story_id == bindparam("id")).label("has_comments"),
).select_from(_ONE.outerjoin(stories, stories.c.id == bindparam("id")))  # a row even for no story


def story_head(db: Reader, story_id: str) -> StoryHead:
    """A story page's first read, in one statement (it was three: redirect, story, comments)."""
    with connected(db) as conn:
        row = conn.execute(_STORY_HEAD, {"id": story_id}).one()
    story = Story(**{k: row._mapping[k] for k in Story.__dataclass_fields__}) if row.id is not None else None
    return StoryHead(story, row.redirect, bool(row.has_comments))


def latest_stories(db: Reader, limit: int = 20) -> list[Story]:
    """Stories seen most recently."""
    with connected(db) as conn:
        rows = conn.execute(select(stories).order_by(stories.c.last_seen.desc()).limit(limit)).all()
    return [Story(**{k: r._mapping[k] for k in Story.__dataclass_fields__}) for r in rows]


# --- reads for pages and export ------------------------------------------------------------------


def understood(db: Reader, article_id: str) -> Understood | None:
    """The stage's record of one article (None when not placed yet)."""
    with connected(db) as conn:
        row = conn.execute(select(*_UNDERSTOOD_COLUMNS).where(articles.c.id == article_id)).first()
    return _understood(row) if row is not None and row.story_id is not None else None


UNREAD = object()  # an argument the caller did not have: read it here


_COPIES = select(*ARTICLE_COLUMNS).where(articles.c.duplicate_of == bindparam("root"))  # built once: every article page


def copies_of(db: Reader, article_id: str, duplicate_of: str | object | None = UNREAD) -> list[Article]:
    """Other copies of the same text: the first copy and every duplicate of it, in arrival order.
    `duplicate_of`, when the caller has read it already, is the article's own stored original."""
    with connected(db) as conn:
        if duplicate_of is UNREAD:
            duplicate_of = conn.execute(select(articles.c.duplicate_of).where(articles.c.id == article_id)).scalar()
        root = duplicate_of or article_id
        # Two indexed lookups: SQLite's planner scans the whole table for the OR of both. The first
        # is only needed for a copy: an original is its own root, and is left out below anyway.
        rows = [
            *(conn.execute(select(*ARTICLE_COLUMNS).where(articles.c.id == root)) if root != article_id else ()),
            *conn.execute(_COPIES, {"root": root}),
        ]
        rows = sorted((r for r in rows if r.id != article_id and r.status == "ok"), key=lambda r: r.arrival)
    return [article_from_row(r) for r in rows]


def candidates_near(
    conn: Connection, arrival: int, story_id: str | None, span: int, story_limit: int = 200
) -> list[Understood]:
    """Related-article candidates: the story's originals plus articles that arrived near this one."""
    near = (
        select(*_UNDERSTOOD_COLUMNS)
        .where(articles.c.story_id.is_not(None))
        .where(articles.c.status == "ok")
        .where(and_(articles.c.arrival >= arrival - span, articles.c.arrival <= arrival + span))
    )
    found = {u.id: u for u in map(_understood, conn.execute(near))}
    if story_id is not None:
        for member in story_members(conn, story_id, limit=story_limit):
            found.setdefault(member.id, member)
    return list(found.values())


def originals_of_stories(
    conn: Connection, story_ids: Iterable[str], exclude: set[str], per_story: int = 200
) -> list[Understood]:
    """Original articles of these stories not already in `exclude` (the newest per story)."""
    found: list[Understood] = []
    for story_id in story_ids:
        found.extend(u for u in story_members(conn, story_id, limit=per_story) if u.id not in exclude)
    return found


def stored_related(db: Reader, article_id: str) -> tuple[list[str] | None, datetime | None]:
    """The related-article ids kept for an article and when they were ranked (None, None: never)."""
    with connected(db) as conn:
        row = conn.execute(
            select(articles.c.related_ids, articles.c.related_at).where(articles.c.id == article_id)
        ).first()
    return (row.related_ids, row.related_at) if row else (None, None)


def store_related_many(engine: Engine, lists: dict[str, list[str]], when: datetime) -> None:
    """Keep freshly ranked related lists (article id -> related ids) in one transaction."""
    if not lists:
        return
    statement = (
        update(articles)
        .where(articles.c.id == bindparam("_id"))
        .values(related_ids=bindparam("_ids"), related_at=bindparam("_at"))
    )
    with engine.begin() as conn:
        conn.execute(statement, [{"_id": i, "_ids": ids, "_at": when} for i, ids in lists.items()])


def placed_arrivals(db: Reader, ids: Sequence[str]) -> list[int]:
    """Arrival numbers of those of these articles the understand stage has placed, ascending."""
    found: list[int] = []
    with connected(db) as conn:
        for chunk in in_chunks(ids):
            found += conn.execute(
                select(articles.c.arrival).where(articles.c.id.in_(chunk)).where(articles.c.story_id.isnot(None))
            ).scalars()
    return sorted(found)


def story_ids_of(db: Reader, ids: Sequence[str]) -> list[str]:
    """The stories these articles were placed in (each once, in first-seen order of the ids)."""
    found: dict[str, str] = {}
    with connected(db) as conn:
        for chunk in in_chunks(ids):
            rows = conn.execute(
                select(articles.c.id, articles.c.story_id)
                .where(articles.c.id.in_(chunk))
                .where(articles.c.story_id.isnot(None))
            )
            found.update({r.id: r.story_id for r in rows})
    return list(dict.fromkeys(found[i] for i in ids if i in found))


_BY_ID = select(*ARTICLE_COLUMNS).where(articles.c.id.in_(bindparam("ids", expanding=True)))
_LISTED = _BY_ID.add_columns(articles.c.excerpt, *shown_columns(articles.c.id))  # every related list


def articles_by_id(db: Reader, ids: Sequence[str]) -> dict[str, Article]:
    """Articles for a list of ids."""
    if not ids:
        return {}
    with connected(db) as conn:
        rows = conn.execute(_BY_ID, {"ids": list(ids)}).all()
    return {r.id: article_from_row(r) for r in rows}


def listed_by_id(db: Reader, ids: Sequence[str]) -> dict[str, tuple[Article, str | None, Shown | None]]:
    """Articles for a list of ids, each with its kept excerpt (None before the enrich stage saw it)
    and its stored picture."""
    if not ids:
        return {}
    with connected(db) as conn:
        rows = conn.execute(_LISTED, {"ids": list(ids)}).all()
    return {r.id: (article_from_row(r), r.excerpt, shown_from(r.id, r.picture_sizes, r.picture_alt)) for r in rows}


def understood_range(conn: Connection, low: int, high: int) -> list[Understood]:
    """Placed articles with arrival in [low, high], in arrival order (export windows)."""
    query = (
        select(*_UNDERSTOOD_COLUMNS)
        .where(articles.c.story_id.is_not(None))
        .where(articles.c.status == "ok")
        .where(articles.c.arrival >= low)
        .where(articles.c.arrival <= high)
        .order_by(articles.c.arrival)
    )
    return [_understood(r) for r in conn.execute(query)]


def export_ids(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """The id export shows for each article: its import id when it has one."""
    wanted, found = list(ids), {}
    for chunk in in_chunks(wanted):
        rows = conn.execute(select(articles.c.id, articles.c.import_id).where(articles.c.id.in_(chunk))).all()
        found.update({r.id: r.import_id if r.import_id is not None else r.id for r in rows})
    return found


def redirect_map(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """Current ids for story ids that were merged away (normally none: rows move with merges)."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(
        conn.execute(
            select(story_redirects.c.old_id, story_redirects.c.new_id).where(story_redirects.c.old_id.in_(wanted))
        ).all()
    )


def duplicate_sources(db: Reader, original_ids: Sequence[str]) -> dict[str, list[str]]:
    """Outlet names of the copies of each original, in arrival order."""
    if not original_ids:
        return {}
    with connected(db) as conn:
        rows = conn.execute(
            select(articles.c.duplicate_of, articles.c.source_name, articles.c.site_name)
            .where(articles.c.duplicate_of.in_(list(original_ids)))
            .where(articles.c.status == "ok")
            .order_by(articles.c.arrival)
        ).all()
    out: dict[str, list[str]] = {}
    for row in rows:
        name = row.source_name or row.site_name
        if name and name not in out.setdefault(row.duplicate_of, []):
            out[row.duplicate_of].append(name)
    return out
