"""Comments on the reader's site: the section under an article or story, posting, replying,
editing, deleting and reporting, and the moderators' queue. Plain HTML forms, POST-redirect-GET."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

import nh3
from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from broadsheet.api.params import MAX_ID
from broadsheet.errors import NotFound
from broadsheet.store import articles as article_store
from broadsheet.store import comments as comment_store
from broadsheet.store import stories as story_store
from broadsheet.store.comments import Comment, CommentError, Target
from broadsheet.store.db import Reader
from broadsheet.store.users import Session
from broadsheet.text.urls import safe_url
from broadsheet.web.accounts import Accounts, Forbidden, client_address, login_url, safe_next, viewer_of
from broadsheet.web.ratelimit import RateLimited

CommentId = Annotated[int, Path(ge=0, le=MAX_ID)]
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"
BODY_HELP = "Plain text. Leave a blank line between paragraphs; web addresses become links."


def _split_url(url: str) -> tuple[str, str]:
    """A URL found in text without the punctuation that ends the sentence around it."""
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")" and url[:end].count("(") >= url[:end].count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia-style links)
        end -= 1
    return url[:end], url[end:]


def _linked_line(line: str) -> str:
    """One line of text, HTML-escaped, with http(s) addresses turned into links."""
    parts, last = [], 0
    for match in _URL.finditer(line):
        url, rest = _split_url(match.group())
        parts.append(str(escape(line[last : match.start()])))
        if safe_url(url):  # the URL policy: a link only when it is a real http(s) address
            parts.append(f'<a href="{escape(url)}">{escape(url)}</a>')
        else:
            parts.append(str(escape(url)))
        parts.append(str(escape(rest)))
        last = match.end()
    parts.append(str(escape(line[last:])))
    return "".join(parts)


def render_text(text: str) -> Markup:
    """Comment text as safe HTML: paragraphs, line breaks and autolinked URLs (rel="nofollow ugc").

    Everything typed is escaped first; nh3 then re-checks the result so only p, br and http(s)
    links can ever reach the page, whatever the autolinker gets wrong."""
    paragraphs = [p for p in re.split(r"\n\s*\n", (text or "").strip()) if p.strip()]
    html = "".join("<p>" + "<br>".join(_linked_line(line) for line in p.split("\n")) + "</p>" for p in paragraphs)
    return Markup(
        nh3.clean(
            html,
            tags={"p", "br", "a"},
            attributes={"a": {"href"}},
            url_schemes={"http", "https"},
            link_rel="nofollow ugc",
        )
    )


def _visible_count(items: list[Comment]) -> int:
    return sum((not c.deleted and not c.hidden) + _visible_count(c.replies) for c in items)


def _target(accounts: Accounts, raw: str) -> Target:
    """The article or story a new comment is for; it must exist (a merged story's old id resolves)."""
    kind, _, ident = (raw or "").partition(":")
    if kind == "article":
        if article_store.get_article(accounts.engine, ident).status != "ok":
            raise NotFound(f"comments: article {ident} is not readable yet")
        return Target("article", ident)
    if kind == "story":
        return Target("story", story_store.get_story(accounts.engine, ident).id)
    raise CommentError("That form does not say what the comment is about; reload the page.", None)


def _ensure_open(accounts: Accounts, target: Target) -> None:
    """Refuse a reply or an edit where a new comment would be refused (an article no longer readable,
    a story gone): the thread is closed, for its old comments too."""
    try:
        _target(accounts, f"{target.kind}:{target.id}")
    except NotFound as exc:
        raise CommentError("Comments here are closed: nothing can be added or changed.", None, status=403) from exc


def _need_viewer(request: Request) -> Session:
    viewer = viewer_of(request)
    if viewer is None:
        raise Forbidden("comments: log in to do that.")
    return viewer


def _own(viewer: Session, comment: Comment) -> None:
    if comment.user_id != viewer.user.id:
        raise Forbidden("comments: you can only change your own comments.")


def _moderator(viewer: Session) -> None:
    if not viewer.user.is_moderator:
        raise Forbidden("moderation: only moderators can do that.")


def _anchor(comment: Comment) -> str:
    return f"{comment.target.url}#comment-{comment.id}"


def section_renderer(accounts: Accounts, templates: Jinja2Templates) -> Callable[..., Markup]:
    """A function rendering the comments section for one article or story: (request, kind, id, the
    page's connection; `none=True` when the page already knows there is no comment to read)."""
    template = templates.env.get_template("comments/section.html")

    def comments_section(request: Request, kind: str, target_id: str, db: Reader, none: bool = False) -> Markup:
        target = Target(kind, target_id)
        roots = [] if none else comment_store.thread(db, target)
        here = f"{target.url}#comments"
        return Markup(
            template.render(
                request=request,
                viewer=viewer_of(request),
                target=target,
                roots=roots,
                count=_visible_count(roots),
                render_text=render_text,
                help=BODY_HELP,
                login=login_url(here),
                register="/register?next=" + quote(here, safe="/"),
            )
        )

    return comments_section


def _problem(exc: CommentError | RateLimited) -> dict[str, Any]:
    """How a refused form says why: the status, and the message next to its field or above the form."""
    if isinstance(exc, RateLimited):
        return {"status": 429, "form_error": str(exc), "headers": {"Retry-After": str(math.ceil(exc.retry_after))}}
    errors = {exc.field: exc.sentence} if exc.field else {}
    return {"status": exc.status, "errors": errors, "form_error": None if exc.field else exc.sentence}


class _Forms:
    """What the comment routes render: pages with the viewer's token, and a form shown once more."""

    def __init__(self, accounts: Accounts, templates: Jinja2Templates) -> None:
        self.accounts, self.templates = accounts, templates

    def page(
        self, request: Request, name: str, status: int = 200, headers: dict | None = None, **context: Any
    ) -> HTMLResponse:
        viewer = viewer_of(request)
        context = {
            "viewer": viewer,
            "csrf": viewer.csrf_token if viewer else "",
            "render_text": render_text,
            "help": BODY_HELP,
            "errors": {},
            "form_error": None,
            **context,
        }
        return self.templates.TemplateResponse(request, name, context, status_code=status, headers=headers)

    def again(self, request: Request, exc: CommentError | RateLimited, **context: Any) -> HTMLResponse:
        """The comment form once more, with the text kept and the problem next to it."""
        return self.page(request, "comments/form.html", **_problem(exc), **context)

    def spend(self, viewer: Session, request: Request) -> None:
        self.accounts.limit("comment-user", str(viewer.user.id))
        self.accounts.limit("comment-ip", client_address(request))


def comments_router(accounts: Accounts, templates: Jinja2Templates) -> APIRouter:
    """Routes under /comments and /moderation (every form checked against CSRF)."""
    router = APIRouter(dependencies=[Depends(accounts.require_csrf)])

    @router.get("/comments/{comment_id}")
    def permalink(comment_id: CommentId) -> Response:
        return RedirectResponse(_anchor(comment_store.get_comment(accounts.engine, comment_id)), status_code=303)

    forms = _Forms(accounts, templates)
    _posting_routes(router, accounts, forms)
    _reply_routes(router, accounts, forms)
    _editing_routes(router, accounts, forms)
    _deleting_routes(router, accounts, forms)
    _report_routes(router, accounts, forms.page)
    _moderation_routes(router, accounts, forms.page)
    return router


def _reply_context(parent: Comment, body: str) -> dict:
    return {
        "heading": "Reply",
        "action": f"/comments/{parent.id}/reply",
        "parent": parent,
        "value": body,
        "submit": "Post reply",
        "back": _anchor(parent),
    }


def _edit_context(comment: Comment, body: str) -> dict:
    return {
        "heading": "Edit your comment",
        "action": f"/comments/{comment.id}/edit",
        "value": body,
        "submit": "Save changes",
        "back": _anchor(comment),
    }


def _posting_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    """A new comment."""
    engine = accounts.engine

    @router.post("/comments", response_class=HTMLResponse)
    def post_comment(request: Request, target: str = Form(""), body: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        where = _target(accounts, target)
        context = {
            "heading": "Add a comment",
            "action": "/comments",
            "target": where,
            "value": body,
            "submit": "Post comment",
            "back": f"{where.url}#comments",
        }
        try:
            comment_store.clean_body(body)
            forms.spend(viewer, request)
            comment = comment_store.add_comment(engine, viewer.user.id, where, body)
        except (CommentError, RateLimited) as exc:
            return forms.again(request, exc, **context)
        return RedirectResponse(_anchor(comment), status_code=303)


def _reply_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    """A reply to a comment."""
    engine = accounts.engine

    @router.get("/comments/{comment_id}/reply", response_class=HTMLResponse)
    def reply_form(request: Request, comment_id: CommentId) -> Response:
        parent = comment_store.get_comment(engine, comment_id)
        if viewer_of(request) is None:
            return RedirectResponse(login_url(request.url.path), status_code=303)
        return forms.page(request, "comments/form.html", **_reply_context(parent, ""))

    @router.post("/comments/{comment_id}/reply", response_class=HTMLResponse)
    def reply(request: Request, comment_id: CommentId, body: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        parent = comment_store.get_comment(engine, comment_id)
        try:
            _ensure_open(accounts, parent.target)
            comment_store.clean_body(body)
            forms.spend(viewer, request)
            comment = comment_store.add_comment(engine, viewer.user.id, parent.target, body, parent_id=parent.id)
        except (CommentError, RateLimited) as exc:
            return forms.again(request, exc, **_reply_context(parent, body))
        return RedirectResponse(_anchor(comment), status_code=303)


def _editing_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    """Editing one's own comment."""
    engine = accounts.engine

    @router.get("/comments/{comment_id}/edit", response_class=HTMLResponse)
    def edit_form(request: Request, comment_id: CommentId) -> Response:
        comment = comment_store.get_comment(engine, comment_id)
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url(request.url.path), status_code=303)
        _own(viewer, comment)
        if comment.deleted:
            raise CommentError("A deleted comment cannot be edited.", None)
        return forms.page(request, "comments/form.html", **_edit_context(comment, comment.body))

    @router.post("/comments/{comment_id}/edit", response_class=HTMLResponse)
    def edit(request: Request, comment_id: CommentId, body: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        comment = comment_store.get_comment(engine, comment_id)
        _own(viewer, comment)
        try:
            _ensure_open(accounts, comment.target)
            forms.spend(viewer, request)
            comment_store.edit_comment(engine, comment.id, body)
        except (CommentError, RateLimited) as exc:
            return forms.again(request, exc, **_edit_context(comment, body))
        return RedirectResponse(_anchor(comment), status_code=303)


def _deleting_routes(router: APIRouter, accounts: Accounts, forms: _Forms) -> None:
    """Deleting one's own comment (its place in the thread stays, marked deleted)."""
    engine = accounts.engine

    @router.get("/comments/{comment_id}/delete", response_class=HTMLResponse)
    def delete_form(request: Request, comment_id: CommentId) -> Response:
        comment = comment_store.get_comment(engine, comment_id)
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url(request.url.path), status_code=303)
        _own(viewer, comment)
        return forms.page(request, "comments/delete.html", comment=comment, back=_anchor(comment))

    @router.post("/comments/{comment_id}/delete")
    def delete(request: Request, comment_id: CommentId) -> Response:
        comment = comment_store.get_comment(engine, comment_id)
        _own(_need_viewer(request), comment)
        comment_store.delete_comment(engine, comment.id)
        return RedirectResponse(_anchor(comment), status_code=303)


def _report_routes(router: APIRouter, accounts: Accounts, page: Callable[..., HTMLResponse]) -> None:
    """GET and POST /comments/{id}/report: a reason from a short list and an optional note."""
    engine = accounts.engine

    def report_page(request: Request, comment: Comment, status: int = 200, **context: Any) -> HTMLResponse:
        return page(
            request,
            "comments/report.html",
            status=status,
            comment=comment,
            reasons=comment_store.REASONS,
            back=_anchor(comment),
            **{"values": {}, **context},
        )

    @router.get("/comments/{comment_id}/report", response_class=HTMLResponse)
    def report_form(request: Request, comment_id: CommentId, sent: str = "") -> Response:
        comment = comment_store.get_comment(engine, comment_id)
        if viewer_of(request) is None:
            return RedirectResponse(login_url(request.url.path), status_code=303)
        return report_page(request, comment, sent=sent)

    @router.post("/comments/{comment_id}/report", response_class=HTMLResponse)
    def report(request: Request, comment_id: CommentId, reason: str = Form(""), note: str = Form("")) -> Response:
        viewer = _need_viewer(request)
        comment = comment_store.get_comment(engine, comment_id)
        values = {"reason": reason, "note": note}
        try:
            accounts.limit("report-user", str(viewer.user.id))
            new = comment_store.report_comment(engine, comment.id, viewer.user.id, reason, note)
        except (RateLimited, CommentError) as exc:
            return report_page(request, comment, values=values, **_problem(exc))
        return RedirectResponse(f"/comments/{comment.id}/report?sent={'new' if new else 'again'}", status_code=303)


def _moderation_routes(router: APIRouter, accounts: Accounts, page: Callable[..., HTMLResponse]) -> None:
    """The moderators' queue and their hide, restore and dismiss buttons."""
    engine = accounts.engine

    @router.get("/moderation", response_class=HTMLResponse)
    def moderation(request: Request) -> Response:
        viewer = viewer_of(request)
        if viewer is None:
            return RedirectResponse(login_url("/moderation"), status_code=303)
        _moderator(viewer)
        return page(
            request,
            "comments/moderation.html",
            queue=comment_store.report_queue(engine),
            hidden=comment_store.hidden_comments(engine),
            reasons=comment_store.REASONS,
        )

    def moderate(
        request: Request, comment_id: CommentId, action: Callable[[Comment, Session], None], next_path: str
    ) -> Response:
        viewer = _need_viewer(request)
        _moderator(viewer)
        comment = comment_store.get_comment(engine, comment_id)
        action(comment, viewer)
        return RedirectResponse(safe_next(next_path) if next_path else _anchor(comment), status_code=303)

    @router.post("/comments/{comment_id}/hide")
    def hide(request: Request, comment_id: CommentId, next: str = Form("")) -> Response:
        return moderate(request, comment_id, lambda c, v: comment_store.hide_comment(engine, c.id, v.user.id), next)

    @router.post("/comments/{comment_id}/restore")
    def restore(request: Request, comment_id: CommentId, next: str = Form("")) -> Response:
        return moderate(request, comment_id, lambda c, v: comment_store.restore_comment(engine, c.id), next)

    @router.post("/moderation/{comment_id}/dismiss")
    def dismiss(request: Request, comment_id: CommentId) -> Response:
        return moderate(
            request, comment_id, lambda c, v: comment_store.dismiss_reports(engine, c.id, v.user.id), "/moderation"
        )
