"""Related articles: relevant, from the article's story and beyond, diverse, never a copy of it.

Candidates arrive with their vectors; the score mixes embedding and lexical cosines and favours
the article's own story. Selection is greedy with a cap per outlet and one item per group of
copies, so five items are never one outlet's or one wire story's. `excerpt` gives the clean
lead shown under each title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from broadsheet.extract.furniture import is_furniture_line

SAME_STORY_BONUS = 0.25
SAME_STORYLINE_BONUS = 0.15  # an earlier or later development of the same subject, however long ago
FLOOR = 0.35  # below this an item is not related enough to show
PER_SOURCE = 2
COPY_COSINE = 0.92  # lexically this close: a copy the duplicate stage did not link


@dataclass
class Candidate:
    """One article as related-article ranking sees it."""

    key: str
    story: str | None
    group: str  # its first copy's id (its own id when it is an original)
    source: str
    lexical: np.ndarray
    embedding: np.ndarray | None = None
    storyline: str | None = None


class RelatedPool:
    """Candidates stacked once, so ranking many targets against the same pool is a matrix product."""

    def __init__(self, candidates: list[Candidate]):
        self.items = candidates
        self.position = {c.key: i for i, c in enumerate(candidates)}
        self.lexical = np.stack([c.lexical for c in candidates]) if candidates else np.zeros((0, 1), np.float32)
        dims = {len(c.embedding) for c in candidates if c.embedding is not None}
        self.dim = max(dims) if dims else 0
        self.embedding = np.zeros((len(candidates), max(1, self.dim)), np.float32)
        self.has_embedding = np.zeros(len(candidates), bool)
        for i, c in enumerate(candidates):
            if c.embedding is not None and len(c.embedding) == self.dim:
                self.embedding[i], self.has_embedding[i] = c.embedding, True
        codes: dict[str, int] = {"": -1}
        self.stories = np.array([codes.setdefault(c.story or "", len(codes)) for c in candidates], dtype=np.int64)
        lines: dict[str, int] = {"": -1}
        self.lines = np.array(
            [lines.setdefault(c.storyline or c.story or "", len(lines)) for c in candidates], dtype=np.int64
        )
        self.group_codes: dict[str, int] = {}
        self.groups = np.array([self.group_codes.setdefault(c.group, len(self.group_codes)) for c in candidates])

    def relevance(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score with same-story bonus, lexical cosine) of every candidate to each row (one product)."""
        lex = self.lexical[rows] @ self.lexical.T
        score = lex
        if self.dim:
            emb = self.embedding[rows] @ self.embedding.T
            both = self.has_embedding[rows][:, None] & self.has_embedding[None, :]
            score = np.where(both, 0.5 * lex + 0.5 * emb, lex)
        stories, lines = self.stories[rows], self.lines[rows]
        same = (stories[:, None] == self.stories[None, :]) & (stories[:, None] >= 0)
        same_line = (lines[:, None] == self.lines[None, :]) & (lines[:, None] >= 0) & ~same
        return score + SAME_STORY_BONUS * same + SAME_STORYLINE_BONUS * same_line, lex

    def rank_many(
        self, keys: list[str], allowed: np.ndarray | None = None, limit: int = 5, chunk: int = 256
    ) -> dict[str, list[str]]:
        """Related ids for several pool members; `allowed` is a (len(keys), pool) mask or None."""
        out: dict[str, list[str]] = {}
        for start in range(0, len(keys), chunk):
            part = keys[start : start + chunk]
            rows = np.array([self.position[k] for k in part])
            scores, closeness = self.relevance(rows)
            for r, key in enumerate(part):
                mask = None if allowed is None else allowed[start + r]
                out[key] = self._select(rows[r], scores[r], closeness[r], mask, limit)
        return out

    def rank(self, key: str, allowed: np.ndarray | None = None, limit: int = 5) -> list[str]:
        """Ids of the best related articles for one member of the pool, most related first."""
        return self.rank_many([key], None if allowed is None else allowed[None, :], limit)[key]

    def _select(
        self, i: int, scores: np.ndarray, closeness: np.ndarray, allowed: np.ndarray | None, limit: int
    ) -> list[str]:
        target = self.items[i]
        own = {self.group_codes[target.group], self.group_codes.get(target.key, -1)}
        keep = scores >= FLOOR
        if allowed is not None:
            keep &= allowed
        top = np.flatnonzero(keep)
        top = top[~np.isin(self.groups[top], list(own))]
        if len(top) > limit * 20:
            top = top[np.argpartition(-scores[top], limit * 20)[: limit * 20]]
        chosen: list[str] = []
        per_source: dict[str, int] = {}
        groups: set[str] = set()
        for j in top[np.argsort(-scores[top], kind="stable")]:
            if len(chosen) >= limit:
                break
            item = self.items[j]
            if item.group in groups or closeness[j] >= COPY_COSINE:
                continue
            if item.source and per_source.get(item.source, 0) >= PER_SOURCE:
                continue
            chosen.append(item.key)
            groups.add(item.group)
            per_source[item.source] = per_source.get(item.source, 0) + 1
        return chosen


def rank_related(target: Candidate, candidates: list[Candidate], limit: int = 5) -> list[str]:
    """Ids of the best related articles among candidates, most related first."""
    pool = RelatedPool([target] + [c for c in candidates if c.key != target.key])
    return pool.rank(target.key, limit=limit)


_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")


def _comparable(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _is_prose(line: str, title: str, comparable_title: str | None = None) -> bool:
    """A real sentence of the article: not its headline again, a dateline, a byline or furniture.
    `comparable_title`: _comparable(title), when the caller tests many lines against one title."""
    if len(line) < 50 or is_furniture_line(line) or line.count("|") >= 1:
        return False
    letters = sum(map(str.isalpha, line))  # map: a third of the generator's time on a long lead
    if title:
        comparable_title = _comparable(title) if comparable_title is None else comparable_title
        # Every letter stays a word character in _comparable, so a line with more letters than the
        # comparable title has characters cannot equal it: most lines skip the comparison.
        if letters <= len(comparable_title) and _comparable(line) == comparable_title:
            return False
    return letters / max(1, len(line)) > 0.6 and " " in line and any(ch.islower() for ch in line)


def excerpt(title: str, text: str, limit: int = 220) -> str:
    """The lead of an article as clean prose, cut at a word boundary."""
    prose: list[str] = []
    length, comparable_title = -1, _comparable(title) if title else ""
    # Lines as str.split gives them (a regex split of the whole text cost half of an excerpt); empty
    # ones are skipped below, as "\n+" would have. Read only as far as the lead: pages list five.
    for raw in (text or "").split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line and _is_prose(line, title, comparable_title):
            prose.append(line)
            length += len(line) + 1
            if length > limit:
                break
    lead = " ".join(prose)
    if len(lead) <= limit:
        return lead
    cut = lead[:limit].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"
