"""The "Explain" features a reader asks for on a story: summary, timeline, what each source adds,
and answers to questions (optionally phrased by the generative backend, shown only when every
sentence checks out against its cited source). Not a stage of the refresh: they are made from the
stored articles when first asked for, and kept in the store by the work queue or a job (a page view
only reads); it lives with the pipeline because it is what joins `nlp` to `store` for a reader."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.context import request_work
from broadsheet.llm.client import LLMSettings, generator_for
from broadsheet.llm.grounding import Grounded, phrase_answer, phrase_summary
from broadsheet.model import Article
from broadsheet.nlp.answer import Answer, PassageIndex
from broadsheet.nlp.novelty import source_additions
from broadsheet.nlp.summarize import DEFAULT_WORDS, Cited, SourceText, StorySummary, summarize_story
from broadsheet.nlp.timeline import build_timeline
from broadsheet.store import digests
from broadsheet.store.db import Reader, engine_behind
from broadsheet.text.fragments import linked

log = logging.getLogger(__name__)
T = TypeVar("T")
ANSWER_CACHE = 32  # stories whose answer index (sentence and word-piece vectors) stays in memory
REMEMBERED = 256  # digests and answers a process keeps for reads until the store has them
ANSWERER = "answer-3"  # part of the answers' cache key: answers of an older answerer are not served


def source_text(article: Article) -> SourceText:
    """An article as the summarizer reads it."""
    return SourceText(
        article.id,
        article.source_name or article.site_name,
        article.title,
        article.text,
        article.published_at or article.fetched_at,
    )


def llm_settings(config: Config) -> LLMSettings:
    """The generative backend's settings."""
    return LLMSettings(config.llm_url, config.llm_model, config.llm_key, config.llm_timeout)


@dataclass
class Scope:
    """What a feature reads: a story's articles (or one article not yet placed in a story). A page
    reads only their heads (titles, outlets, the signature its stored digest is checked against);
    the articles themselves are loaded when first needed (`articles`): to make a digest or answer."""

    key: str
    heads: list[digests.Head]
    signature: str
    is_story: bool = True
    load: Callable[[], list[Article]] | None = field(default=None, repr=False)
    loaded: list[Article] | None = field(default=None, repr=False)
    # A digest read with the heads: its kind, and its (signature, data) as stored (None: none stored).
    stored: tuple[str, tuple[str, dict] | None] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, key: str, articles: list[Article], is_story: bool = True) -> Scope:
        """A scope of articles already read."""
        heads = [digests.head_of(a) for a in articles]
        return cls(key, heads, digests.signature(heads), is_story, loaded=articles)

    @property
    def articles(self) -> list[Article]:
        if self.loaded is None:
            self.loaded = self.load() if self.load is not None else []
        return self.loaded

    @property
    def docs(self) -> list[SourceText]:
        return [source_text(a) for a in self.articles]


def scope_of(
    db: Reader,
    article: Article,
    placement: tuple[str | None, str | None] | None = None,
    words: int | None = None,
) -> Scope:
    """The article's story as a scope, or the article alone when it has no story yet. `placement`
    (its stored story id and the original it copies), when the caller has read them already;
    `words`: the story's stored digest of that length is read with the heads (a page's one read)."""
    story_id, duplicate_of = placement if placement is not None else _placement(db, article)
    own = not (story_id and duplicate_of)  # a copy stays out of its story's scope

    def members() -> list[Article]:
        found = digests.story_articles(db, story_id) if story_id else []
        return _with_own(found, article, own)

    found: list[digests.Head] = []
    stored: tuple[str, tuple[str, dict] | None] | None = None
    if story_id and words is not None:
        kind = digest_kind(words)
        found, row = digests.heads_and_digest(db, story_id, kind)
        stored = (kind, row)
    elif story_id:
        found = digests.story_heads(db, story_id)
    heads = _with_own(found, digests.head_of(article), own)
    return Scope(story_id or article.id, heads, digests.signature(heads), story_id is not None, members, stored=stored)


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=_Identified)  # an article or its head


def _with_own(items: list[Item], own: Item, add: bool) -> list[Item]:
    """A story's items with the article's own added when it is not among them (and `add`); the
    article alone when the story has none."""
    if add and own.id not in {i.id for i in items}:
        items = [*items, own]
    return items or [own]


