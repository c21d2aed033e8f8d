"""Full-text search over readable articles, ranked by relevance and recency, with filters.

SQLite uses FTS5 (bm25, title weighted above body); PostgreSQL uses its text search
(ts_rank_cd over a weighted tsvector). Both are combined with a recency decay so that
today's coverage of a subject outranks last year's. Natural-language queries are also matched
by meaning (sentence embeddings, `semantic.py`) and the two rankings fused by reciprocal rank.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sqlalchemy import Engine, bindparam, select, text

from broadsheet.model import Article
from broadsheet.store.articles import _article
from broadsheet.store.schema import articles
from broadsheet.store.semantic import index_for

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
HALF_LIFE_DAYS = 7.0  # a week-old article counts half as much as today's at equal relevance
CANDIDATES = 200  # best text matches re-ranked by recency


@dataclass
class Hit:
    """One search result: the article, its score and the matched snippet."""

    article: Article
    score: float
    snippet: str = ""


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


STOPWORDS = frozenset("""a about after all also an and any are as at be been but by can could did do does for
from had has have he her his how i if in into is it its may more most no not of on or our she should so than that the
their them then there these they this to was we were what when where which who why will with would you your""".split())


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
        params["since"] = filters.since.astimezone(timezone.utc).replace(tzinfo=None)
    if filters.until is not None:
        clauses.append("a.published_at < :until")
        params["until"] = filters.until.astimezone(timezone.utc).replace(tzinfo=None)
    if filters.section:
        clauses.append("a.section = :section")
        params["section"] = filters.section
    return " AND ".join(clauses)


RECENT_ROWS = 20_000  # searched first: with recency in the ranking, older matches rarely make the page


def _sqlite_candidates(engine: Engine, terms: list[str], filters: SearchFilters) -> list[tuple]:
    """Articles matching all terms, recent ones first; when fewer than a page do, any term, then all time."""
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT coalesce(max(rowid), 0) FROM articles")).scalar()
    for low in ((newest - RECENT_ROWS, 0) if newest > RECENT_ROWS else (0,)):
        found = _sqlite_match(engine, fts5_expression(terms, "AND"), filters, low)
        if len(found) < 20 and len(terms) > 1:
            seen = {row[0] for row in found}
            any_of = fts5_expression(_discriminating(engine, terms, low, newest), "OR")
            found += [r for r in _sqlite_match(engine, any_of, filters, low) if r[0] not in seen]
        if len(found) >= 20:
            break
    return found


def _discriminating(engine: Engine, terms: list[str], low: int, newest: int) -> list[str]:
    """The terms of an any-word query worth ranking on: a word in over half of the searched
    articles says almost nothing about relevance (its IDF is near zero) yet makes the engine score
    every one of them. The rarest terms are kept when all are that common."""
    kept = [t for t in terms if t not in STOPWORDS] or terms
    cap = max(1000, (newest - low) // 2)
    counts = {}
    with engine.connect() as conn:
        for term in kept:
            counts[term] = conn.execute(text("""SELECT count(*) FROM (SELECT rowid FROM articles_fts
                                                WHERE articles_fts MATCH :m AND rowid > :low LIMIT :cap)"""),
                                        {"m": fts5_expression([term]), "low": low, "cap": cap}).scalar()
    rare = [t for t in kept if counts[t] < cap]
    return rare or sorted(kept, key=lambda t: counts[t])[:1]


def _sqlite_match(engine: Engine, match: str, filters: SearchFilters, low_rowid: int = 0) -> list[tuple]:
    params: dict = {"match": match, "limit": CANDIDATES, "low": low_rowid}
    where = _filters_sql(filters, params)
    # No snippet() here: it is costly per row, and only the shown page needs one (made in Python).
    if where == "a.status = 'ok'":
        # Unfiltered: rank inside the full-text index first and join only the best (a join per match
        # costs as much again as the ranking when a common word matches most of the articles).
        params["inner"] = CANDIDATES * 2  # room for matches that are not readable (pending, failed)
        sql = text(f"""SELECT a.id, f.relevance, a.published_at
                       FROM (SELECT rowid, -bm25(articles_fts, 4.0, 1.0) AS relevance FROM articles_fts
                             WHERE articles_fts MATCH :match AND rowid > :low
                             ORDER BY bm25(articles_fts, 4.0, 1.0) LIMIT :inner) AS f
                       JOIN articles a ON a.rowid = f.rowid
                       WHERE {where} ORDER BY f.relevance DESC LIMIT :limit""")
    else:
        sql = text(f"""SELECT a.id, -bm25(articles_fts, 4.0, 1.0) AS relevance, a.published_at
                       FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
                       WHERE articles_fts MATCH :match AND articles_fts.rowid > :low AND {where}
                       ORDER BY bm25(articles_fts, 4.0, 1.0) LIMIT :limit""")
    with engine.connect() as conn:
        return [(row.id, float(row.relevance), _as_utc(row.published_at), "") for row in conn.execute(sql, params)]


def _as_utc(value: object) -> datetime | None:
    """A timestamp read through raw SQL (SQLite gives text) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def make_snippet(text_: str, terms: list[str], words: int = 28) -> str:
    """About `words` words of the text around the first place a query term occurs."""
    tokens = text_.split()
    lowered = [t.lower() for t in tokens]
    at = next((i for i, token in enumerate(lowered) for term in terms if token.startswith(term)), 0)
    start = max(0, at - words // 3)
    piece = " ".join(tokens[start:start + words])
    return ("… " if start else "") + piece + (" …" if start + words < len(tokens) else "")


def _postgres_candidates(engine: Engine, terms: list[str], filters: SearchFilters) -> list[tuple[object, float, str]]:
    # Prefix matches, as SQLite's FTS5 gives them ("harb" finds "harbour").
    params: dict = {"query": " | ".join(f"{t}:*" for t in terms), "limit": CANDIDATES}
    where = _filters_sql(filters, params)
    vector = ("(setweight(to_tsvector('english', coalesce(a.title, '')), 'A') || "
              "setweight(to_tsvector('english', coalesce(a.text, '')), 'B'))")
    sql = text(f"""SELECT a.id, ts_rank_cd({vector}, q) AS relevance, a.published_at,
                          ts_headline('english', a.text, q, 'MaxWords=30, MinWords=15, StartSel="", StopSel=""') AS snippet
                   FROM articles a, to_tsquery('english', :query) q
                   WHERE {vector} @@ q AND {where}
                   ORDER BY relevance DESC LIMIT :limit""")
    with engine.connect() as conn:
        return [(row.id, float(row.relevance), _as_utc(row.published_at), row.snippet or "")
                for row in conn.execute(sql, params)]


QUESTION_WORDS = frozenset("who what when where why how which whose whom is are was were does do did can could "
                           "should will would has have".split())
FUSION_K = 60  # reciprocal rank fusion constant: a rank-1 hit in either list outweighs deep ranks in both


def is_natural_language(query: str) -> bool:
    """A question or a phrase of several words, rather than a keyword or two."""
    terms = query_terms(query)
    return bool(terms) and (terms[0] in QUESTION_WORDS or query.rstrip().endswith("?") or len(terms) >= 4)


def _semantic_candidates(engine: Engine, embed: Callable[[str], np.ndarray], query: str,
                         filters: SearchFilters) -> list[tuple]:
    """(id, cosine, published) of the articles whose embeddings lie nearest the query's, filtered."""
    nearest = index_for(engine).nearest(embed(query), CANDIDATES)
    if not nearest:
        return []
    params: dict = {"ids": [i for i, _ in nearest]}
    sql = text(f"SELECT a.id, a.published_at FROM articles a WHERE a.id IN :ids AND {_filters_sql(filters, params)}"
               ).bindparams(bindparam("ids", expanding=True))
    with engine.connect() as conn:
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
    return sorted(((score * recency_weight(info[i][0], now), i, info[i][1]) for i, score in scores.items()),
                  key=lambda c: (-c[0], c[1]))


def search_articles(engine: Engine, query: str, filters: SearchFilters | None = None, limit: int = 20,
                    offset: int = 0, now: datetime | None = None,
                    embed: Callable[[str], np.ndarray] | None = None) -> list[Hit]:
    """Articles matching the query, best first (relevance x recency). With `embed` (text -> vector),
    natural-language queries are also matched by meaning and the two rankings fused."""
    terms = query_terms(query)
    if not terms:
        return []
    filters = filters or SearchFilters()
    now = now or datetime.now(timezone.utc)
    fetch = _postgres_candidates if engine.dialect.name == "postgresql" else _sqlite_candidates
    candidates = fetch(engine, terms, filters)
    semantic = []
    if embed is not None and is_natural_language(query):
        try:
            semantic = _semantic_candidates(engine, embed, query, filters)
        except Exception:  # the lexical results still stand
            log.exception("search: semantic matching failed for %r", query)
    if semantic:
        ranked = _fused(candidates, semantic, now)
    else:
        ranked = sorted(((relevance * recency_weight(published, now), article_id, snippet)
                         for article_id, relevance, published, snippet in candidates), key=lambda c: (-c[0], c[1]))
    page = ranked[offset:offset + limit]
    with engine.connect() as conn:  # typed rows (aware datetimes, JSON) for the shown page only
        rows = {r.id: _article(r) for r in conn.execute(select(articles).where(articles.c.id.in_([c[1] for c in page])))}
    return [Hit(rows[article_id], score, " ".join((snippet or make_snippet(rows[article_id].text, terms)).split()))
            for score, article_id, snippet in page if article_id in rows]
