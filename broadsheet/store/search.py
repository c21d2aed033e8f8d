"""Full-text search over readable articles, ranked by relevance and recency, with filters.

SQLite uses FTS5 (bm25, title weighted above body; the newest articles have an index of their own,
`recent_index.py`); PostgreSQL uses its text search
(ts_rank_cd over a weighted tsvector). Both are combined with a recency decay so that
today's coverage of a subject outranks last year's. Natural-language queries are also matched
by meaning (sentence embeddings, `semantic.py`) and the two rankings fused by reciprocal rank.

A ranking always has a next result, related or not. For natural-language queries a result is shown
only above a relevance floor: the cosine between the query's embedding and the article's (a copy
reads its original's), or, for an article without an embedding (or with embeddings off), a share of
the best lexical relevance. Syndicated copies (`duplicate_of`) collapse into one result that names
the other outlets. Filters are read case-insensitively; a wrong one is an error naming the valid values.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import bindparam, select, text

from broadsheet.errors import InputError, UnknownFilter
from broadsheet.model import Article
from broadsheet.store import recent_index
from broadsheet.store.articles import ARTICLE_COLUMNS, article_from_row, originals_of
from broadsheet.store.chunks import in_chunks
from broadsheet.store.db import Reader, connected, engine_behind
from broadsheet.store.enrichment import vectors_for
from broadsheet.store.schema import articles, sources
from broadsheet.store.semantic import index_for

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
HALF_LIFE_DAYS = 7.0  # a week-old article counts half as much as today's at equal relevance
CANDIDATES = 200  # best text matches re-ranked by recency
# Relevance floors for natural-language queries (bench/ai.py measures them on SQuAD: each
# question's own title against the seven others): cosine of all-MiniLM-L6-v2 embeddings, and for
# an article without one, the share of the query's best lexical relevance.
SEMANTIC_FLOOR = 0.30
LEXICAL_FLOOR = 0.5


@dataclass
class Hit:
    """One search result: the article, its score, the matched snippet, and the other outlets that
    published the same (syndicated) text."""

    article: Article
    score: float
    snippet: str = ""
    also: list[str] = field(default_factory=list)


@dataclass
class SearchFilters:
    """Optional filters on a search."""

    source_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    section: str | None = None


def query_terms(query: str) -> list[str]:
    """The words of a user's query (operators and punctuation dropped, so any input is safe)."""
    return [w.lower() for w in _WORD.findall(query or "")][:32]


STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "more",
        "most",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def fts5_expression(terms: list[str], mode: str = "AND") -> str:
    """An FTS5 MATCH expression: every term quoted (so no user input is syntax), the last one
    as a prefix (search-as-you-type). AND first; OR (without stop words) for long questions."""
    if mode == "OR":
        terms = [t for t in terms if t not in STOPWORDS] or terms
    quoted = [f'"{t}"' for t in terms]
    if quoted:
        quoted[-1] += "*"
    return f" {mode} ".join(quoted)


def recency_weight(published: datetime | None, now: datetime) -> float:
    """Exponential decay with a one-week half-life; undated articles count as a month old."""
    age_days = (now - published).total_seconds() / 86400 if published else 30.0
    return math.pow(0.5, max(0.0, age_days) / HALF_LIFE_DAYS)


def _filters_sql(filters: SearchFilters, params: dict) -> str:
    clauses = ["a.status = 'ok'"]
    if filters.source_id is not None:
        clauses.append("a.source_id = :source_id")
        params["source_id"] = filters.source_id
    if filters.since is not None:
        clauses.append("a.published_at >= :since")
        params["since"] = filters.since.astimezone(UTC).replace(tzinfo=None)
    if filters.until is not None:
        clauses.append("a.published_at < :until")
        params["until"] = filters.until.astimezone(UTC).replace(tzinfo=None)
    if filters.section:
        clauses.append("a.section = :section")
        params["section"] = filters.section
    return " AND ".join(clauses)


