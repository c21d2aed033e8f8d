"""The personal layer of the site: follow and mute buttons (POST forms with the session's CSRF
token), the Following page where a reader manages them and their digest, the "For you" front
page, and what every listing asks before it shows an article: is it muted for this reader?"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from broadsheet.api.params import page_number
from broadsheet.errors import NotFound
from broadsheet.model import Article
from broadsheet.nlp.sections import SECTIONS
from broadsheet.store import enrichment as enrichment_store
from broadsheet.store import follows as follow_store
from broadsheet.store import personal
from broadsheet.store import reader_digests as digest_store
from broadsheet.store import sources as source_store
from broadsheet.store import stories as story_store
from broadsheet.store.coverage import StoryCard
from broadsheet.store.db import Reader
from broadsheet.store.follows import Choice, ChoiceError, Interests, Mutes
from broadsheet.store.users import AccountError, Session
from broadsheet.web import pictures
from broadsheet.web.accounts import Accounts, Forbidden, login_url, safe_next, viewer_of
from broadsheet.web.security import site_base

KIND_NAMES = {"source": "source", "section": "section", "entity": "name", "storyline": "storyline", "word": "word"}


@dataclass
class PersonalState:
    """One request's view of the reader's follows and mutes, read once and shared by the page,
    its buttons and its listings."""

    follows: list[Choice] = field(default_factory=list)
    mutes: list[Choice] = field(default_factory=list)

    def following(self, kind: str, target: object) -> bool:
        """Whether the reader follows this thing."""
        return any(c.kind == kind and c.target == str(target) for c in self.follows)

    def muting(self, kind: str, target: object) -> bool:
        """Whether the reader mutes this thing."""
        return any(c.kind == kind and c.target == str(target) for c in self.mutes)

    @property
    def interests(self) -> Interests:
        return follow_store.interests(self.follows)

    @property
    def mute_set(self) -> Mutes:
        return follow_store.mute_set(self.mutes)

    @property
    def labels(self) -> dict[tuple[str, str], str]:
        return {(c.kind, c.target): c.label for c in self.follows}


def personal_state(request: Request) -> PersonalState | None:
    """The signed-in reader's follows and mutes (None for a visitor), read once per request."""
    viewer = viewer_of(request)
    if viewer is None:
        return None
    state = getattr(request.state, "personal", None)
    if state is None:
        engine = request.app.state.engine
        state = PersonalState(
            follow_store.follows_of(engine, viewer.user.id), follow_store.mutes_of(engine, viewer.user.id)
        )
        request.state.personal = state
    return state


def reader_mutes(request: Request) -> Mutes:
    """What this reader mutes (nothing for a visitor)."""
    state = personal_state(request)
    return state.mute_set if state else Mutes()


def visible_articles(request: Request, db: Reader, items: list[Article]) -> list[Article]:
    """A listing's articles less those the reader muted."""
    found = reader_mutes(request)
    return follow_store.without_hidden(db, found, items) if found else items


def hidden_for_reader(request: Request, db: Reader, items: list[Article]) -> set[str]:
    """The ids of these articles the reader muted."""
    found = reader_mutes(request)
    return follow_store.hidden_ids(db, found, items) if found else set()


def visible_cards(request: Request, db: Reader, cards: list[StoryCard]) -> list[StoryCard]:
    """Story cards as the reader sees them: muted articles (and stories of nothing else) left out."""
    found = reader_mutes(request)
    return personal.visible_cards(db, cards, found) if found else cards


def _need_viewer(request: Request) -> Session:
    viewer = viewer_of(request)
    if viewer is None:
        raise Forbidden("following: log in to follow or mute.")
    return viewer


def _label(engine: Engine, kind: str, target: str) -> tuple[str, str]:
    """The key kept for a followed or muted thing and its name; NotFound when there is no such thing."""
    if kind in ("source", "entity") and not (target.isdigit() and len(target) < 19):
        raise NotFound(f"following: no {kind} {target!r}")
    if kind == "source":
        source = source_store.get_source(engine, int(target))
        return target, source.title or source.feed_url
    if kind == "entity":
        return target, enrichment_store.get_entity(engine, int(target)).name
    if kind == "section":
        if target not in SECTIONS:
            raise NotFound(f"following: no section {target!r}")
        return target, target
    if kind == "storyline":
        story = story_store.get_story(engine, story_store.resolve_story_id(engine, target), resolved=True)
        return story.storyline_id or story.id, story.title or "Untitled story"
    if kind == "word":
        word = follow_store.clean_word(target)
        return word, word
    raise ChoiceError(f"following: nothing of kind {kind!r} can be followed or muted.")


