"""The article page's "AI features" panel and the entity pages.

Everything here is read through the store and the pipeline's cached on-demand features; a failure
in any of them leaves the panel partly empty, never the article page broken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Engine

from broadsheet.api.params import MAX_ID
from broadsheet.config import Config
from broadsheet.context import request_work
from broadsheet.errors import NotFound
from broadsheet.model import Article
from broadsheet.nlp.summarize import paragraph_number
from broadsheet.pipeline import enrich, explain
from broadsheet.store import articles as article_store
from broadsheet.store import digests
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store.articles import ArticleView
from broadsheet.store.db import Reader, connected, engine_behind
from broadsheet.text.fragments import linked, text_fragment
from broadsheet.web.following import hidden_for_reader

log = logging.getLogger(__name__)
MAX_QUESTION = 300
SUMMARY_LENGTHS = {"short": 60, "medium": 120, "long": 200}  # words; the reader picks one on the page


def _key_points(article: Article, fields: dict) -> list[dict]:
    return [
        {**p, "paragraph": paragraph_number(article.text, p["start"]), "fragment": text_fragment(p["text"])}
        for p in fields.get("key_points") or []
    ]


def _filed_entities(db: Reader, found: list[dict]) -> list[dict]:
    """The article's entities as filed: one per name, shown with the kind most mentions agree on."""
    kinds = enrichment_store.entity_kinds(db, [e["id"] for e in found if e.get("id")])
    return [{**e, "kind": kinds[e["id"]]} for e in found if e.get("id") in kinds]


def _linked_generated(generated: dict) -> dict:
    return {**generated, "sentences": [{**s, "citations": linked(s["citations"])} for s in generated["sentences"]]}


def _timeline(lines: list[dict]) -> list[dict]:
    """Timeline lines (or dated summary sentences) with links and real datetimes (for relative times)."""
    out = []
    for line in linked(lines):
        when = line.get("published")
        out.append({**line, "published": datetime.fromisoformat(when) if isinstance(when, str) else when})
    return out


def _new_panel(question: str | None, length: str | None) -> dict:
    length = length if length in SUMMARY_LENGTHS else "medium"
    return {"question": (question or "").strip()[:MAX_QUESTION], "length": length, "lengths": list(SUMMARY_LENGTHS)}


def article_panel(
    db: Reader,
    config: Config,
    article: Article,
    question: str | None = None,
    length: str | None = None,
    view: ArticleView | None = None,
) -> dict:
    """Everything the panel shows for one article; parts that fail are left empty (and logged).
    `view`: the article as read with its stored enrichment and placement (else they are read here)."""
    panel = _new_panel(question, length)
    try:
        if view is not None:
            fields = view.enrichment
        else:
            with connected(db) as conn:
                fields = enrichment_store.enrichment_of(conn, [article.id]).get(article.id, {})
        if (fields.get("enriched") or 0) < enrich.VERSION:  # a read never writes: the pipeline enriches it
            request_work("enrich", article.id)
        panel.update(
            section=fields.get("section"),
            tags=fields.get("tags") or [],
            entities=_filed_entities(db, fields.get("entities") or []),
            key_points=_key_points(article, fields),
        )
    except Exception:  # the article itself must always be readable
        log.exception("web: enrichment of %s failed", article.id)
    try:
        placement = (view.story_id, view.duplicate_of) if view is not None else None
        scope = explain.scope_of(db, article, placement, SUMMARY_LENGTHS[panel["length"]])
        _story_features(panel, db, config, scope)
    except Exception:
        log.exception("web: story features for %s failed", article.id)
    return panel


def story_panel(
    db: Reader,
    config: Config,
    story_id: str,
    question: str | None = None,
    length: str | None = None,
    members: list[Article] | None = None,
) -> dict:
    """The panel of a story page: summary, ask, timeline and what each source adds. `members`: the
    story's articles as digests.story_articles reads them, when the caller has them."""
    panel = _new_panel(question, length)
    members = digests.story_articles(db, story_id) if members is None else members
    if members:
        try:
            _story_features(panel, db, config, explain.Scope.of(story_id, members))
        except Exception:
            log.exception("web: story features for story %s failed", story_id)
    return panel


