"""The understand stage: duplicates, stories and the vectors behind related articles.

Runs on each newly stored batch, in arrival order, inside the batch's own transaction, so a
batch is stored and understood together or not at all. Idempotent: an article that already
has a story is left alone. The online state (document frequencies, recent story centroids,
recent fingerprints, storylines) lives in memory per database and is rebuilt from the store when
another writer moved it on. Each article is placed online; then the batch's stories and their
neighbours (a bounded window) are clustered again in publication order, so that the stories do not
depend on the order articles arrived in, and the touched stories are linked into storylines.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, Engine, Row, select

from broadsheet.config import load_config
from broadsheet.context import current
from broadsheet.model import Article
from broadsheet.nlp import terms as lexical
from broadsheet.nlp.dedup import DuplicateIndex, Fingerprint, fingerprint
from broadsheet.nlp.embed import Embedder, embedding_text, load_embedder
from broadsheet.nlp.principal import name_mentions, principal_names
from broadsheet.nlp.recluster import recluster
from broadsheet.nlp.stories import Doc, StoryIndex, StoryParams
from broadsheet.store import stories as story_store
from broadsheet.store.schema import articles

log = logging.getLogger(__name__)
REBUILD_ARTICLES = 20_000  # newest placed articles read back to rebuild story centroids
REBUILD_TEXTS = 5_000  # newest originals re-fingerprinted for near-duplicate search
BACKLOG = 500  # unplaced older articles (stored before this stage existed) taken along with each batch
NAME_PREFIX = "@"  # names share the term_stats table with words
WINDOW_ARTICLES = 4000  # articles re-clustered after a batch: its stories and their neighbours, at most
NEIGHBOUR_SHARE = 0.5  # a story scoring this share of the placing threshold with a touched one is a neighbour


@dataclass
class UnderstandReport:
    """What one run of the stage did."""

    placed: int = 0
    duplicates: int = 0
    new_stories: int = 0
    merged: int = 0
    split: int = 0
    errors: list[str] = field(default_factory=list)


def vectors_of(terms: dict, vector: bytes | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Dense lexical, name and embedding vectors from what is stored per article."""
    lex = lexical.hashed(terms.get("w", {}))
    names = lexical.hashed(terms.get("n", {}), lexical.ENTITY_DIM)
    embedding = np.frombuffer(vector, dtype=np.float16).astype(np.float32) if vector else None
    return lex, names, embedding


def stored_terms(
    counts: Counter, mentions: Counter, weights: dict, name_weights: dict, principal: tuple[str, ...]
) -> dict:
    """What is kept per article: the heaviest weights (to rebuild vectors as they were) and their raw
    counts (to weigh them again with today's document frequencies, whatever the arrival order)."""
    words, names = lexical.top_terms(weights), lexical.top_terms(name_weights, 24)
    return {
        "w": words,
        "n": names,
        "c": {t: counts[t] for t in words},
        "m": {n: mentions[n] for n in names},
        "p": list(principal),
    }


def _epoch(when) -> float | None:
    return when.timestamp() if when is not None else None


@dataclass
class _Batch:
    """What placing one batch works with, from the copy check to the stored rows."""

    items: list[Article]  # in arrival order
    prints: dict[str, Fingerprint]
    ids: set[str]
    original_of: dict[str, str] = field(default_factory=dict)  # copy -> its first copy
    replaces: dict[str, str] = field(default_factory=dict)  # a late-arriving earlier copy -> the stored one
    embeddings: dict[str, np.ndarray | None] = field(default_factory=dict)
    stored: dict[str, Row] = field(default_factory=dict)  # first copies stored by earlier batches
    story_of: dict[str, str] = field(default_factory=dict)
    signals: dict[str, tuple[Counter, Counter]] = field(default_factory=dict)
    df_added: Counter = field(default_factory=Counter)
    redirect: dict[str, str] = field(default_factory=dict)  # merged story -> the story it went into
    merges: list[tuple[str, str]] = field(default_factory=list)

    def displace(self, first: str, earlier: str) -> None:
        """`earlier` was published before `first` and takes its place as the first copy."""
        if first not in self.ids:
            self.replaces[earlier] = first
            return
        for copy, original in list(self.original_of.items()):
            if original == first:
                self.original_of[copy] = earlier
        self.original_of[first] = earlier
        if first in self.replaces:  # it had itself displaced a stored copy: that passes on too
            self.replaces[earlier] = self.replaces.pop(first)