def _sqlite_candidates(db: Reader, terms: list[str], filters: SearchFilters) -> list[tuple]:
    """Articles matching all terms, recent ones first; when fewer than a page do, any term, then all time.

    The newest RECENT_ROWS are searched in their own index (store/recent_index.py), where bm25's
    count of each term's documents covers those articles, not the whole desk."""
    with connected(db) as conn:
        newest = int(conn.execute(text("SELECT coalesce(max(rowid), 0) FROM articles")).scalar() or 0)
    window = recent_index.RECENT_ROWS
    passes = [(recent_index.TABLE, newest - window), ("articles_fts", 0)] if newest > window else [("articles_fts", 0)]
    for index, low in passes:
        found = _sqlite_match(db, index, fts5_expression(terms, "AND"), filters, low)
        if len(found) < 20 and len(terms) > 1:
            seen = {row[0] for row in found}
            any_of = fts5_expression(_discriminating(db, index, terms, low, newest), "OR")
            found += [r for r in _sqlite_match(db, index, any_of, filters, low) if r[0] not in seen]
        if len(found) >= 20:
            break
    return found


def _discriminating(db: Reader, index: str, terms: list[str], low: int, newest: int) -> list[str]:
    """The terms of an any-word query worth ranking on: a word in over half of the searched
    articles says almost nothing about relevance (its IDF is near zero) yet makes the engine score
    every one of them. The rarest terms are kept when all are that common."""
    kept = [t for t in terms if t not in STOPWORDS] or terms
    cap = max(1000, (newest - low) // 2)
    counts: dict[str, int] = {}
    with connected(db) as conn:
        for term in kept:
            counts[term] = conn.execute(
                text(f"""SELECT count(*) FROM (SELECT rowid FROM {index}
                                                 WHERE {index} MATCH :m AND rowid > :low LIMIT :cap)"""),
                {"m": fts5_expression([term]), "low": low, "cap": cap},
            ).scalar_one()
    rare = [t for t in kept if counts[t] < cap]
    return rare or sorted(kept, key=lambda t: counts[t])[:1]


def _sqlite_match(db: Reader, index: str, match: str, filters: SearchFilters, low_rowid: int = 0) -> list[tuple]:
    """The best CANDIDATES matches above `low_rowid` in `index` (articles_fts or the recent one)."""
    params: dict = {"match": match, "limit": CANDIDATES, "low": low_rowid}
    where = _filters_sql(filters, params)
    # No snippet() here: it is costly per row; only the shown page gets one (make_snippet, as on PostgreSQL).
    if where == "a.status = 'ok'":
        # Unfiltered: rank inside the full-text index first and join only the best (a join per match
        # costs as much again as the ranking when a common word matches most of the articles).
        params["inner"] = CANDIDATES * 2  # room for matches that are not readable (pending, failed)
        sql = text(f"""SELECT a.id, f.relevance, a.published_at
                       FROM (SELECT rowid, -bm25({index}, 4.0, 1.0) AS relevance FROM {index}
                             WHERE {index} MATCH :match AND rowid > :low
                             ORDER BY bm25({index}, 4.0, 1.0) LIMIT :inner) AS f
                       JOIN articles a ON a.rowid = f.rowid
                       WHERE {where} ORDER BY f.relevance DESC LIMIT :limit""")
    else:
        sql = text(f"""SELECT a.id, -bm25({index}, 4.0, 1.0) AS relevance, a.published_at
                       FROM {index} JOIN articles a ON a.rowid = {index}.rowid
                       WHERE {index} MATCH :match AND {index}.rowid > :low AND {where}
                       ORDER BY bm25({index}, 4.0, 1.0) LIMIT :limit""")
    with connected(db) as conn:
        return [(row.id, float(row.relevance), _as_utc(row.published_at), "") for row in conn.execute(sql, params)]


def _as_utc(value: object) -> datetime | None:
    """A timestamp read through raw SQL (SQLite gives text) as aware UTC."""
    if value is None:
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def make_snippet(text_: str, terms: list[str], words: int = 28) -> str:
    """About `words` words of the text around the first place a query term occurs."""
    tokens = text_.split()
    prefixes = tuple(terms)
    at = next((i for i, token in enumerate(text_.lower().split()) if token.startswith(prefixes)), 0)
    start = max(0, at - words // 3)
    piece = " ".join(tokens[start : start + words])
    return ("… " if start else "") + piece + (" …" if start + words < len(tokens) else "")


def _tsquery(terms: list[str], operator: str) -> str:
    """Prefix matches of the terms, all (&) or any (|), as SQLite's FTS5 gives them ("harb" finds "harbour")."""
    return f" {operator} ".join(f"{t}:*" for t in terms)


def _postgres_candidates(db: Reader, terms: list[str], filters: SearchFilters) -> list[tuple]:
    """Articles matching all terms; when fewer than a page do, any term too (as the SQLite route:
    ranking every article that holds any common word cost 50 ms a query on 5,000 articles)."""
    any_term = _tsquery(terms, "|")  # every candidate ranked against any term: one scale for both passes
    found = _postgres_match(db, _tsquery(terms, "&"), any_term, filters)
    if len(found) < 20 and len(terms) > 1:
        seen = {row[0] for row in found}
        found += [r for r in _postgres_match(db, any_term, any_term, filters) if r[0] not in seen]
    return found


RECENT_MATCHES = 2 * CANDIDATES  # PostgreSQL ranks at most the newest this many matches (see _postgres_match)


def _postgres_match(db: Reader, query: str, rank: str, filters: SearchFilters) -> list[tuple]:
    """The best-ranked (against `rank`) of the newest RECENT_MATCHES articles matching `query`: the
    ranking's cost stays bounded however much of a large desk a query of common words matches, and
    with recency in the ranking older matches rarely make the page (the SQLite route's recent index).
    Walking the newest articles back until that many match, then ranking them, is the cheapest plan
    for common words (each test and each rank reads the stored vector): on the 5,000-article bench
    desk, a median of 6.8 ms for 1,000 matches ranked, 4.2 ms for 400."""
    params: dict = {"query": query, "rank": rank, "limit": CANDIDATES, "recent": RECENT_MATCHES}
    where = _filters_sql(filters, params)
    # search_vector is stored (migration 0018): ranking reads it instead of parsing each text again.
    # The query is written inline, not a joined row: joined, it left the planner no plan but testing
    # every article (a sequential scan); inline, the planner may use an index.
    sql = text(f"""SELECT r.id, ts_rank_cd(r.search_vector, to_tsquery('english', :rank)) AS relevance,
                          r.published_at
                   FROM (SELECT a.id, a.search_vector, a.published_at FROM articles a
                         WHERE a.search_vector @@ to_tsquery('english', :query) AND {where}
                         ORDER BY a.arrival DESC LIMIT :recent) r
                   ORDER BY relevance DESC LIMIT :limit""")
    with connected(db) as conn:
        return [(row.id, float(row.relevance), _as_utc(row.published_at), "") for row in conn.execute(sql, params)]


QUESTION_WORDS = frozenset(
    [
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "whose",
        "whom",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "can",
        "could",
        "should",
        "will",
        "would",
        "has",
        "have",
    ]
)
FUSION_K = 60  # reciprocal rank fusion constant: a rank-1 hit in either list outweighs deep ranks in both


def is_natural_language(query: str) -> bool:
    """A question or a phrase of several words, rather than a keyword or two."""
    terms = query_terms(query)
    return bool(terms) and (terms[0] in QUESTION_WORDS or query.rstrip().endswith("?") or len(terms) >= 4)


def _semantic_candidates(db: Reader, vector: np.ndarray, filters: SearchFilters) -> list[tuple]:
    """(id, cosine, published) of the articles whose embeddings lie nearest the query's, filtered."""
    nearest = index_for(engine_behind(db)).nearest(vector, CANDIDATES)
    if not nearest:
        return []
    params: dict = {"ids": [i for i, _ in nearest]}
    sql = text(
        f"SELECT a.id, a.published_at FROM articles a WHERE a.id IN :ids AND {_filters_sql(filters, params)}"
    ).bindparams(bindparam("ids", expanding=True))
    with connected(db) as conn:
        allowed = {row.id: _as_utc(row.published_at) for row in conn.execute(sql, params)}
    return [(i, sim, allowed[i]) for i, sim in nearest if i in allowed]


def _fused(lexical: list[tuple], semantic: list[tuple], now: datetime) -> list[tuple[float, str, str]]:
    """Reciprocal rank fusion of the two rankings, times recency: (score, id, snippet)."""
    scores: dict[str, float] = {}
    info: dict[str, tuple] = {}
    for ranking in (sorted(lexical, key=lambda c: -c[1]), semantic):
        for rank, (article_id, _relevance, published, *rest) in enumerate(ranking):
            scores[article_id] = scores.get(article_id, 0.0) + 1.0 / (FUSION_K + rank + 1)
            info.setdefault(article_id, (published, rest[0] if rest else ""))
    return sorted(
        ((score * recency_weight(info[i][0], now), i, info[i][1]) for i, score in scores.items()),
        key=lambda c: (-c[0], c[1]),
    )


def search_articles(
    db: Reader,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
    embed: Callable[[str], np.ndarray] | None = None,
) -> list[Hit]:
    """Articles matching the query, best first (relevance x recency), copies collapsed into their best
    ranked member. With `embed` (text -> vector), natural-language queries are also matched by meaning
    and the two rankings fused; natural-language queries show only results above a relevance floor."""
    return search_counted(db, query, filters, limit, offset, now, embed)[0]


def search_counted(
    db: Reader,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
    now: datetime | None = None,
    embed: Callable[[str], np.ndarray] | None = None,
) -> tuple[list[Hit], int]:
    """A page of search_articles, and how many results there are in all (copies collapsed)."""
    terms = query_terms(query)
    if not terms:
        return [], 0
    ranked = _collapsed(db, _ranked(db, query, terms, filters or SearchFilters(), now or datetime.now(UTC), embed))
    return _hits(db, terms, ranked[offset : offset + limit]), len(ranked)


def _ranked(
    db: Reader,
    query: str,
    terms: list[str],
    filters: SearchFilters,
    now: datetime,
    embed: Callable[[str], np.ndarray] | None,
) -> list[tuple]:
    """(score, article id, snippet) of every candidate, best first; for a natural-language query,
    lexical and semantic rankings fused and only what clears the relevance floor kept."""
    fetch = _postgres_candidates if db.dialect.name == "postgresql" else _sqlite_candidates
    candidates = fetch(db, terms, filters)
    natural = is_natural_language(query)
    vector = _query_vector(embed, query) if natural else None
    semantic = []
    if vector is not None:
        try:
            semantic = _semantic_candidates(db, vector, filters)
        except Exception:  # the lexical results still stand
            log.exception("search: semantic matching failed for %r", query)
    if semantic:
        ranked = _fused(candidates, semantic, now)
    else:
        ranked = sorted(
            (
                (relevance * recency_weight(published, now), article_id, snippet)
                for article_id, relevance, published, snippet in candidates
            ),
            key=lambda c: (-c[0], c[1]),
        )
    return _above_floor(db, ranked, candidates, vector) if natural else ranked


def _hits(db: Reader, terms: list[str], page: list[tuple[float, str, str, str]]) -> list[Hit]:
    """The shown page as hits: typed rows (aware datetimes, JSON), snippets, and the other outlets
    that published the same text (only the shown results name their outlets)."""
    outlets = _outlets(db, [root for *_, root in page])
    ids = [article_id for _, article_id, _, _ in page]
    with connected(db) as conn:
        rows = {r.id: article_from_row(r) for r in conn.execute(select(*ARTICLE_COLUMNS).where(articles.c.id.in_(ids)))}
    hits = []
    for score, article_id, snippet, root in page:
        if article_id not in rows:
            continue
        row = rows[article_id]
        own = row.source_name or row.site_name
        others = [o for o in outlets.get(root, []) if o != own]
        hits.append(Hit(row, score, " ".join((snippet or make_snippet(row.text, terms)).split()), others))
    return hits


def _query_vector(embed: Callable[[str], np.ndarray] | None, query: str) -> np.ndarray | None:
    """The query's embedding, or None (no embedder, or it failed: the lexical results still stand)."""
    if embed is None:
        return None
    try:
        return np.asarray(embed(query), dtype=np.float32)
    except Exception:
        log.exception("search: semantic matching failed for %r", query)
        return None


def _above_floor(db: Reader, ranked: list[tuple], lexical: list[tuple], vector: np.ndarray | None) -> list[tuple]:
    """The ranked results whose relevance clears the floor: the query-article cosine where the article
    (or the original it copies) has an embedding, else its share of the best lexical relevance."""
    best = max((c[1] for c in lexical), default=0.0)
    lexical_share = {c[0]: c[1] / best for c in lexical} if best > 0 else {}
    cosines = _cosines(db, vector, [c[1] for c in ranked]) if vector is not None else {}
    return [
        c
        for c in ranked
        if (cosines[c[1]] >= SEMANTIC_FLOOR if c[1] in cosines else lexical_share.get(c[1], 0.0) >= LEXICAL_FLOOR)
    ]


def _cosines(db: Reader, vector: np.ndarray, ids: list[str]) -> dict[str, float]:
    """Cosine of the query vector with each article's stored embedding (a copy borrows its original's)."""
    unit = vector / (np.linalg.norm(vector) or 1.0)
    with connected(db) as conn:
        stored = vectors_for(conn, ids)
    out = {}
    for article_id, blob in stored.items():
        found = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        if len(found) == len(unit):  # a vector of an earlier embedder says nothing here
            out[article_id] = float(found @ unit / (np.linalg.norm(found) or 1.0))
    return out


def _collapsed(db: Reader, ranked: list[tuple]) -> list[tuple[float, str, str, str]]:
    """One result per published text, at the rank of its best ranked member: the original where it is
    among the results (else that member), with the group's root (the original: `_outlets` names
    every outlet of the group, the original's first, then its copies' in arrival order)."""
    ids = [c[1] for c in ranked]
    original = originals_of(db, ids)
    groups: dict[str, tuple] = {}
    present = set(ids)
    for score, article_id, snippet in ranked:
        root = original.get(article_id) or article_id
        shown = root if root in present else article_id  # the first publication, when the filters let it in
        groups.setdefault(root, (score, shown, snippet if shown == article_id else ""))
    return [(score, article_id, snippet, root) for root, (score, article_id, snippet) in groups.items()]


def _outlets(db: Reader, roots: list[str]) -> dict[str, list[str]]:
    """Outlet names per original: its own, then its readable copies', in arrival order, each once."""
    found: dict[str, list[str]] = {}
    with connected(db) as conn:
        for chunk in in_chunks(roots):
            rows = conn.execute(
                select(articles.c.id, articles.c.duplicate_of, articles.c.source_name, articles.c.site_name)
                .where(articles.c.id.in_(chunk) | articles.c.duplicate_of.in_(chunk))
                .where(articles.c.status == "ok")
                .order_by(articles.c.arrival)
            ).all()
            for row in rows:
                name = row.source_name or row.site_name
                names = found.setdefault(row.duplicate_of or row.id, [])
                if name and name not in names:
                    names.append(name)
    return found


SINCE = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}


def read_filters(
    db: Reader,
    source: str | int | None = None,
    section: str | None = None,
    since: str | datetime | None = None,
    until: datetime | None = None,
) -> SearchFilters:
    """Search filters from a reader's values, in any letter case: a source by id or name, a section by
    name, `since` as a date or "day", "week" or "month". A value that names nothing is an InputError
    that lists the values that would."""
    return SearchFilters(source_id=_source_id(db, source), section=_section(section), since=_since(since), until=until)


def _section(value: str | None) -> str | None:
    from broadsheet.nlp.sections import SECTIONS

    if value is None or not value.strip():
        return None
    match = {s.lower(): s for s in SECTIONS}.get(value.strip().lower())
    if match is None:
        raise InputError(f"search: section must be one of {', '.join(SECTIONS)} (any letter case), not {value!r}")
    return match


def _source_id(db: Reader, value: str | int | None) -> int | None:
    if value is None or not str(value).strip():
        return None
    with connected(db) as conn:
        known = conn.execute(select(sources.c.id, sources.c.title).order_by(sources.c.title, sources.c.id)).all()
    wanted = str(value).strip().lower()
    for row in known:
        if wanted == str(row.id) or wanted == (row.title or "").strip().lower():
            return row.id
    names = ", ".join(f"{r.id} ({r.title})" if r.title else str(r.id) for r in known[:40])
    raise UnknownFilter(
        f"search: source must be a source's id or name (any letter case): {names or 'none yet'}; not {value!r}"
    )


def _since(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if not value.strip():
        return None
    delta = SINCE.get(value.strip().lower())
    if delta is not None:
        return datetime.now(UTC) - delta
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"search: since must be one of {', '.join(SINCE)} (any letter case) or an ISO 8601 date, not {value!r}"
        ) from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    # A year far outside any desk (0001, 9999 with an offset) would overflow on the way to UTC: no limit.
    return when if 1900 <= when.year <= 2200 else None