def _story_features(panel: dict, db: Reader, config: Config, scope: explain.Scope) -> None:
    """Fill the story-level parts of a panel (cached digest, optional phrasing, the answer)."""
    words = SUMMARY_LENGTHS[panel["length"]]
    digest = explain.digest(db, scope, words, keep=False)  # a read: a missing digest is asked for
    panel["story_id"] = scope.key if scope.is_story else None
    titles = {h.id: h.title for h in scope.heads}
    panel.update(
        summary=_timeline(digest.summary),
        timeline=_timeline(digest.timeline),
        titles=titles,
        adds=[{**s, "additions": linked(s["additions"])} for s in digest.adds],
        sources=len({h.outlet or h.id for h in scope.heads}),
        story_size=len(scope.heads),
    )
    generated = explain.phrased_summary(config, scope, digest.summary, words)
    panel["generated"] = _linked_generated(explain.grounded_dict(generated)) if generated else None
    if panel["question"]:
        answer = explain.ask(engine_behind(db), config, scope, panel["question"])
        answer["passages"] = linked(answer["passages"])
        if answer.get("generated"):
            answer["generated"] = _linked_generated(answer["generated"])
        panel["answer"] = answer


def entity_stories(
    engine: Engine, entity_id: int, hide: Callable[[list[Article]], set[str]] | None = None
) -> list[dict]:
    """The stories naming an entity, newest first: each heading links to its story page (an article
    not placed in a story yet stands for itself), with the articles that name the entity under it.
    `hide`: which of the articles the reader muted (left out)."""
    groups: dict[str, dict] = {}
    found = enrichment_store.entity_articles(engine, entity_id)
    hidden = hide([article for article, _, _ in found]) if hide else set()
    for article, mentions, story_id in found:
        if article.id in hidden:
            continue
        group = groups.setdefault(story_id or article.id, {"story_id": story_id, "articles": []})
        group["articles"].append((article, mentions))
    titles = enrichment_store.story_titles(engine, [g["story_id"] for g in groups.values() if g["story_id"]])
    for group in groups.values():
        first = group["articles"][0][0]
        group["href"] = f"/stories/{quote(group['story_id'])}" if group["story_id"] else f"/articles/{quote(first.id)}"
        group["title"] = titles.get(group["story_id"] or "") or first.title or "Untitled"
    return list(groups.values())


def ai_router(engine: Engine, config: Config, render: Callable[..., HTMLResponse]) -> APIRouter:
    """Routes: the ask form's POST (redirects to the article page with the answer) and entity pages.
    The story page (web/coverage.py) shows `story_panel`."""
    router = APIRouter()

    @router.post("/articles/{article_id}/ask")
    def ask(article_id: str, q: str = Form("")) -> RedirectResponse:
        question = q.strip()[:MAX_QUESTION]
        if question:  # the POST answers and stores; the page it redirects to reads the stored answer
            article = article_store.get_article(engine, article_id)
            explain.ask(engine, config, explain.scope_of(engine, article), question, keep=True)
        query = urlencode({"q": question})
        return RedirectResponse(f"/articles/{quote(article_id)}?{query}#answer", status_code=303)

    @router.get("/entities/{entity_id}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: int) -> HTMLResponse:
        if not 0 <= entity_id <= MAX_ID:  # no database can hold it: no such entity
            raise NotFound(f"web: no entity {entity_id}")
        item = enrichment_store.get_entity(engine, entity_id)
        hide = lambda items: hidden_for_reader(request, engine, items)  # noqa: E731 (the reader's mutes)
        return render(request, "entity.html", entity=item, stories=entity_stories(engine, entity_id, hide))

    @router.get("/entities", response_class=HTMLResponse)
    def entities(request: Request) -> HTMLResponse:
        return render(request, "entities.html", entities=enrichment_store.top_entities(engine, limit=100))

    return router