class Understander:
    """Online state for one database: document frequencies, story index, duplicate index."""

    def __init__(self, embedder: Embedder, params: StoryParams | None = None):
        self.embedder, self.params = embedder, params or StoryParams()
        self.batches = -1.0  # the store's batch counter this state matches (-1: rebuild first)
        self.lock = threading.Lock()
        self.seconds = 0.0  # time spent in the stage by this process (benchmarks read it)
        self.totals = UnderstandReport()  # what this process's runs did, added up

    # --- rebuilding from the store ------------------------------------------------------------
    def rebuild(self, conn: Connection) -> None:
        """Load the state back from the store (at start, or after another writer)."""
        state = story_store.read_state(conn)
        self.documents = int(state.get("documents", 0))
        self.df: Counter = Counter(story_store.read_term_stats(conn))
        self.index = StoryIndex(self.params, self.embedder.dim)
        self.rep_of: dict[str, str] = {}
        self.duplicates = DuplicateIndex()
        placed = [item for item in story_store.recent_understood(conn, REBUILD_ARTICLES) if item.duplicate_of is None]
        last_seen = {item.story_id: item.arrival for item in placed}
        kept = set(sorted(last_seen, key=last_seen.__getitem__)[-self.params.max_stories :])
        for item in placed:  # arrival order, so "recently touched" means what it meant before
            if item.story_id not in kept:
                continue
            if item.story_id not in self.index.slot:
                self.index.open_story(item.story_id)
            self.index.tick += 1
            if self.index.add_member(item.story_id, self._doc(item)):
                self.rep_of[item.story_id] = item.id
        for article_id, title, text, published in story_store.recent_texts(conn, REBUILD_TEXTS):
            self.duplicates.add(article_id, fingerprint(title, text), _epoch(published))
        self.line_of: dict[str, str] = {}
        self.line_members: defaultdict[str, set[str]] = defaultdict(set)
        for story, line in story_store.storylines_of(conn, self.index.keys).items():
            self._set_line(story, line)
        self.batches = state.get("batches", 0.0)

    def ensure_current(self, conn: Connection) -> None:
        """Rebuild when the store's batch counter is not the one this state last wrote."""
        if story_store.read_state(conn).get("batches", 0.0) != self.batches:
            self.rebuild(conn)

    # --- one batch ------------------------------------------------------------------------------
    def understand(
        self,
        conn: Connection,
        batch: list[Article],
        items: list[Article] | None = None,
        prints: dict[str, Fingerprint] | None = None,
    ) -> UnderstandReport:
        """Place every unplaced article of the batch, in arrival order, inside the caller's transaction,
        with the backlog (`to_place`; `items` when the caller has read it already, and `prints` their
        fingerprints when it has taken them, see likely_copies)."""
        with self.lock:
            started = time.perf_counter()
            try:
                self.ensure_current(conn)
                return self._understand(conn, to_place(conn, batch) if items is None else items, prints or {})
            except Exception:
                self.batches = -1.0  # the transaction will roll back: memory must not keep its effects
                raise
            finally:
                self.seconds += time.perf_counter() - started

    def _embed(self, conn: Connection, items: list[Article], report: UnderstandReport) -> list[np.ndarray | None]:
        if not self.embedder.dim or not items:
            return [None] * len(items)
        ready = self.stored_vectors(conn, [a.id for a in items])  # made by embed jobs ahead of placement
        todo = [a for a in items if a.id not in ready]
        try:
            ready.update(zip((a.id for a in todo), self.encode(todo)))
        except Exception as exc:  # the model failing must not lose the batch: lexical signals remain
            report.errors.append(f"understand: embeddings failed for a batch ({exc})")
            log.warning("understand: embeddings failed for %d articles: %s", len(todo), exc)
        return [ready.get(a.id) for a in items]

    def encode(self, items: list[Article]) -> list[np.ndarray]:
        """The embeddings placement compares articles by."""
        return list(self.embedder.encode([embedding_text(a.title, a.text) for a in items])) if items else []

    def stored_vectors(self, conn: Connection, ids: list[str]) -> dict[str, np.ndarray]:
        """Embeddings stored for unplaced articles, when they come from this embedder (same size)."""
        found = {key: vectors_of({}, blob)[2] for key, blob in story_store.unplaced_vectors(conn, ids).items()}
        return {key: v for key, v in found.items() if v is not None and len(v) == self.embedder.dim}

    def likely_copies(self, conn: Connection, items: list[Article]) -> tuple[set[str], dict[str, Fingerprint]]:
        """The items placing them now would most likely find to be copies, and every item's fingerprint.

        Read only: the batch's first copies go to an index of its own, the shared one is not touched.
        A guess, not a decision: another writer may place first, and a copy published earlier than
        its original takes its place; whoever uses it must check what placement stored."""
        with self.lock:
            try:
                self.ensure_current(conn)  # the state placing will start from (a rebuild is not done twice)
            except Exception:
                self.batches = -1.0
                raise
            prints = {a.id: fingerprint(a.title, a.text) for a in items}
            firsts = DuplicateIndex()
            copies = set()
            for article in items:
                found = self.duplicates.find(prints[article.id]) or firsts.find(prints[article.id])
                when = _epoch(article.published_at)
                if found is None or _earlier(when, self.duplicates.when.get(found[0], firsts.when.get(found[0]))):
                    firsts.add(article.id, prints[article.id], when)
                else:
                    copies.add(article.id)
            return copies, prints

    def _understand(self, conn: Connection, items: list[Article], prints: dict[str, Fingerprint]) -> UnderstandReport:
        report = UnderstandReport()
        if not items:
            return report
        batch = self._match_copies(items, prints)
        originals = [a for a in items if a.id not in batch.original_of and a.id not in batch.replaces]
        batch.embeddings = dict(zip((a.id for a in originals), self._embed(conn, originals, report)))
        batch.stored = self._stored_originals(
            conn, (set(batch.original_of.values()) | set(batch.replaces.values())) - batch.ids
        )
        batch.story_of = {key: row.story_id for key, row in batch.stored.items()}
        batch.signals = self._count_batch(originals, batch.df_added)
        rows, sizes_before = self._decide(batch, report)
        touched = self._write(conn, batch, rows)
        touched |= self._consolidate(conn, touched, report)
        touched |= self._split_grown(conn, touched & set(self.index.slot), sizes_before, report)
        story_store.refresh_stories(conn, touched, {s: self.rep_of[s] for s in touched if s in self.rep_of})
        self._link_storylines(conn, touched)
        story_store.add_term_stats(conn, dict(batch.df_added))
        self.batches += 1
        story_store.write_state(conn, {"documents": float(self.documents), "batches": self.batches})
        for name in ("placed", "duplicates", "new_stories", "merged", "split"):
            setattr(self.totals, name, getattr(self.totals, name) + getattr(report, name))
        return report

    def _match_copies(self, items: list[Article], prints: dict[str, Fingerprint]) -> _Batch:
        """Each article's copy status against every text seen: first copy, copy of a first copy, or an
        earlier-published copy arriving late, which becomes the first copy in its place. `prints`
        holds fingerprints already taken (likely_copies); the others are taken here."""
        taken = {a.id: prints.get(a.id) or fingerprint(a.title, a.text) for a in items}
        batch = _Batch(items, taken, {a.id for a in items})
        for article in items:
            print_ = batch.prints[article.id]
            found = self.duplicates.find(print_)
            when = _epoch(article.published_at)
            if found is None:
                self.duplicates.add(article.id, print_, when)
            elif not _earlier(when, self.duplicates.when.get(found[0])):
                batch.original_of[article.id] = found[0]
            else:
                self.duplicates.replace(found[0], article.id, print_, when)
                batch.displace(found[0], article.id)
        return batch

    def _decide(self, batch: _Batch, report: UnderstandReport) -> tuple[list[dict], dict[str, int]]:
        """A row per article that could be placed, and each touched story's size before the batch."""
        rows: list[dict] = []
        sizes_before: dict[str, int] = {}
        # First copies before copies; a batch's first copies in publication order (fetches finish in any order).
        original_of = batch.original_of
        order = sorted(batch.items, key=lambda a: (a.id in original_of, _epoch(a.published_at or a.fetched_at) or 0.0))
        for article in order:
            try:
                if article.id in batch.replaces:
                    row = self._take_over(article, batch.stored[batch.replaces[article.id]], batch.story_of, report)
                elif article.id in original_of:
                    row = self._follow(article, batch, report)
                else:
                    row = self._place(article, batch, report)
            except Exception as exc:  # one article failing never aborts the batch; it is retried later
                report.errors.append(f"understand: article {article.id}: {exc}")
                log.warning("understand: article %s: %s", article.id, exc)
                continue
            row["content_hash"] = batch.prints[article.id].content_hash
            rows.append(row)
            sizes_before.setdefault(row["story_id"], row.pop("size_before"))
        return rows, sizes_before

    def _write(self, conn: Connection, batch: _Batch, rows: list[dict]) -> set[str]:
        """Store the batch's decisions and the merges they caused; returns the stories touched."""
        for row in rows:
            row["story_id"] = _resolve(batch.redirect, row["story_id"])
        story_store.save_understanding(conn, rows)
        for new, old in batch.replaces.items():
            story_store.relink_copies(conn, old, new)
        for into, other in batch.merges:
            story_store.merge_story(conn, _resolve(batch.redirect, into), other)
        return {row["story_id"] for row in rows}

    def _stored_originals(self, conn: Connection, ids: set[str]) -> dict:
        """Story, terms and vector of first copies stored by earlier batches."""
        if not ids:
            return {}
        rows = conn.execute(
            select(articles.c.id, articles.c.story_id, articles.c.terms, articles.c.vector).where(
                articles.c.id.in_(list(ids))
            )
        ).all()
        return {r.id: r for r in rows if r.story_id}

    def _take_over(self, article: Article, old: Row, story_of: dict[str, str], report: UnderstandReport) -> dict:
        """An earlier-published copy arriving late takes the stored first copy's place in its story."""
        story_of[article.id] = old.story_id
        report.duplicates += 1  # the stored copy becomes a duplicate
        return {
            "id": article.id,
            "story_id": old.story_id,
            "duplicate_of": None,
            "terms": old.terms,
            "vector": old.vector,
            "size_before": self._size(old.story_id),
        }

    def _follow(self, article: Article, batch: _Batch, report: UnderstandReport) -> dict:
        """A copy follows its original's story."""
        original = batch.original_of[article.id]
        story = _resolve(batch.redirect, batch.story_of.get(original, original))
        batch.story_of[article.id] = story
        report.duplicates += 1
        return {
            "id": article.id,
            "story_id": story,
            "duplicate_of": original,
            "terms": {},
            "vector": None,
            "size_before": self._size(story),
        }

    def _place(self, article: Article, batch: _Batch, report: UnderstandReport) -> dict:
        """An original is placed online: into the story it fits, or a story of its own."""
        counts, mentions = batch.signals[article.id]
        weights, name_weights, principal = self._weigh(counts, mentions)
        embedding = batch.embeddings.get(article.id)
        doc = Doc(
            article.id,
            lexical.hashed(weights),
            lexical.hashed(name_weights, lexical.ENTITY_DIM),
            embedding,
            _epoch(article.published_at or article.fetched_at),
            weights,
            lexical.top_terms(name_weights, 24),
            principal,
        )
        placement = self.index.place(doc)
        if placement.title_changed:
            self.rep_of[placement.story] = article.id
        for other in placement.merged:
            batch.redirect[other] = placement.story
            batch.merges.append((placement.story, other))
            self.rep_of.pop(other, None)
            report.merged += 1
        batch.story_of[article.id] = placement.story
        report.placed += 1
        report.new_stories += placement.created
        return {
            "id": article.id,
            "story_id": placement.story,
            "duplicate_of": None,
            "size_before": self._size(placement.story) - 1,
            "terms": stored_terms(counts, mentions, weights, name_weights, principal),
            "vector": embedding.astype(np.float16).tobytes() if embedding is not None else None,
        }

    def _count_batch(self, originals: list[Article], df_added: Counter) -> dict[str, tuple[Counter, Counter]]:
        """Words and names of the batch's first copies, counted into the document frequencies before
        any is weighed, so that the order of a batch changes no weight."""
        signals = {}
        for article in originals:
            counts, mentions = (
                lexical.term_counts(article.title, article.text),
                name_mentions(article.title, article.text),
            )
            new_terms = list(counts) + [NAME_PREFIX + n for n in mentions]
            lexical.update_counts(self.df, new_terms)
            df_added.update(new_terms)
            self.documents += 1
            signals[article.id] = (counts, mentions)
        return signals

    def _weigh(self, counts: dict, mentions: dict) -> tuple[dict, dict, tuple[str, ...]]:
        """TF-IDF weights of words and names, and the principal names, with today's frequencies."""
        weights = lexical.tfidf(counts, self.df, self.documents)
        prefixed = {NAME_PREFIX + n: c for n, c in mentions.items()}
        name_weights = {k[len(NAME_PREFIX) :]: v for k, v in lexical.tfidf(prefixed, self.df, self.documents).items()}
        name_df = {n: self.df.get(NAME_PREFIX + n, 0) for n in mentions}
        principal = principal_names(Counter(mentions), name_df, self.documents, self.params.principal_names)
        return weights, name_weights, principal

    def _size(self, story: str) -> int:
        return int(self.index.size[self.index.slot[story]]) if story in self.index.slot else 0

    # --- order-independent re-clustering ----------------------------------------------------------
    def _neighbourhood(self, touched: set[str]) -> list[str]:
        """The touched stories and the stories near them (no matter how far back), newest touched
        first, up to WINDOW_ARTICLES articles: the window re-clustered after a batch."""
        index, p = self.index, self.params
        present = [s for s in touched if s in index.slot]
        if not present:
            return []
        best = index.window_scores([index.slot[s] for s in present]).max(0)
        floor = p.threshold if self.embedder.dim and p.embedding_weight else p.lexical_threshold
        chosen = sorted(present, key=lambda s: -index.touched[index.slot[s]])
        chosen += [index.keys[j] for j in nearest(best, NEIGHBOUR_SHARE * floor) if index.keys[j] not in touched]
        window: list[str] = []
        total = 0
        for story in chosen:
            total += int(index.size[index.slot[story]])
            if total > WINDOW_ARTICLES and window:
                break
            window.append(story)
        return window

    def _consolidate(self, conn: Connection, touched: set[str], report: UnderstandReport) -> set[str]:
        """Cluster the batch's stories and their neighbours again, independently of arrival order, and
        move what moved: articles change story, stories emptied redirect to where most of theirs went,
        new groups open under their oldest article's id. Returns the story ids to refresh."""
        window = self._neighbourhood(touched)
        if not window:
            return set()
        members = story_store.members_of_stories(conn, window)
        items = [u for story in window for u in members.get(story, [])]
        if len(items) < 2:
            return set()
        docs = [self._doc(u, reweigh=True) for u in items]
        groups = [[items[i] for i in g] for g in recluster(docs, self.params, self.embedder.dim)]
        current = {u.id: u.story_id for u in items}
        names = _name_groups(groups, current, set(window))
        changed = self._move_groups(conn, groups, names, current, report)
        report.split += sum(1 for story in names if story not in current.values())
        if not changed:
            return set()
        for story in window:
            if story in self.index.slot:
                self.index.evict(story)
            self.rep_of.pop(story, None)
        for group, story in zip(groups, names):
            self.rep_of[story] = self.index.restore(story, [self._doc(u) for u in group])
        return changed | set(names)

    def _move_groups(
        self,
        conn: Connection,
        groups: list[list[story_store.Understood]],
        names: list[str],
        current: dict[str, str],
        report: UnderstandReport,
    ) -> set[str]:
        """Move each group's members into the group's story; a story left empty redirects to where
        most of its articles went. Returns the stories that changed."""
        moved_from: dict[str, Counter] = {}
        changed: set[str] = set()
        for group, story in zip(groups, names):
            movers = [u.id for u in group if current[u.id] != story]
            if movers:
                story_store.move_articles(conn, movers, story)
                changed.add(story)
                for mover in movers:
                    moved_from.setdefault(current[mover], Counter())[story] += 1
        for story, where in moved_from.items():
            changed.add(story)
            if story not in names and story_store.story_size(conn, story) == 0:
                story_store.merge_story(conn, where.most_common(1)[0][0], story)
                report.merged += 1
        return changed

    # --- storylines -------------------------------------------------------------------------------
    def _link_storylines(self, conn: Connection, stories: set[str]) -> None:
        """Join each touched story's storyline to the storyline most like it at any distance in time,
        when the two, taken whole, would be one story but for the time between them (a margin
        below the placing threshold: a storyline's stories are its different developments)."""
        index = self.index
        threshold = index.storyline_threshold()
        linked = sorted(s for s in stories if s in index.slot)
        # Joining storylines moves no centroid: every story's scores are taken at once, in one product
        # when a bulk batch touched many.
        every = index.window_scores([index.slot[s] for s in linked])
        for story, scores in zip(linked, every):
            line = self._line(story)
            scores[index.slot[story]] = -np.inf
            near = [index.keys[j] for j in nearest(scores, threshold)[:8]]
            lines = [other for other in dict.fromkeys(self._line(k) for k in near) if other != line]
            mine = self._line_stories(line)
            scored = [
                (index.group_score(mine, self._line_stories(other)), other)
                for other in lines
                if any(index.same_subject(story, k) for k in near if self.line_of.get(k) == other)
            ]
            if not scored or max(scored)[0] < threshold:
                continue
            other_line = max(scored)[1]
            theirs = self._line_stories(other_line)
            older = min(index.first[index.slot[k]] for k in theirs) < min(index.first[index.slot[k]] for k in mine)
            keep, drop = (other_line, line) if older else (line, other_line)  # the older storyline keeps its id
            story_store.join_storylines(conn, keep, drop)
            for member in list(self.line_members.get(drop, ())):
                self._set_line(member, keep)
        if len(self.line_of) > 2 * self.params.max_stories:  # stories gone from the index are forgotten
            for story in [s for s in self.line_of if s not in index.slot]:
                self.line_members[self.line_of.pop(story)].discard(story)

    def _line(self, story: str) -> str:
        """A story's storyline (a story nobody linked yet is its own)."""
        if story not in self.line_of:
            self._set_line(story, story)
        return self.line_of[story]

    def _set_line(self, story: str, line: str) -> None:
        old = self.line_of.get(story)
        if old is not None:
            self.line_members[old].discard(story)
            if not self.line_members[old]:
                del self.line_members[old]
        self.line_of[story] = line
        self.line_members[line].add(story)

    def _line_stories(self, line: str) -> list[str]:
        """The stories of a storyline still in the index."""
        return sorted(k for k in self.line_members.get(line, ()) if k in self.index.slot)

    def _split_grown(
        self, conn: Connection, touched: set[str], sizes_before: dict[str, int], report: UnderstandReport
    ) -> set[str]:
        """Re-examine stories that grew past a checkpoint; split those that became two. Returns new ids."""
        created: set[str] = set()
        for story in sorted(touched):
            if not self.index.due_for_split(story, sizes_before.get(story, 0)):
                continue
            members = [self._doc(u) for u in story_store.story_members(conn, story)]
            parts = self.index.split(story, members)
            if parts is None:
                continue
            kept, moved = parts
            self.rep_of[story] = self.index.restore(story, kept)
            new_id = moved[0].key
            self.rep_of[new_id] = self.index.restore(new_id, moved)
            story_store.move_articles(conn, [d.key for d in moved], new_id)
            created.add(new_id)
            report.split += 1
        return created

    def _doc(self, item: story_store.Understood, reweigh: bool = False) -> Doc:
        """An article as the story index sees it; `reweigh` weighs its stored counts with today's
        document frequencies (articles stored before counts were kept keep their weights)."""
        terms = item.terms
        embedding = vectors_of({}, item.vector)[2]
        if self.embedder.dim and (embedding is None or len(embedding) != self.embedder.dim):
            embedding = None
        principal: tuple[str, ...] | None
        if reweigh and "c" in terms:
            weights, name_weights, principal = self._weigh(terms["c"], terms.get("m", {}))
        else:
            weights, name_weights = terms.get("w", {}), terms.get("n", {})
            principal = tuple(terms["p"]) if "p" in terms else None
        return Doc(
            item.id,
            lexical.hashed(weights),
            lexical.hashed(name_weights, lexical.ENTITY_DIM),
            embedding,
            _epoch(item.when),
            weights,
            name_weights,
            principal,
        )


