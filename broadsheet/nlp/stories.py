"""Story assignment: each article joins the best recent story or starts one as it arrives, and the
stories around each batch are then re-clustered so that where an article ends up does not depend
on the order articles arrived in.

Stories are centroids (unit vectors plus the length of their sum) in dense matrices over a bounded
window of recent stories. Candidates come from a cheap lexical route: an inverted index from each
story's heaviest terms, plus the stories touched last; only those are scored, so placing an
article costs the same at the hundred-thousandth as at the first. The score mixes lexical
(hashed TF-IDF), name and embedding cosines and a soft time penalty.

Two events of one kind (two data breaches, two fires) share most of their vocabulary; what tells
them apart is who and where: the event's instance. An article's principal names (the most salient
of its capitalised names, by mentions in its headline, lead and body) must appear somewhere in a
story for the article to fit it without a penalty (`instance_penalty`).

The order-independent step, re-clustering a window of articles, is in `recluster.py`; the
principal names in `principal.py`.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field

import numpy as np

from broadsheet.nlp.columns import ColumnMirror, scores_against
from broadsheet.nlp.terms import ENTITY_DIM, LEXICAL_DIM

DAY = 86400.0
# Stories scored against the whole window one by one through the column mirrors up to this many;
# more (a bulk batch's) go through one matrix product, whose cost the rows share.
FEW_ROWS = 16


@dataclass(frozen=True)
class StoryParams:
    """One configuration for every stream (no per-set tuning)."""

    lexical_weight: float = 1.0
    embedding_weight: float = 0.5
    name_weight: float = 0.2
    threshold: float = 0.5  # with an embedding in the score
    lexical_threshold: float = 0.25  # the cheap route: no embedding for this article or index
    time_scale_days: float = 3.0  # gaps shorter than this cost almost nothing
    time_penalty: float = 0.03  # per e-fold of the gap beyond the scale: long stories stay possible
    window_days: float = 90.0  # stories quiet for longer are not candidates
    max_stories: int = 4000  # hard cap on the window, the newest stories win
    # A headline-only item (few distinct terms) scores lower against its own story than a full
    # article does: its threshold is relieved by this much.
    short_terms: int = 15
    short_relief: float = 0.1
    merge_margin: float = 0.35  # two stories this far above the placing threshold become one
    split_margin: float = 0.3  # a story whose two halves score below threshold + this is split
    split_sizes: tuple[int, ...] = (6, 12, 24, 48, 96, 192)  # sizes at which a story is re-examined
    candidates: int = 64  # stories scored per article, found through shared heavy terms (0: all)
    recent: int = 32  # the stories touched last are always candidates
    index_terms: int = 24  # heaviest centroid terms a story is found by
    query_terms: int = 12  # heaviest terms of the article used to look stories up
    # Event instance: an article none of whose principal names any member of a story mentions is
    # about another event of the same kind (another breach, another fire) and pays this share of its
    # placing threshold (a headline alone is not judged so: its capitals are not reliably names).
    instance_penalty: float = 0.3
    principal_names: int = 5
    refine_rounds: int = 6  # re-examination rounds of `recluster`
    refine_margin: float = 0.02  # an article moves when another story fits it better by this much
    storyline_margin: float = 0.1  # stories this far below the placing threshold are still one subject


@dataclass
class Doc:
    """What the index needs about one article."""

    key: str
    lexical: np.ndarray
    names: np.ndarray
    embedding: np.ndarray | None = None
    when: float | None = None  # epoch seconds
    terms: dict[str, float] = field(default_factory=dict)  # TF-IDF weights, for the candidate route
    name_terms: dict[str, float] = field(default_factory=dict)  # TF-IDF weights of its names
    principal_names: tuple[str, ...] | None = None  # who and where it is about (`principal_names()`)

    def principal(self, count: int = 3) -> tuple[str, ...]:
        """Its principal names: given, else its heaviest name weights."""
        if self.principal_names is not None:
            return self.principal_names[:count]
        return tuple(n for n, _ in sorted(self.name_terms.items(), key=lambda kv: (-kv[1], kv[0]))[:count])


@dataclass
class Placement:
    """Where an article went: its story, how well it fitted, and any stories merged into it."""

    story: str
    score: float
    created: bool
    merged: list[str] = field(default_factory=list)
    title_changed: bool = False


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


class StoryIndex:
    """Recent stories' centroids, scored by brute force (numpy) over a bounded window."""

    def __init__(self, params: StoryParams | None = None, embedding_dim: int = 0):
        self.params = params or StoryParams()
        self.embedding_dim = embedding_dim
        self.keys: list[str] = []
        self.slot: dict[str, int] = {}
        capacity = 64
        # Normalised centroids; a centroid's sum is the row times its norm (one matrix per signal).
        self.lex = np.zeros((capacity, LEXICAL_DIM), np.float32)
        self.name = np.zeros((capacity, ENTITY_DIM), np.float32)
        self.emb = np.zeros((capacity, max(1, embedding_dim)), np.float32)
        self.rep = np.zeros((capacity, LEXICAL_DIM), np.float16)  # the representative article's lexical vector
        self.norms = np.zeros((capacity, 3), np.float64)  # lengths of the lex, name and emb sums
        self.size = np.zeros(capacity, np.int64)
        self.first = np.full(capacity, np.nan)
        self.last = np.full(capacity, np.nan)
        self.touched = np.zeros(capacity, np.int64)  # arrival tick of the last update, for the count cap
        self.tick = 0
        self.term_weight: dict[str, Counter] = {}
        self.known: dict[str, Counter] = {}  # names the members mention: member counts
        self.principals: dict[str, Counter] = {}  # the members' principal names: member counts
        self.indexed: dict[str, set[str]] = {}
        self.postings: defaultdict[str, set[str]] = defaultdict(set)
        self.recent: OrderedDict[str, None] = OrderedDict()
        self.mirrors = {name: ColumnMirror() for name in ("lex", "name", "emb")}
        # Each story's scores against the window, kept until a centroid or the window changes: a batch
        # that moved nothing while re-clustering links storylines with the scores it chose neighbours by.
        self.scanned: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def _grow(self) -> None:
        extra = max(1, min(len(self.size), self.params.max_stories - len(self.size)))  # never past the cap
        for name in ("lex", "name", "emb", "rep", "norms", "size", "touched"):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.zeros((extra, *old.shape[1:]), old.dtype)]))
        self.first = np.concatenate([self.first, np.full(extra, np.nan)])
        self.last = np.concatenate([self.last, np.full(extra, np.nan)])

    def candidate_slots(self, doc: Doc) -> np.ndarray:
        """Rows worth scoring: stories sharing the doc's heaviest terms, and the latest touched."""
        n, p = len(self.keys), self.params
        if not p.candidates or n <= p.candidates + p.recent:
            return np.arange(n)
        votes: defaultdict[str, float] = defaultdict(float)
        for term, weight in sorted(doc.terms.items(), key=lambda kv: -kv[1])[: p.query_terms]:
            for key in self.postings.get(term, ()):
                votes[key] += weight
        keys = set(heapq.nlargest(p.candidates, votes, key=votes.__getitem__)) | set(self.recent)  # as most_common
        return np.fromiter((self.slot[k] for k in keys), dtype=np.int64, count=len(keys))

    def scores(self, doc: Doc, slots: np.ndarray | None = None) -> np.ndarray:
        """The doc's score against the stories in `slots` (all by default); -inf outside the window."""
        p = self.params
        slots = np.arange(len(self.keys)) if slots is None else slots
        if len(slots) == 0:
            return np.zeros(0)
        score = p.lexical_weight * (self.lex[slots] @ doc.lexical)
        if p.name_weight and doc.names.any():
            score += p.name_weight * (self.name[slots] @ doc.names)
        if p.embedding_weight and doc.embedding is not None and self.embedding_dim:
            score += p.embedding_weight * (self.emb[slots] @ doc.embedding)
        if doc.when is not None:
            first, last = self.first[slots], self.last[slots]
            gap = np.nan_to_num(np.maximum(doc.when - last, first - doc.when), nan=0.0)
            gap = np.maximum(gap, 0.0) / DAY
            score -= p.time_penalty * np.log1p(np.maximum(gap - p.time_scale_days, 0.0) / p.time_scale_days)
            score[gap > p.window_days] = -np.inf
        if p.instance_penalty and len(doc.terms) >= p.short_terms:
            score -= p.instance_penalty * self.threshold_for(doc) * self.other_instance(doc, slots)
        return score

    def other_instance(self, doc: Doc, slots: np.ndarray) -> np.ndarray:
        """1.0 for each story none of whose members mention any of the doc's principal names."""
        principal = doc.principal(self.params.principal_names)
        if not principal:
            return np.zeros(len(slots))
        known = [self.known.get(self.keys[j]) for j in slots]
        return np.array([float(k is not None and bool(k) and not any(n in k for n in principal)) for k in known])

    def place(self, doc: Doc) -> Placement:
        """Put the doc in its best story (or a new one named after it), merging stories it bridges."""
        self.tick += 1
        slots = self.candidate_slots(doc)
        scores = self.scores(doc, slots)
        threshold = self.threshold_for(doc)
        best = int(np.argmax(scores)) if len(scores) else -1
        if best >= 0 and scores[best] >= threshold:
            key, created, score = self.keys[slots[best]], False, float(scores[best])
        else:
            key, created, score = self.open_story(doc.key), True, 1.0
        bridged = [self.keys[slots[j]] for j in np.flatnonzero(scores >= threshold)] if not created else []
        title_changed = self.add_member(key, doc)
        merged = self._merge_bridged(key, bridged, threshold + self.params.merge_margin)
        return Placement(story=key, score=score, created=created, merged=merged, title_changed=title_changed or created)

    def open_story(self, key: str) -> str:
        """An empty story in the window (evicting the stalest when full, or a stale copy of the key)."""
        if key in self.slot:
            self.evict(key)
        if len(self.keys) >= self.params.max_stories:
            self.evict(self.keys[int(np.argmin(self.touched[: len(self.keys)]))])
        if len(self.keys) == len(self.size):
            self._grow()
        i = len(self.keys)
        self.keys.append(key)
        self.slot[key] = i
        for name in ("lex", "name", "emb", "rep", "norms"):
            getattr(self, name)[i] = 0
        self._written(i)
        self.size[i], self.first[i], self.last[i], self.touched[i] = 0, np.nan, np.nan, self.tick
        self.term_weight[key], self.indexed[key], self.known[key] = Counter(), set(), Counter()
        self.principals[key] = Counter()
        return key

    def _touch(self, key: str) -> None:
        self.recent[key] = None
        self.recent.move_to_end(key)
        while len(self.recent) > self.params.recent:
            self.recent.popitem(last=False)

    def _reindex(self, key: str) -> None:
        """Point the inverted index at the story's current heaviest terms."""
        weights = self.term_weight[key]
        keep = self.params.index_terms
        if len(weights) > 8 * keep:  # bounded memory: light terms never come back into the top
            self.term_weight[key] = weights = Counter(dict(weights.most_common(4 * keep)))
        top = {t for t, _ in weights.most_common(keep)}
        old = self.indexed[key]
        for term in old - top:
            self.postings[term].discard(key)
            if not self.postings[term]:
                del self.postings[term]
        for term in top - old:
            self.postings[term].add(key)
        self.indexed[key] = top

    def add_member(self, key: str, doc: Doc) -> bool:
        """Fold a doc into a story's centroids; True when it becomes the representative headline."""
        i = self.slot[key]
        self._fold(i, doc.lexical, doc.names, doc.embedding if self.embedding_dim else None)
        self.size[i] += 1
        self.touched[i] = self.tick
        self.term_weight[key].update(doc.terms)
        known = self.known[key]
        known.update(doc.name_terms.keys())
        principals = self.principals[key]
        principals.update(doc.principal(self.params.principal_names))
        if len(principals) > 8 * self.params.index_terms:
            self.principals[key] = Counter(dict(principals.most_common(4 * self.params.index_terms)))
        if len(known) > 32 * self.params.index_terms:  # bounded memory: rare names of a long story go
            self.known[key] = Counter(dict(known.most_common(16 * self.params.index_terms)))
        self._reindex(key)
        self._touch(key)
        if doc.when is not None:
            self.first[i] = doc.when if math.isnan(self.first[i]) else min(self.first[i], doc.when)
            self.last[i] = doc.when if math.isnan(self.last[i]) else max(self.last[i], doc.when)
        representative = self.rep[i].astype(np.float32)
        if self.size[i] == 1 or float(doc.lexical @ self.lex[i]) > float(representative @ self.lex[i]):
            self.rep[i] = doc.lexical
            return True
        return False

    def _fold(
        self,
        i: int,
        lex: np.ndarray,
        names: np.ndarray,
        embedding: np.ndarray | None,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    ) -> None:
        """Add vectors (or sums, with their lengths as weights) to row i's centroids."""
        parts = [(self.lex, lex), (self.name, names)] + ([(self.emb, embedding)] if embedding is not None else [])
        for k, ((matrix, vector), weight) in enumerate(zip(parts, weights)):
            total = matrix[i] * self.norms[i, k] + vector * weight
            self.norms[i, k] = float(np.linalg.norm(total))
            matrix[i] = total / self.norms[i, k] if self.norms[i, k] else total
        self._written(i)

    def _written(self, i: int) -> None:
        """Row i of the centroid matrices changed: the column mirrors copy it on their next read."""
        for mirror in self.mirrors.values():
            mirror.mark(i)
        self.scanned.clear()

    def centroid_score(self, a: str, b: str) -> float:
        """How alike two stories are, on the same scale as an article's score."""
        i, j, p = self.slot[a], self.slot[b], self.params
        score = p.lexical_weight * float(self.lex[i] @ self.lex[j])
        if p.name_weight:
            score += p.name_weight * float(self.name[i] @ self.name[j])
        if p.embedding_weight and self.embedding_dim:
            score += p.embedding_weight * float(self.emb[i] @ self.emb[j])
        return score

    def window_scores(self, rows: list[int]) -> np.ndarray:
        """How alike the stories in these slots and every story of the index are, however far apart
        in time (the storyline score: the placing score between centroids, without its time
        penalty): one row of scores per slot."""
        todo = [i for i in dict.fromkeys(rows) if i not in self.scanned]
        if todo:
            self.scanned.update(zip(todo, self._scan(todo)))
        if not rows:
            return np.zeros((0, len(self.keys)), np.float32)
        return np.stack([self.scanned[i] for i in rows])

    def _scan(self, rows: list[int]) -> np.ndarray:
        """`window_scores` computed afresh."""
        n, p = len(self.keys), self.params
        parts = [(p.lexical_weight, "lex"), (p.name_weight, "name")]
        if p.embedding_weight and self.embedding_dim:
            parts.append((p.embedding_weight, "emb"))
        score = np.zeros((len(rows), n), np.float32)
        for weight, name in parts:
            if not weight:
                continue
            matrix = getattr(self, name)
            if len(rows) > FEW_ROWS:
                score += weight * (matrix[rows] @ matrix[:n].T)
                continue
            columns = self.mirrors[name].read(matrix)
            for r, i in enumerate(rows):
                score[r] += weight * scores_against(matrix[i], columns, n)
        return score

    def group_score(self, a: list[str], b: list[str]) -> float:
        """The storyline score between two groups of stories: their article centroids (every
        article counting once), without time."""
        p = self.params
        ia, ib = [self.slot[k] for k in a if k in self.slot], [self.slot[k] for k in b if k in self.slot]
        if not ia or not ib:
            return -np.inf
        parts = [(p.lexical_weight, self.lex, 0), (p.name_weight, self.name, 1)]
        if p.embedding_weight and self.embedding_dim:
            parts.append((p.embedding_weight, self.emb, 2))
        score = 0.0
        for weight, matrix, k in parts:
            sa = _unit((matrix[ia] * self.norms[ia, k][:, None]).sum(0))
            sb = _unit((matrix[ib] * self.norms[ib, k][:, None]).sum(0))
            score += weight * float(sa @ sb)
        return score

    def storyline_threshold(self) -> float:
        """Two stories this alike are one subject: the placing threshold of a full article, less a
        margin, since the stories of a storyline are its different developments."""
        with_embedding = self.embedding_dim and self.params.embedding_weight
        base = self.params.threshold if with_embedding else self.params.lexical_threshold
        return base - self.params.storyline_margin

    def same_subject(self, a: str, b: str) -> bool:
        """Whether two stories are about the same who and where: each mentions one of the other's
        principal names (two breaches at two companies are two storylines). A story of one article
        is not judged so: one article's most salient names are too often a credit or a caption."""
        if min(self.size[self.slot[a]], self.size[self.slot[b]]) < 2:
            return True
        pa, pb = self.story_principal(a), self.story_principal(b)
        if not (pa and pb):
            return True  # nothing to tell them apart by
        return any(n in self.known[b] for n in pa) and any(n in self.known[a] for n in pb)

    def story_principal(self, key: str) -> list[str]:
        """A story's principal names: those most of its articles are about."""
        counts = self.principals.get(key, Counter())
        return [n for n, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.params.principal_names]]

    def threshold_for(self, doc: Doc) -> float:
        """The placing threshold: lower on the cheap route, where the embedding term is missing."""
        with_embedding = doc.embedding is not None and self.embedding_dim and self.params.embedding_weight
        base = self.params.threshold if with_embedding else self.params.lexical_threshold
        return base - (self.params.short_relief if len(doc.terms) < self.params.short_terms else 0.0)

    def _merge_bridged(self, key: str, bridged: list[str], threshold: float) -> list[str]:
        """Stories the new article also fits, and that now look like the same story, are folded in."""
        merged = [
            other
            for other in bridged
            if other != key and other in self.slot and self.centroid_score(key, other) >= threshold
        ]
        for other in merged:
            self.absorb(key, other)
        return merged

    def absorb(self, key: str, other: str) -> None:
        """Fold story `other` into `key` and drop it from the window."""
        i, j = self.slot[key], self.slot[other]
        self._fold(
            i,
            self.lex[j],
            self.name[j],
            self.emb[j] if self.embedding_dim else None,
            (float(self.norms[j, 0]), float(self.norms[j, 1]), float(self.norms[j, 2])),
        )
        self.size[i] += self.size[j]
        self.first[i] = np.fmin(self.first[i], self.first[j])
        self.last[i] = np.fmax(self.last[i], self.last[j])
        self.term_weight[key].update(self.term_weight[other])
        self.known[key].update(self.known.get(other, Counter()))
        self.principals[key].update(self.principals.get(other, Counter()))
        self.evict(other)
        self._reindex(key)

    def evict(self, key: str) -> None:
        """Drop a story from the window (swap-remove keeps the matrices dense)."""
        i = self.slot.pop(key)
        for term in self.indexed.pop(key, set()):
            self.postings[term].discard(key)
            if not self.postings[term]:
                del self.postings[term]
        self.term_weight.pop(key, None)
        self.known.pop(key, None)
        self.principals.pop(key, None)
        self.recent.pop(key, None)
        last = len(self.keys) - 1
        if i != last:
            moved = self.keys[last]
            for name in ("lex", "name", "emb", "rep", "norms", "size", "first", "last", "touched"):
                array = getattr(self, name)
                array[i] = array[last]
            self._written(i)
            self.keys[i] = moved
            self.slot[moved] = i
        self.keys.pop()
        self.scanned.clear()

    def restore(self, key: str, members: list[Doc]) -> str:
        """Rebuild one story from its members; returns its representative article's key."""
        self.open_story(key)
        representative = members[0].key
        for doc in members:
            if self.add_member(key, doc):
                representative = doc.key
        return representative

    def due_for_split(self, key: str, before: int) -> bool:
        """True when a story grew past one of the sizes at which it is re-examined."""
        size = int(self.size[self.slot[key]]) if key in self.slot else 0
        return any(before < mark <= size for mark in self.params.split_sizes)

    def split(self, key: str, members: list[Doc]) -> tuple[list[Doc], list[Doc]] | None:
        """Split a story that has become two (members oldest first): the part holding the article the
        story is named after keeps the key; the other part is returned second (the caller opens it
        under the id of its oldest member)."""
        if not members or key not in self.slot:
            return None
        threshold = self.threshold_for(members[-1]) + self.params.split_margin
        groups = split_groups(members, self.params, self.embedding_dim, threshold)
        if groups is None:
            return None
        first, second = ([members[i] for i in g] for g in groups)
        anchor = next((d for d in members if d.key == key), members[0])  # the story is named after it
        if any(d is anchor for d in second):
            first, second = second, first
        self.evict(key)
        return first, second


