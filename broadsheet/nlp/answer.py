"""Questions answered from a story's sources: the sentence that answers, with its citation, or an
honest "the sources do not say".

Every sentence of the story's distinct sources is a candidate. A question is scored against each
with lexical evidence (BM25 over sentences and over whole articles, the share of the question's
IDF-weighted words a sentence and its neighbours hold, shared word pairs) and, when the MiniLM
model is on, embedding evidence (sentence cosine, the cosine of the sentence read after the one
before it, so that "it" carries what it points to, and how well each informative word piece of the
question is matched in the sentence, its neighbours and its article; see `answer_vectors`). The
expected kind of answer guides the choice: a "how many" question wants a sentence holding a figure
the question does not already hold, "when" a date, "who" and "where" a name (`question`), and spaCy's
entity labels say whether that name is a person, a date or a place (a name found in every sentence,
the story's own subject, counts for little). Sentences that hold the question's words close together
score higher, as a paraphrase keeps them.

The weights of that ranking, and of a second model that judges whether the best sentence really
answers (does it cover the question's rare words, names and figures, or does it lack a negation
the question has?), were fitted on part of a public question-answering set and checked on the
rest (`bench/qa_fit.py`, weights in `answer_weights`). Below the threshold nothing is claimed.

The answer is one sentence; a sentence that opens by pointing back ("He...", "This...") is shown
after the sentence it points to, and a "who" or "when" sentence that names no new person or date is
followed by its neighbour when that one does and scores close to it. A "what was the source of"
question is answered by a close sentence that states an origin ("traced it to", "came from"), with
the sentence it points back to. When sources give different figures for a "how many" question,
the newest source's figure is given with its date and the disagreement is said.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np

from broadsheet.nlp import answer_weights as weights
from broadsheet.nlp.answer_vectors import Encoded, encode
from broadsheet.nlp.question import (
    DATE,
    ENTITY_LABELS,
    FRAME_WORDS,
    KINDS,
    LATEST,
    NUMBER,
    ORIGIN,
    OTHER,
    PERSON,
    WH_WORDS,
    Question,
    figures,
    is_negated,
    kind_tokens,
    overview_asked,
    parse_question,
)
from broadsheet.nlp.sentences import split_sentences
from broadsheet.nlp.summarize import SMALL_NUMBERS, Cited, SourceText, displayed, distinct_sources
from broadsheet.nlp.terms import STOPWORDS, content_words

NOT_SAID = "The sources do not say."
K1, B = 1.2, 0.75
UNMENTIONED = 0.7  # a question most of whose words no source uses is not answered
NEAR = 3  # words between a figure and the question word it counts
CLOSE = math.log(30)  # sentences scored within this of the best are rival answers (a figure that changed)
_KEPT_WORDS = frozenset(
    ["one", "two", "three", "first", "year", "years", "last", "new", "day", "days", "week", "month", "people", "time"]
)
_STOP = (STOPWORDS - _KEPT_WORDS) | WH_WORDS
_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_WORDS = re.compile(r"[\w'’-]+")  # as `Question.words` splits a question
_POINTS_BACK = re.compile(r"^[\"“‘']?(?:he|she|it|they|his|her|its|their|this|these|those|such|there)\b", re.IGNORECASE)
_ANAPHOR = re.compile(
    r"^(?:he|she|it|they|this|these|those|that|his|her|its|their|there|then|the|such|"
    r"in (?:this|that|the same)|however|also)\b",
    re.IGNORECASE,
)
_INCREMENT = re.compile(r"\s+(?:further|more|new|additional|extra|other)\b", re.IGNORECASE)
_LABEL = re.compile(r"\b[A-Z][\w'’-]*\s+$")
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "ly", "es", "s")
_NUMBER_VALUES = SMALL_NUMBERS


def fold(word: str) -> str:
    """A crude suffix fold so "leader", "leads" and "leading" meet at "lead" (matching only)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def terms(text: str) -> list[str]:
    """Folded informative words of a text, figures included ("1066", "21")."""
    out = []
    for word in _TOKEN.findall(text.lower()):
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        if word and word not in _STOP:
            out.append(fold(word))
    return out


def words_of(text: str) -> list[str]:
    """Folded content words of a text (the grounding check's matching)."""
    return [fold(w) for w in content_words(text)]