def _earlier(when: float | None, other: float | None) -> bool:
    """Published clearly before the other copy: a minute or more, or a day when either time is a bare
    date (midnight exactly), since many pages state only the day (a bare date loses a same-day tie)."""
    if when is None or other is None:
        return False
    if when % 86400 == 0 or other % 86400 == 0:
        if when // 86400 == other // 86400:  # same day: the copy with a real time is taken as first
            return other % 86400 == 0 and when % 86400 != 0
        return when // 86400 < other // 86400
    return when < other - 60.0


def _name_groups(groups: list[list[story_store.Understood]], current: dict[str, str], window: set[str]) -> list[str]:
    """A story id for each re-clustered group: the window story most of its members were in (each
    id going to one group, biggest overlaps first), else the id of its oldest member."""
    overlaps = sorted(
        (
            (count, -g, story)
            for g, group in enumerate(groups)
            for story, count in Counter(current[u.id] for u in group).items()
        ),
        reverse=True,
    )
    names: dict[int, str] = {}
    used: set[str] = set()
    for _, g, story in overlaps:
        if -g not in names and story not in used:
            names[-g] = story
            used.add(story)
    for g, group in enumerate(groups):
        if g not in names:
            free = [u.id for u in group if u.id not in used and u.id not in window]
            # Every member's id taken (its founder stays the name of the story it left): a derived id.
            names[g] = free[0] if free else hashlib.sha256(f"story:{group[0].id}".encode()).hexdigest()[:32]
            used.add(names[g])
    return [names[g] for g in range(len(groups))]