def _placement(db: Reader, article: Article) -> tuple[str | None, str | None]:
    """The article's story and the original it copies, as the understand stage placed it (None, None
    before it has)."""
    from broadsheet.store.stories import understood

    placed = understood(db, article.id)
    return (placed.story_id, placed.duplicate_of) if placed else (None, None)


def _cited(data: dict) -> Cited:
    return Cited(**{k: data[k] for k in Cited.__dataclass_fields__})


@dataclass
class Digest:
    """A story's summary, timeline and per-source additions, ready for a page or export."""

    summary: list[dict] = field(default_factory=list)  # cited sentences
    timeline: list[dict] = field(default_factory=list)
    adds: list[dict] = field(default_factory=list)
    generated: dict | None = None  # the checked generative summary, when there is one


def story_summary(scope: Scope, words: int = DEFAULT_WORDS) -> StorySummary:
    """The extractive summary of a scope (uncached)."""
    return summarize_story(scope.docs, words)


DIGEST_VERSION = 2  # in the cache key: a digest of an earlier summarizer is made again when read


def summary_dicts(summary: StorySummary) -> list[dict]:
    """A summary's sentences as JSON, each with its article's date (ISO 8601, or None)."""
    dates = {k: v.isoformat() if v else None for k, v in summary.published.items()}
    return [{**asdict(c), "published": dates.get(c.article_id)} for c in summary.sentences]


def digest(db: Reader, scope: Scope, words: int = DEFAULT_WORDS, keep: bool = True) -> Digest:
    """Summary, timeline and additions for a scope, from the store when its signature still matches.

    A missing one is made now; `keep` stores it (the work that `store_digest` does), else a read
    (a page view, which never writes) keeps it in the process's memory and asks for that work."""
    kind = digest_kind(words)
    if scope.stored is not None and scope.stored[0] == kind:  # read with the heads
        cached = _stored_digest(scope)
    else:
        cached = digests.read_digest(db, scope.key, kind, scope.signature)
    if cached is None and keep:
        cached = _digest_data(scope.docs, words)
        digests.write_digest(engine_behind(db), scope.key, kind, scope.signature, cached)
    elif cached is None:
        cached = _remembered("digest", (scope.key, kind, scope.signature), lambda: _digest_data(scope.docs, words))
        request_work("digest", digest_item(scope, words))
    return Digest(cached["summary"], cached["timeline"], cached["adds"])


def digest_kind(words: int) -> str:
    return f"digest:{DIGEST_VERSION}:{words}"


def _digest_data(docs: list[SourceText], words: int) -> dict:
    """A digest as stored: every cited sentence with its link (made once here, not on each view)."""
    return {
        "summary": linked(summary_dicts(summarize_story(docs, words))),
        "timeline": linked(
            [{**asdict(d), "published": d.published.isoformat() if d.published else None} for d in build_timeline(docs)]
        ),
        "adds": [
            {"source": s.source, "additions": linked([asdict(a) for a in s.additions])} for s in source_additions(docs)
        ],
    }


def digest_item(scope: Scope, words: int) -> str:
    """The work item that stores a scope's digest: "words:story:ID" or "words:article:ID"."""
    return f"{words}:{'story' if scope.is_story else 'article'}:{scope.key}"


def store_digest(engine: Engine, item: str) -> bool:
    """Make and store the digest a read asked for (a `digest_item`); False when its scope is gone."""
    words, kind, key = item.split(":", 2)
    if kind == "story":
        members = digests.story_articles(engine, key)
        scope = Scope.of(key, members) if members else None
    else:
        from broadsheet.errors import NotFound
        from broadsheet.store.articles import get_article

        try:
            scope = scope_of(engine, get_article(engine, key))
        except NotFound:
            scope = None
    if scope is None:
        return False
    digest(engine, scope, int(words), keep=True)
    return True


def story_scope(db: Reader, story_id: str, words: int = DEFAULT_WORDS) -> Scope:
    """A story as a scope read by its heads, with its stored digest of that length (one read); its
    articles are loaded only when a digest is made."""
    kind = digest_kind(words)
    heads, row = digests.heads_and_digest(db, story_id, kind)
    load = lambda: digests.story_articles(db, story_id)  # noqa: E731 (read only when a digest is made)
    return Scope(story_id, heads, digests.signature(heads), load=load, stored=(kind, row))