def asked_terms(q: Question) -> list[str]:
    """The question's terms that an answer should hold: not the words that only name the kind of
    answer ("the source of"), which the answering sentence says otherwise ("traced it to")."""
    frame = {fold(w) for w in FRAME_WORDS.get(q.kind, ())}
    return [w for w in terms(q.text) if w not in frame]


def question_words(question: str) -> list[str]:
    """The informative words of a question (stopwords and question words removed, folded)."""
    return terms(question)


@dataclass
class Answer:
    """An answer: the supporting passage(s), each cited, or none with an honest statement."""

    question: str
    passages: list[Cited] = field(default_factory=list)
    support: float = 0.0  # the estimated chance that the passage answers (0 when nothing does; 1 for the leads)
    kind: str = OTHER
    note: str = ""  # said after the passage: that sources disagree on a figure, and what they said
    as_of: datetime | None = None  # the date of the source whose figure is given, when figures changed

    @property
    def supported(self) -> bool:
        """Whether any source passage supports an answer."""
        return bool(self.passages)

    @property
    def text(self) -> str:
        """The answer as shown: the passage(s) and any note, or the honest statement."""
        if not self.passages:
            return NOT_SAID
        body = " ".join(p.text for p in self.passages)
        return f"{body} {self.note}" if self.note else body


@dataclass
class _Passage:
    cited: Cited
    raw: str
    doc: int  # index of the article among the story's distinct sources
    paragraph: int
    words: Counter
    published: datetime | None