def nearest(scores: np.ndarray, floor: float) -> np.ndarray:
    """Positions of the scores at or above `floor`, highest first (equal scores by position). Only
    those are sorted: sorting a whole window of stories cost as much as scoring it."""
    above = np.flatnonzero(scores >= floor)
    return above[np.argsort(-scores[above], kind="stable")]


def _resolve(redirect: dict[str, str], story: str) -> str:
    seen = set()
    while story in redirect and story not in seen:
        seen.add(story)
        story = redirect[story]
    return story


def configure(engine: Engine, embedder: Embedder | None = None, params: StoryParams | None = None) -> Understander:
    """Install the stage's state for a database with a chosen embedder (tests, benchmarks, CLI)."""
    understander = Understander(embedder or load_embedder(load_config().embeddings), params)
    return current().put("understander", str(engine.url), understander)


def understander_for(engine: Engine) -> Understander:
    """The stage's state for a database, created on first use with the configured embedder."""
    return current().shared(
        "understander", str(engine.url), lambda: Understander(load_embedder(load_config().embeddings))
    )


def embed_ahead(engine: Engine, ids: list[str]) -> int:
    """Embed stored articles before their placement and keep the vectors, so that the one serialised
    step (placement) only reads them: with a job engine this runs in parallel on every worker."""
    understander = understander_for(engine)
    if not understander.embedder.dim:
        return 0
    with engine.connect() as conn:
        todo = [a for a in story_store.unplaced(conn, ids) if a.id not in understander.stored_vectors(conn, ids)]
    vectors = understander.encode(todo)  # outside any transaction: encoding takes a while
    with engine.begin() as conn:
        return story_store.keep_unplaced_vectors(
            conn, {a.id: v.astype(np.float16).tobytes() for a, v in zip(todo, vectors)}
        )


def understand_batch(
    engine: Engine,
    conn: Connection,
    batch: list[Article],
    items: list[Article] | None = None,
    prints: dict[str, Fingerprint] | None = None,
) -> UnderstandReport:
    """Run the stage on a freshly stored batch inside its transaction (the pipeline's hook); `items`
    is `to_place(conn, batch)` when the caller has read it, `prints` their fingerprints when taken."""
    return understander_for(engine).understand(conn, batch, items, prints)


def to_place(conn: Connection, batch: list[Article]) -> list[Article]:
    """What placing this batch places, in arrival order: the batch's unplaced articles and the oldest
    ones never placed (BACKLOG: stored by a killed pass, or before the stage existed), so that
    articles are always placed oldest first."""
    items = {a.id: a for a in story_store.unplaced_backlog(conn, BACKLOG)}
    items.update((a.id, a) for a in story_store.unplaced(conn, [a.id for a in batch]))
    return sorted(items.values(), key=lambda a: a.arrival or 0)