def following_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """Routes: /follow, /unfollow, /mute, /unmute, /following (and its digest forms), /for-you."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)])
    templates.env.globals["personal_state"] = personal_state  # the buttons ask it
    _choice_routes(router, accounts.engine)
    _page_routes(router, accounts, templates)
    return router


def _choice_routes(router: APIRouter, engine: Engine) -> None:
    """Follow, unfollow, mute and unmute: POST, then back to the page the button was on."""

    def back(next_path: str) -> RedirectResponse:
        return RedirectResponse(safe_next(next_path or "/following"), status_code=303)

    @router.post("/follow")
    def follow(request: Request, kind: str = Form(""), target: str = Form(""), next: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        if kind not in follow_store.FOLLOW_KINDS:
            raise ChoiceError(f"follow: one can follow a {', '.join(follow_store.FOLLOW_KINDS)}, not {kind!r}.")
        key, label = _label(engine, kind, target.strip())
        follow_store.follow(engine, viewer.user.id, kind, key, label)
        return back(next)

    @router.post("/unfollow")
    def unfollow(request: Request, kind: str = Form(""), target: str = Form(""), next: str = Form("")) -> Response:
        follow_store.unfollow(engine, _need_viewer(request).user.id, kind, target.strip())
        return back(next)

    @router.post("/mute")
    def mute(request: Request, kind: str = Form(""), target: str = Form(""), next: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        if kind not in follow_store.MUTE_KINDS:
            raise ChoiceError(f"mute: one can mute a {', '.join(follow_store.MUTE_KINDS)}, not {kind!r}.")
        key, label = _label(engine, kind, target)
        follow_store.mute(engine, viewer.user.id, kind, key, label)
        return back(next)

    @router.post("/unmute")
    def unmute(request: Request, kind: str = Form(""), target: str = Form(""), next: str = Form("")) -> Response:
        follow_store.unmute(engine, _need_viewer(request).user.id, kind, target)
        return back(next)


def _following_page(
    request: Request, templates: Jinja2Templates, engine: Engine, status: int = 200, **context: object
) -> HTMLResponse:
    viewer = _need_viewer(request)
    state = personal_state(request) or PersonalState()
    settings = digest_store.settings_of(engine, viewer.user.id)
    feed = f"{site_base(request.app.state.config, request.scope)}/digests/{settings.feed_token}.atom"
    values = {
        "viewer": viewer,
        "csrf": viewer.csrf_token,
        "follows": state.follows,
        "mutes": state.mutes,
        "kind_names": KIND_NAMES,
        "digest": settings,
        "feed_url": feed if settings.feed_token else "",
        "email": viewer.user.email or "",
        "errors": {},
        "saved": request.query_params.get("saved", ""),
        "mail_ready": bool(request.app.state.config.smtp_host),
        **context,
    }
    return templates.TemplateResponse(request, "personal/following.html", values, status_code=status)


def _page_routes(router: APIRouter, accounts: Accounts, templates: Jinja2Templates) -> None:
    """The Following page and its digest forms, the For you page."""
    engine = accounts.engine

    @router.get("/following", response_class=HTMLResponse)
    def following(request: Request) -> Response:
        if viewer_of(request) is None:
            return RedirectResponse(login_url("/following"), status_code=303)
        return _following_page(request, templates, engine)

    @router.post("/following/digest", response_class=HTMLResponse)
    def digest_settings(
        request: Request, frequency: str = Form("daily"), email_enabled: str = Form(""), email: str = Form("")
    ) -> Response:
        viewer = _need_viewer(request)
        try:
            address = digest_store.set_email(engine, viewer.user.id, email)
            if email_enabled and not address:
                raise AccountError("Give an email address to get the digest by email.", "email")
            digest_store.save_settings(engine, viewer.user.id, frequency, bool(email_enabled))
        except (AccountError, ChoiceError) as exc:
            errors = {"email": exc.sentence} if isinstance(exc, AccountError) else {"frequency": str(exc)}
            return _following_page(request, templates, engine, status=400, errors=errors)
        return RedirectResponse("/following?saved=digest#digest", status_code=303)

    @router.post("/following/feed")
    def feed_token(request: Request) -> Response:
        digest_store.new_feed_token(engine, _need_viewer(request).user.id)
        return RedirectResponse("/following?saved=feed#digest", status_code=303)

    @router.get("/for-you", response_class=HTMLResponse)
    def for_you(request: Request, page: str | None = None) -> Response:
        if viewer_of(request) is None:
            return RedirectResponse(login_url("/for-you"), status_code=303)
        return _for_you_page(request, templates, page)


def _for_you_page(request: Request, templates: Jinja2Templates, page: str | None) -> HTMLResponse:
    state = personal_state(request) or PersonalState()
    config = request.app.state.config
    number, size = page_number(page), config.page_size
    cards = personal.for_you(
        request.app.state.engine,
        state.interests,
        state.mute_set,
        limit=size + 1,
        offset=(number - 1) * size,
        labels=state.labels,
    )
    if not cards and number > 1:
        raise NotFound(f"web: page {number} is past the end")
    context = {
        "cards": cards[:size],
        "story_pics": pictures.story_pictures(request.app.state.engine, [c.story.id for c in cards[:size]]),
        "page": number,
        "has_next": len(cards) > size,
        "heading": "For you",
        "section": None,
        "sections": SECTIONS,
        "for_you": True,
        "follows_nothing": not state.follows,
    }
    return templates.TemplateResponse(request, "top.html", context)