class PassageIndex:
    """A story's sentences ready to be asked: words, BM25 statistics and (with a model) vectors.

    Built once per story and reused for every question; `embedder` is the project's embedder
    (MiniLM) or None / the lexical-only embedder, in which case lexical evidence alone decides."""

    def __init__(self, docs: Sequence[SourceText], embedder=None):
        self.docs = distinct_sources(docs)
        self.passages = _passages_of(self.docs)
        n = self.n = len(self.passages)
        self.doc = np.array([p.doc for p in self.passages], np.int64)
        same_doc = np.zeros(n, bool)
        same_doc[1:] = self.doc[1:] == self.doc[:-1]
        self.has_prev, self.has_next, self.first = same_doc, np.append(same_doc[1:], False), ~same_doc
        self.lengths = np.array([sum(p.words.values()) for p in self.passages], float)
        self.average = float(self.lengths.mean()) if n else 1.0
        self.novel_base = np.array([len(p.words) for p in self.passages], float)
        self.anaphor = np.array([bool(_ANAPHOR.match(p.raw)) for p in self.passages], float)
        self.lowered = [p.raw.lower() for p in self.passages]
        self.entities = _entities_of([p.raw for p in self.passages])
        seen = Counter(text.lower() for found in self.entities for text in {t for t, _ in found})
        self.entity_rarity = {t: math.log1p(n / df) / math.log1p(max(n, 1)) for t, df in seen.items()}
        self._index_sentences()
        self._index_articles()
        self.embedder = embedder
        self._asked: dict[str, tuple] = {}  # question vectors encoded in advance (`prepare`)
        self._kind_index: dict[str, tuple | None] = {}  # per kind of answer: its tokens in each sentence
        self.vectors = encode(embedder, [p.raw for p in self.passages]) if embedder is not None and n else None
        if self.vectors is not None:
            self._index_pieces()
            self.in_context = self._context_vectors()

    def _context_vectors(self) -> np.ndarray:
        """Each sentence read after the one before it in its article, as one vector: "Investigators
        traced it to the drains" is about the outbreak only with the sentence that names it."""
        out = self._encoded().sentences.copy()
        follow = np.flatnonzero(self.has_prev)
        if len(follow):
            texts = [f"{self.passages[i - 1].raw} {self.passages[i].raw}" for i in follow.tolist()]
            out[follow] = self._encode(texts).sentences
        return out

    def _index_sentences(self) -> None:
        """Postings of words and of word pairs over the sentences."""
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.positions: list[dict[str, list[int]]] = []  # where each word stands in each sentence
        for i, p in enumerate(self.passages):
            for w, tf in p.words.items():
                self.postings[w].append((i, tf))
            seq = terms(p.raw)
            for pair in set(itertools.pairwise(seq)):
                self.pairs[pair].append(i)
            where: dict[str, list[int]] = defaultdict(list)
            for k, w in enumerate(seq):
                where[w].append(k)
            self.positions.append(where)

    def _index_articles(self) -> None:
        """Each article's words (headline included) for article-level BM25, and its text."""
        self.doc_words = [Counter(terms(doc.title)) for doc in self.docs]
        for p in self.passages:
            self.doc_words[p.doc].update(p.words)
        self.doc_postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for d, bag in enumerate(self.doc_words):
            for w, tf in bag.items():
                self.doc_postings[w].append((d, tf))
        self.doc_lengths = np.array([sum(b.values()) for b in self.doc_words], float)
        self.doc_average = float(self.doc_lengths.mean()) if len(self.docs) else 1.0
        self.doc_text = [" ".join(p.raw for p in self.passages if p.doc == d).lower() for d in range(len(self.docs))]

    def _encode(self, texts: list[str]) -> Encoded:
        """More texts through the index's embedder (which made its sentences' vectors, so it has a model)."""
        encoded = encode(self.embedder, texts)
        if encoded is None:
            raise RuntimeError("answer: the embedder has no model to encode questions with")
        return encoded

    def _encoded(self) -> Encoded:
        """The sentences' vectors: only the embedding evidence asks, and only when there is an embedder."""
        if self.vectors is None:
            raise RuntimeError("answer: embedding evidence asked of an index built without an embedder")
        return self.vectors

    def _index_pieces(self) -> None:
        """How many sentences hold each word piece, and where each article's sentences start."""
        v = self._encoded()
        self.piece_df: Counter[int] = Counter()
        for i in range(self.n):
            self.piece_df.update(set(v.piece_ids[v.offsets[i] : v.offsets[i + 1]].tolist()))
        self.doc_starts = np.flatnonzero(np.append(True, self.doc[1:] != self.doc[:-1]))
        self.piece_matrix = np.ascontiguousarray(v.pieces.T, dtype=np.float32)  # once, not per question

    # -- evidence -----------------------------------------------------------------------------------

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency over the story's sentences."""
        df = len(self.postings.get(word, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _bm25(self, words: set[str], postings, lengths: np.ndarray, average: float, count: int, idf=None) -> np.ndarray:
        out = np.zeros(count)
        for w in words:
            posting = postings.get(w)
            if not posting:
                continue
            weight = idf(w) if idf else math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, tf in posting:
                out[i] += weight * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / max(average, 1e-9)))
        return out

    def _fits(self, q: Question) -> np.ndarray:
        """1 for each sentence holding a token of the question's kind that the question does not hold.
        Each sentence's tokens of a kind are found once per story: a question only subtracts its own."""
        if q.kind not in self._kind_index:
            found = [kind_tokens(q.kind, p.raw) for p in self.passages]
            if any(tokens is None for tokens in found):
                self._kind_index[q.kind] = None
            else:
                postings: dict[str, list[int]] = defaultdict(list)
                for i, tokens in enumerate(found):
                    for token in tokens or ():
                        postings[token].append(i)
                self._kind_index[q.kind] = (np.array([len(t or ()) for t in found], float), postings)
        index = self._kind_index[q.kind]
        if index is None:
            return np.ones(self.n)
        counts, postings = index
        left = counts.copy()
        for word in q.words:
            for i in postings.get(word, ()):
                left[i] -= 1
        return (left > 0).astype(float)

    def _entity_fit(self, q: Question) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per sentence: whether it names an entity of a label that answers the question's kind, one of
        a label that sometimes does, and how many entities (log) it names that the question does not."""
        labels, maybe = ENTITY_LABELS.get(q.kind, (frozenset(), frozenset()))
        names = {n.lower() for n in q.names}
        typed, loose, other = np.zeros(self.n), np.zeros(self.n), np.zeros(self.n)
        for i, found in enumerate(self.entities):
            for text, label in found:
                words = _WORDS.findall(text.lower())
                if all(w in q.words for w in words) or any(w in names for w in words):
                    continue  # the question's own figure or name ("Ada Venn" for "Venn") does not answer it
                other[i] += 1
                rare = self.entity_rarity[text.lower()]  # a name in every sentence is the story's subject
                if label in labels:
                    typed[i] = max(typed[i], rare)
                elif label in maybe:
                    loose[i] = max(loose[i], rare)
        return typed, loose, np.log1p(other)

    def _proximity(self, words: list[str], idf: dict[str, float], total: float) -> np.ndarray:
        """Per sentence, the IDF share of the question's words it holds divided by how spread out they
        are: the question's words close together, as a paraphrase keeps them, score high."""
        out = np.zeros(self.n)
        unique = set(words)
        candidates = {i for w in unique for i, _ in self.postings.get(w, ())}
        for i in candidates:
            where = self.positions[i]
            spots = sorted((k, w) for w in unique for k in where.get(w, ()))
            held = {w for _, w in spots}
            if len(held) < 2:
                continue
            best, have, left = len(spots) * 99, 0, 0
            counts: Counter[str] = Counter()
            for _right, (k, w) in enumerate(spots):  # the shortest window holding every matched word
                counts[w] += 1
                have += counts[w] == 1
                while have == len(held):
                    best = min(best, k - spots[left][0] + 1)
                    lw = spots[left][1]
                    counts[lw] -= 1
                    have -= counts[lw] == 0
                    left += 1
            out[i] = sum(idf[w] for w in held) / total * len(held) / best
        return out

    def _presence(self, word: str) -> np.ndarray:
        out = np.zeros(self.n, bool)
        for i, _ in self.postings.get(word, ()):
            out[i] = True
        return out

    def _window(self, values: np.ndarray, combine=np.maximum) -> np.ndarray:
        """Each sentence's value combined with its neighbours' in the same article."""
        out = values.copy()
        prev = np.roll(values, 1, axis=-1)
        nxt = np.roll(values, -1, axis=-1)
        out = np.where(self.has_prev, combine(out, prev), out)
        return np.where(self.has_next, combine(out, nxt), out)

    def _neighbour(self, values: np.ndarray, step: int) -> np.ndarray:
        valid = self.has_prev if step < 0 else self.has_next
        return np.where(valid, np.roll(values, -step), 0.0)

    def features(self, question: str) -> tuple[Question, np.ndarray, dict] | None:
        """The ranking evidence of every sentence for a question (rows follow `weights.FEATURES`),
        and what the answerability check reads; None when the question has no informative word."""
        q = parse_question(question)
        words = asked_terms(q)
        if not words or not self.n:
            return None
        unique = set(words)
        idf = {w: self.idf(w) for w in unique}
        total = sum(idf.values()) or 1.0
        bm = self._bm25(unique, self.postings, self.lengths, self.average, self.n, self.idf)
        top = bm.max() or 1.0
        dbm = self._bm25(unique, self.doc_postings, self.doc_lengths, self.doc_average, len(self.docs))
        typed, loose, named = self._entity_fit(q)
        cols = {
            "bm": bm / top,
            "pbm": (dbm / (dbm.max() or 1.0))[self.doc],
            **self._overlap(words, idf, total),
            "fit": self._fits(q),
            "loglen": np.log1p(self.lengths),
            "bmp": self._neighbour(bm, -1) / top,
            "bmn": self._neighbour(bm, 1) / top,
            "ana": self.anaphor,
            "first": self.first.astype(float),
            "ent": typed,
            "ent2": loose,
            "named": named,
            "prox": self._proximity(words, idf, total),
            "bmr": _reciprocal_rank(bm),
        }
        extra: dict = {"q": q, "idf": idf, "total": total, "bm": bm}
        if self.vectors is not None:
            with _one_blas_thread():
                cols.update(self._vector_features(q.text, extra))
        names = weights.FEATURES if self.vectors is not None else weights.LEXICAL_FEATURES
        return q, np.stack([cols[name] for name in names], 1), extra

    def _overlap(self, words: list[str], idf: dict[str, float], total: float) -> dict[str, np.ndarray]:
        """Per sentence: the IDF share of the question's words it holds (alone and with its neighbours),
        the question's word pairs it repeats, and how many words it adds to the question's."""
        unique = set(words)
        present = {w: self._presence(w) for w in unique}
        shared = np.zeros(self.n)
        for pair in set(itertools.pairwise(words)):
            for i in self.pairs.get(pair, ()):
                shared[i] += 1
        novel = self.novel_base - sum(present[w].astype(float) for w in unique)
        return {
            "cov": sum(idf[w] * present[w] for w in unique) / total,
            "ncov": sum(idf[w] * self._window(present[w].astype(float)) for w in unique) / total,
            "big": np.minimum(shared, 3) / 3,
            "novel": (novel > 0).astype(float),
            "lognovel": np.log1p(np.maximum(novel, 0)),
        }

    def prepare(self, questions: Sequence[str]) -> None:
        """Encode questions known in advance in one batch (a file of questions, a benchmark)."""
        if self.vectors is None:
            return
        texts = list(dict.fromkeys(parse_question(q).text for q in questions if q.strip()))
        encoded = self._encode(texts)
        for i, text in enumerate(texts):
            piece = slice(encoded.offsets[i], encoded.offsets[i + 1])
            self._asked[text] = (encoded.sentences[i], encoded.pieces[piece], encoded.piece_ids[piece])

    def _question_vectors(self, question: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        found = self._asked.get(question)
        if found is None:
            encoded = self._encode([question])
            found = (encoded.sentences[0], encoded.pieces, encoded.piece_ids)
        return found

    def _vector_features(self, question: str, extra: dict) -> dict[str, np.ndarray]:
        v = self._encoded()
        vector, pieces, ids = self._question_vectors(question)
        cs = v.sentences @ vector
        qp = pieces.astype(np.float32)
        weight = np.array(
            [math.log(1 + (self.n - self.piece_df[i] + 0.5) / (self.piece_df[i] + 0.5)) for i in ids.tolist()]
        )
        weight = weight / (weight.sum() or 1.0)
        sims = qp @ self.piece_matrix  # (question pieces, story pieces)
        best = np.maximum.reduceat(sims, v.offsets[:-1], axis=1)  # (question pieces, sentences)
        window = self._window(best)
        article = np.maximum.reduceat(best, self.doc_starts, axis=1)[:, self.doc]
        extra.update(piece_best=best, piece_window=window)
        return {
            "cs": cs,
            "ccs": self.in_context @ vector,
            "csp": self._neighbour(cs, -1),
            "csn": self._neighbour(cs, 1),
            "csr": _reciprocal_rank(cs),
            "pcs": np.maximum.reduceat(cs, self.doc_starts)[self.doc],
            "ms": best.mean(0),
            "msi": weight @ best,
            "wms": window.mean(0),
            "wmsi": weight @ window,
            "pms": article.mean(0),
            "pmsi": weight @ article,
        }

    def check(self, q: Question, x: np.ndarray, extra: dict, scores: np.ndarray) -> tuple[int, np.ndarray]:
        """The best sentence and the evidence on whether it answers (rows follow `weights.CHECKS`)."""
        order = np.argsort(-scores)
        b = int(order[0])
        margin = float(scores[b] - scores[order[1]]) if len(order) > 1 else 5.0
        window = [j for j in (b - 1, b, b + 1) if 0 <= j < self.n and self.doc[j] == self.doc[b]]
        window_text = " ".join(self.lowered[j] for j in window)
        window_words = set().union(*(self.passages[j].words.keys() for j in window))
        idf, total = extra["idf"], extra["total"]
        missing_story = sum(v for w, v in idf.items() if w not in self.postings) / total
        missing = [v for w, v in idf.items() if w not in window_words]
        article_text = self.doc_text[self.doc[b]]
        names = [n.lower() for n in q.names]
        negated = q.negated
        col = self._col
        checks = {
            "score": scores[b],
            "margin": margin,
            "cov": x[b, col("cov")],
            "ncov": x[b, col("ncov")],
            "missing": missing_story,
            "fit": x[b, col("fit")],
            "ent": x[b, col("ent")],
            "prox": x[b, col("prox")],
            "capw": sum(n not in window_text for n in names),
            "capp": sum(n not in article_text for n in names),
            "numw": sum(n not in window_text for n in q.numbers),
            "qneg": float(negated),
            "negmis": float(negated and not is_negated(self.passages[b].raw)),
            "qlen": len(q.text.split()),
            "miss": sum(missing) / total,
            "missmax": max(missing, default=0.0),
        }
        checks.update(
            {f"k_{k}": float(q.kind == k) for k in KINDS}, bmtop=x[b, col("bm")], unmentioned=self._unmentioned(extra)
        )  # nothing that grows with the story's size
        if self.vectors is not None:
            checks.update(self._vector_checks(x, b, extra))
        names_ = weights.CHECKS if self.vectors is not None else weights.LEXICAL_CHECKS
        return b, np.array([float(checks[n]) for n in names_])

    def _vector_checks(self, x: np.ndarray, b: int, extra: dict) -> dict[str, float]:
        """Embedding evidence on the best sentence, alone and against the story's best."""
        col = self._col
        low = np.sort(extra["piece_window"][:, b])
        out = {"min1": low[0], "min2": low[min(1, len(low) - 1)]}
        for name in ("cs", "msi", "wmsi", "pms", "ms", "wms"):
            out[name] = x[b, col(name)]
        for name in ("cs", "msi", "pms"):
            out[f"{name}rel"] = x[b, col(name)] - x[:, col(name)].max()
        return out

    def _col(self, name: str) -> int:
        return (weights.FEATURES if self.vectors is not None else weights.LEXICAL_FEATURES).index(name)

    # -- answering ----------------------------------------------------------------------------------

    def scores(self, x: np.ndarray) -> np.ndarray:
        """The ranking score of each sentence."""
        w = weights.RANK if self.vectors is not None else weights.LEXICAL_RANK
        return x @ np.asarray(w)

    def support(self, evidence: np.ndarray) -> float:
        """The estimated chance that the best sentence answers."""
        coef, bias = (
            (weights.CHECK, weights.CHECK_BIAS)
            if self.vectors is not None
            else (weights.LEXICAL_CHECK, weights.LEXICAL_CHECK_BIAS)
        )
        z = float(evidence @ np.asarray(coef) + bias)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def threshold(self) -> float:
        return weights.THRESHOLD if self.vectors is not None else weights.LEXICAL_THRESHOLD

    def answer(self, question: str) -> Answer:
        """The sentence that answers a question, cited, or an unsupported Answer."""
        asked = overview_asked(question)
        if asked is not None and self.n:
            return self._leads(question, asked)
        found = self.features(question)
        if found is None:
            return Answer(question)
        q, x, extra = found
        scores = self.scores(x)
        b, evidence = self.check(q, x, extra, scores)
        support = self.support(evidence)
        cause = self._stated_cause(q, x, scores, b, extra) if q.kind == ORIGIN else None
        if cause is not None and self._unmentioned(extra) == 0:
            return Answer(question, cause, round(support, 3), q.kind)
        if support < self.threshold() or self._unmentioned(extra) > UNMENTIONED:
            return Answer(question, support=round(support, 3), kind=q.kind)
        answer = Answer(question, self._typed_passages(q, x, scores, b), round(support, 3), q.kind)
        if q.kind == NUMBER:
            self._newest_figure(answer, q, x, scores, b, extra)
        return answer

    def _leads(self, question: str, asked: str) -> Answer:
        """ "What happened?" answered by the lead of the first report and, when a later one came, the
        lead of the newest; "what's the latest?" by the newest alone. A lead is what its writer chose
        to say first, so it answers a question about the whole story by construction (support 1)."""

        def order(i: int) -> tuple[bool, float, int]:
            published = self.passages[i].published
            return (published is None, published.timestamp() if published else 0.0, i)

        leads = sorted(np.flatnonzero(self.first).tolist(), key=order)
        first = leads[0]
        dated = [i for i in leads if self.passages[i].published is not None]
        newest = dated[-1] if dated else first
        shown = [newest] if asked == LATEST else [first] + ([newest] if order(newest) > order(first) else [])
        said = [(self.passages[i].cited.source or "a source", _day(self.passages[i].published)) for i in shown]
        if asked == LATEST:
            note = "From the newest report: {}, {}.".format(*said[0])
        else:
            note = "First reported by {} on {}".format(*said[0])
            note += "; the newest report is from {}, {}.".format(*said[1]) if len(said) > 1 else "."
        answer = Answer(question, [self.passages[i].cited for i in shown], 1.0, asked, note)
        answer.as_of = self.passages[shown[-1]].published
        return answer

    def _stated_cause(self, q: Question, x: np.ndarray, scores: np.ndarray, b: int, extra: dict) -> list[Cited] | None:
        """For a "what was the source of" question whose best sentence states no origin or cause: a
        sentence scored close to it that does ("traced it to the drains", "because..."), when it and
        the sentence before it hold every word of the question; shown after that sentence when the
        words are there (what "it" is). The check is not asked: it was fitted on answers that repeat
        the question's words, and a stated cause names the thing through a pronoun as often as not."""
        fit = x[:, self._col("fit")]
        if fit[b] > 0:
            return None
        wanted = set(extra["idf"])
        for j in sorted(np.flatnonzero((scores >= scores[b] - CLOSE) & (fit > 0)).tolist(), key=lambda j: -scores[j]):
            own = self.passages[j].words.keys()
            before = self.passages[j - 1].words.keys() if self.has_prev[j] else set()
            if wanted <= own:
                return self._shown(j)
            if wanted <= own | before:
                return [self.passages[j - 1].cited, self.passages[j].cited]
        return None

    def _typed_passages(self, q: Question, x: np.ndarray, scores: np.ndarray, b: int) -> list[Cited]:
        """The passage shown; for "who" and "when", when the best sentence names no new person or date
        and the sentence next to it in its article does and scores close to it, both are shown in
        order (the manager's departure, then who takes charge). Not for "where": a place is as often a
        thing without a name ("in the drains") as a named town; "how many" is `_newest_figure`'s."""
        shown = self._shown(b)
        if q.kind not in (PERSON, DATE) or x[b, self._col("ent")] > 0:
            return shown
        near = [
            j
            for j in (b - 1, b + 1)
            if 0 <= j < self.n
            and self.doc[j] == self.doc[b]
            and x[j, self._col("ent")] > 0
            and scores[j] >= scores[b] - CLOSE
        ]
        if not near:
            return shown
        j = max(near, key=lambda j: scores[j])
        if j < b:
            return shown if self.passages[j].cited in shown else [self.passages[j].cited, *shown]
        return [*shown, self.passages[j].cited]

    def _unmentioned(self, extra: dict) -> float:
        """The share of the question's informative words that the story never uses."""
        return sum(w not in self.postings for w in extra["idf"]) / len(extra["idf"])

    def _shown(self, b: int) -> list[Cited]:
        """The passage as shown: with the sentence before it when it opens by pointing back to it."""
        p = self.passages[b]
        if b > 0 and self.has_prev[b] and self.passages[b - 1].paragraph == p.paragraph and _POINTS_BACK.match(p.raw):
            return [self.passages[b - 1].cited, p.cited]
        return [p.cited]

    def _figure(self, i: int, q: Question, focus: set[str], near: float = NEAR) -> tuple[str, float] | None:
        """The figure a sentence gives for the question: one within a few words of a question word
        ("21 patients", "grown to 19 patients"), the nearest when there are several."""
        raw = self.passages[i].raw
        tokens = list(_TOKEN.finditer(raw.lower()))
        spots = [k for k, m in enumerate(tokens) if fold(m.group(0)) in focus]
        best = None
        for at, text in figures(raw):
            if text.lower() in q.words or _is_year(text) or _value(text) is None or _is_label(raw[:at]):
                continue  # a year, or a label ("Ward 7", "Article 65"), is not a count
            if _INCREMENT.match(raw, at + len(text)):
                continue  # "two further patients" adds to a count; it is not the count
            k = next((k for k, m in enumerate(tokens) if m.start() >= at), len(tokens))
            distance = min((abs(k - s) for s in spots), default=99)
            value = _value(text)
            if value is not None and distance <= near and (best is None or distance < best[0]):
                best = (distance, text, value)
        return (best[1], best[2]) if best else None

    def _rival_figures(
        self, q: Question, x: np.ndarray, scores: np.ndarray, b: int, extra: dict
    ) -> dict[int, tuple[str, float]]:
        """Sentences scored close to the best that give a figure for the question's words."""
        focus = set(extra["idf"])
        fit = x[:, self._col("fit")]
        given = {}
        for i in np.flatnonzero((scores >= scores[b] - CLOSE) & (fit > 0)).tolist():
            figure = self._figure(i, q, focus)
            if figure is not None:
                given[i] = figure
        return given

    def _newest_figure(
        self, answer: Answer, q: Question, x: np.ndarray, scores: np.ndarray, b: int, extra: dict
    ) -> None:
        """A "how many" answer gives a figure for what was asked (a close rival sentence with a figure
        next to the question's words is preferred to a best sentence that gives no count at all: one
        whose count stands a few words off, "numbered, by the port's count, roughly 4,000", keeps it);
        when dated sources give different figures, the newest source's is given with its date and the
        disagreement is said."""
        given = self._rival_figures(q, x, scores, b, extra)
        if given and b not in given and self._figure(b, q, set(extra["idf"]), near=math.inf) is None:
            answer.passages = self._shown(max(given, key=lambda i: scores[i]))
        when = {i: t for i in given if (t := self.passages[i].published) is not None}
        given = {i: f for i, f in given.items() if i in when}
        if len({v for _, v in given.values()}) < 2:
            return
        newest = max(given, key=lambda i: (when[i], scores[i]))
        earlier = {}
        for i in sorted(given, key=when.__getitem__, reverse=True):
            text, value = given[i]
            if value != given[newest][1] and value not in earlier:
                earlier[value] = f"{text} ({self.passages[i].cited.source}, {_day(self.passages[i].published)})"
        p = self.passages[newest]
        answer.passages = self._shown(newest)
        answer.as_of = p.published
        answer.note = (
            f"(Newest figure: {given[newest][0]}, {p.cited.source}, {_day(p.published)}.) "
            f"The sources disagree: earlier reports gave {'; '.join(earlier.values())}."
        )


@lru_cache(maxsize=1)
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """A question's products against the story's word pieces are a few million multiply-adds: split
    over threads on a busy machine they wait for the slowest (measured 37 ms against 9 ms on one)."""
    return _blas().limit(limits=1, user_api="blas")


def _reciprocal_rank(values: np.ndarray) -> np.ndarray:
    """1 for the highest value, 1/2 for the next...: where a sentence stands, whatever the scale."""
    ranks = np.empty(len(values))
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
    return 1.0 / ranks


def _is_label(before: str) -> bool:
    """Whether the words before a figure make it a label ("Ward 7", "Article 65"): a capitalised word
    just before it, unless that word opens the sentence ("Nearly 3,000", "About 150" are counts)."""
    found = _LABEL.search(before)
    return found is not None and bool(before[: found.start()].strip(" \"“‘'(["))


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"1[89]\d\d|20\d\d", text))