def signal_matrices(docs: list[Doc], params: StoryParams, embedding_dim: int) -> list[np.ndarray]:
    """Per-signal matrices of the docs (rows), the embedding one only when every doc has one."""
    parts = [np.stack([d.lexical for d in docs]), np.stack([d.names for d in docs])]
    if embedding_dim and params.embedding_weight and all(d.embedding is not None for d in docs):
        parts.append(np.stack([d.embedding for d in docs if d.embedding is not None]))
    return parts


def _group_score(parts: list[np.ndarray], a: np.ndarray, b: np.ndarray, params: StoryParams) -> float:
    """Centroid score between two groups of rows, on the scale of an article's score."""
    weights = (params.lexical_weight, params.name_weight, params.embedding_weight)
    return float(sum(w * (_unit(m[a].sum(0)) @ _unit(m[b].sum(0))) for w, m in zip(weights, parts)))


def split_groups(
    docs: list[Doc], params: StoryParams, embedding_dim: int, threshold: float, smallest: int = 3
) -> tuple[list[int], list[int]] | None:
    """Two groups of members when a story has grown into two different stories, else None.

    2-means on the combined signals, seeded by the two least alike members; the split stands
    only when both groups are substantial and their centroids score below the placing threshold
    (as groups, they would not have been put together)."""
    if len(docs) < 2 * smallest:
        return None
    parts = signal_matrices(docs, params, embedding_dim)
    weights = (params.lexical_weight, params.name_weight, params.embedding_weight)
    sim = sum(w * (m @ m.T) for w, m in zip(weights, parts))
    a, b = np.unravel_index(int(np.argmin(sim)), sim.shape)
    label = (sim[:, b] > sim[:, a]).astype(int)
    for _ in range(10):
        if label.min() == label.max():
            return None
        to_a = sim[:, label == 0].mean(1)
        to_b = sim[:, label == 1].mean(1)
        new = (to_b > to_a).astype(int)
        if (new == label).all():
            break
        label = new
    first, second = np.flatnonzero(label == 0), np.flatnonzero(label == 1)
    if min(len(first), len(second)) < smallest or _group_score(parts, first, second, params) >= threshold:
        return None
    return first.tolist(), second.tolist()