def _stored_digest(scope: Scope) -> dict | None:
    """The digest read with the scope's heads, when it was made for the same articles."""
    row = scope.stored[1] if scope.stored is not None else None
    return row[1] if row is not None and row[0] == scope.signature else None


KEPT_FROM = 2  # articles a story needs before the pipeline keeps its digest (one article's is cheap on a view)


def keep_digests(engine: Engine, story_ids: list[str], words: int = DEFAULT_WORDS) -> int:
    """Make and store, in one transaction, the digest of each of these stories of two articles or
    more whose stored one is missing or was made for other articles: the pipeline does it when
    stories change, so that no page view (the first reader's, or a crawler's) pays for it. A lone
    article's digest (its own summary, nothing to compare) is left to its first view: an import of
    10,000 unrelated articles would otherwise make 10,000. Returns how many were made."""
    made, kind = [], digest_kind(words)
    for story_id in story_ids:
        scope = story_scope(engine, story_id, words)
        if len(scope.heads) >= KEPT_FROM and _stored_digest(scope) is None:
            made.append((story_id, kind, scope.signature, _digest_data(scope.docs, words)))
    digests.write_digests(engine, made)
    return len(made)


def _remembered(kind: str, key: tuple, build: Callable[[], T]) -> T:
    """A value kept in the process's context, the oldest dropped past REMEMBERED of a kind: what
    a read made for itself and must not store."""
    from broadsheet.context import current

    return current().kept(kind, key, build, REMEMBERED)


def phrased_summary(
    config: Config, scope: Scope, summary: list[dict], words: int = DEFAULT_WORDS, wait: float | None = None
) -> Grounded | None:
    """The summary phrased by the generative backend, when configured, in time and grounded."""
    generator = generator_for(llm_settings(config))
    if generator is None or not summary:
        return None
    pool = [_cited(c) for c in summary]
    return phrase_summary(generator, pool, words, wait)


def ask(
    engine: Engine, config: Config, scope: Scope, question: str, wait: float | None = None, keep: bool = False
) -> dict:
    """Answer a question from a scope's sources: the stored extractive answer, or one made now
    (stored when `keep`, as the ask form's POST does; a page view keeps it in memory), optionally phrased."""
    question = " ".join(question.split())[:300]
    key = digests.answer_key(scope.key, f"{scope.signature}:{ANSWERER}", question)
    data = digests.read_answer(engine, key)
    if data is None and keep:
        data = answer_of(_index(scope, config).answer(question))
        digests.write_answer(engine, key, scope.key, question, data)
    elif data is None:
        data = _remembered("answer", (key,), lambda: answer_of(_index(scope, config).answer(question)))
    data = dict(data)
    generator = generator_for(llm_settings(config))
    if generator is not None and data["passages"]:
        grounded = phrase_answer(generator, question, [_cited(p) for p in data["passages"]], wait)
        if grounded is not None:
            data["generated"] = grounded_dict(grounded)
    return data


def story_index(docs: list[SourceText], config: Config) -> PassageIndex:
    """The answer index of a story's sources: what the Ask form, the API and `broadsheet ask` all
    answer from (with the MiniLM vectors unless embeddings are off)."""
    from broadsheet.nlp.embed import load_embedder

    return PassageIndex(docs, load_embedder(config.embeddings))


def _index(scope: Scope, config: Config) -> PassageIndex:
    """The passage index of a scope, kept in the process's context while its signature is current
    (building it encodes the story's sentences once; later questions only encode the question)."""
    from broadsheet.context import current

    key = f"{scope.key}:{scope.signature}:{config.embeddings}"
    return current().kept("passage-index", key, lambda: story_index(scope.docs, config), ANSWER_CACHE)


def grounded_dict(grounded: Grounded) -> dict:
    """A checked generated text as JSON: sentences with the articles they cite."""
    return {
        "text": grounded.text,
        "sentences": [{"text": s.text, "citations": [asdict(c) for c in s.citations]} for s in grounded.sentences],
    }


def answer_of(answer: Answer) -> dict:
    """An nlp Answer as JSON."""
    return {
        "question": answer.question,
        "supported": answer.supported,
        "text": answer.text,
        "support": answer.support,
        "kind": answer.kind,
        "note": answer.note,
        "as_of": answer.as_of.isoformat() if answer.as_of else None,
        "passages": [asdict(p) for p in answer.passages],
    }