def _value(text: str) -> float | None:
    """The value of a figure written in digits or words ("21", "1,200", "eleven", "forty-eight")."""
    lowered = text.lower().rstrip("%")
    if lowered in _NUMBER_VALUES:
        return float(_NUMBER_VALUES[lowered])
    tens, _, unit = lowered.partition("-")
    if tens in _TENS and (not unit or (unit in _NUMBER_VALUES and _NUMBER_VALUES[unit] < 10)):
        return float(_TENS[tens] + (_NUMBER_VALUES[unit] if unit else 0))
    try:
        return float(lowered.replace(",", ""))
    except ValueError:
        return None


def _day(when: datetime | None) -> str:
    return f"{when.day} {when:%B %Y}" if when else "undated"


def _entities_of(texts: list[str]) -> list[list[tuple[str, str]]]:
    """The entity spans spaCy finds in each sentence (none when there is no sentence)."""
    if not texts:
        return []
    from broadsheet.nlp.entities import labelled_spans

    return labelled_spans(texts)


def _passages_of(docs: Sequence[SourceText]) -> list[_Passage]:
    """Every sentence of the story's distinct sources, each a citable passage (a sentence repeated
    verbatim in a lightly edited copy is cited once, from the first source)."""
    found: list[_Passage] = []
    seen: set[str] = set()
    for d, doc in enumerate(docs):
        for s in split_sentences(doc.text):
            start, shown = displayed(s)
            key = " ".join(shown.lower().split())
            if key in seen or len(shown.split()) < 2:
                continue
            seen.add(key)
            found.append(
                _Passage(
                    Cited(shown, doc.id, doc.source, start, s.end, s.index),
                    shown,
                    d,
                    s.paragraph,
                    Counter(terms(shown)),
                    doc.published,
                )
            )
    return found


def answer_question(question: str, docs: Sequence[SourceText], embedder=None) -> Answer:
    """Answer one question from a story's sources (builds the index; reuse PassageIndex for many)."""
    return PassageIndex(docs, embedder).answer(question)
