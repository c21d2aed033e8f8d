"""Comments on articles and stories, threaded by parent, with reports for moderators.

The store keeps comment text exactly as typed (minus control characters); the web layer renders
it safely. Deleting keeps the row so replies keep their place; hiding keeps the text to restore."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from broadsheet.errors import InputError, NotFound
from broadsheet.store.db import Reader, connected
from broadsheet.store.schema import comment_reports, comments, story_redirects, users

MAX_BODY = 5000
MAX_NOTE = 500
REASONS = {
    "spam": "Spam or advertising",
    "abuse": "Harassment, hate or abuse",
    "off-topic": "Off topic",
    "other": "Something else",
}
# C0 controls other than tab and newline, and the bidirectional overrides that can disguise text.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class CommentError(InputError):
    """A comment or report that cannot be accepted; `field` names the form input at fault."""

    def __init__(self, sentence: str, field: str | None = "body", status: int = 400):
        super().__init__(f"comments: {sentence[0].lower()}{sentence[1:]}")
        self.sentence, self.field, self.status = sentence, field, status


@dataclass(frozen=True)
class Target:
    """What a comment is about: one article or one story."""

    kind: str  # article | story
    id: str

    @property
    def url(self) -> str:
        """The reader's page for the target, where its comments are shown."""
        return f"/{'articles' if self.kind == 'article' else 'stories'}/{self.id}"


@dataclass
class Comment:
    """One comment, with its replies once threaded."""

    id: int
    target: Target
    parent_id: int | None
    user_id: int | None
    author: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None
    replies: list[Comment] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        """Deleted by its author."""
        return self.deleted_at is not None

    @property
    def hidden(self) -> bool:
        """Hidden by a moderator."""
        return self.hidden_at is not None


@dataclass
class Report:
    """One reader's report of a comment."""

    reporter: str
    reason: str
    note: str
    created_at: datetime


@dataclass
class Reported:
    """A comment in the moderation queue with its open reports."""

    comment: Comment
    reports: list[Report]


def _now() -> datetime:
    return datetime.now(UTC)


_COLUMNS = (comments, users.c.username.label("author"))


def _comment(row: Row[Any]) -> Comment:
    target = Target("article", row.article_id) if row.article_id is not None else Target("story", row.story_id)
    return Comment(
        id=row.id,
        target=target,
        parent_id=row.parent_id,
        user_id=row.user_id,
        author=row.author,
        body=row.body,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
        hidden_at=row.hidden_at,
    )


def _joined():
    return select(*_COLUMNS).select_from(comments.outerjoin(users, users.c.id == comments.c.user_id))


def clean_body(text: str, limit: int = MAX_BODY, what: str = "comment") -> str:
    """Comment text with line endings normalised and invisible control characters removed."""
    body = _INVISIBLE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body and what == "comment":
        raise CommentError("Write something before posting.")
    if len(body) > limit:
        raise CommentError(
            f"The {what} is too long: {len(body):,} characters, the limit is {limit:,}.",
            "body" if what == "comment" else "note",
        )
    return body


def add_comment(engine: Engine, user_id: int, target: Target, body: str, parent_id: int | None = None) -> Comment:
    """Post a comment (or, with parent_id, a reply in the parent's thread)."""
    text = clean_body(body)
    if parent_id is not None:
        parent = get_comment(engine, parent_id)
        if parent.deleted or parent.hidden:
            raise CommentError("That comment was removed, so it cannot be replied to.", None)
        target = parent.target  # a reply always lives where its parent does
    row = {
        "article_id": target.id if target.kind == "article" else None,
        "story_id": target.id if target.kind == "story" else None,
        "parent_id": parent_id,
        "user_id": user_id,
        "body": text,
        "created_at": _now(),
    }
    with engine.begin() as conn:
        new_id = conn.execute(comments.insert().values(**row)).inserted_primary_key[0]  # type: ignore[index]
    return get_comment(engine, new_id)


def get_comment(db: Reader, comment_id: int) -> Comment:
    """One comment by id, or NotFound."""
    with connected(db) as conn:
        row = conn.execute(_joined().where(comments.c.id == comment_id)).first()
    if row is None:
        raise NotFound(f"comments: no comment with id {comment_id}")
    return _comment(row)


def edit_comment(engine: Engine, comment_id: int, body: str) -> Comment:
    """Replace a comment's text (the author's own check is the caller's)."""
    text = clean_body(body)
    if get_comment(engine, comment_id).deleted:
        raise CommentError("A deleted comment cannot be edited.", None)
    with engine.begin() as conn:
        conn.execute(update(comments).where(comments.c.id == comment_id).values(body=text, edited_at=_now()))
    return get_comment(engine, comment_id)


def delete_comment(engine: Engine, comment_id: int) -> None:
    """Delete a comment's text but keep its row, so replies keep their place under "[deleted]"."""
    with engine.begin() as conn:
        conn.execute(
            update(comments)
            .where(comments.c.id == comment_id)
            .where(comments.c.deleted_at.is_(None))
            .values(body="", deleted_at=_now())
        )


def hide_comment(engine: Engine, comment_id: int, moderator_id: int) -> None:
    """Hide a comment from readers; its open reports are resolved as "hidden"."""
    get_comment(engine, comment_id)
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            update(comments)
            .where(comments.c.id == comment_id)
            .where(comments.c.hidden_at.is_(None))
            .values(hidden_at=now, hidden_by=moderator_id)
        )
        _resolve(conn, comment_id, moderator_id, "hidden", now)


def restore_comment(engine: Engine, comment_id: int) -> None:
    """Show a hidden comment again."""
    get_comment(engine, comment_id)
    with engine.begin() as conn:
        conn.execute(update(comments).where(comments.c.id == comment_id).values(hidden_at=None, hidden_by=None))


def _where_target(target: Target):
    return _where(target.kind, target.id)


def _where(kind: str, target_id: Any):
    """The comments of an article or story (its id, or a bound parameter); a story's include those
    of stories merged into it (a subquery, so that one connection answers: a second checkout while
    holding the first starves the pool)."""
    if kind == "article":
        return comments.c.article_id == target_id
    merged = select(story_redirects.c.old_id).where(story_redirects.c.new_id == target_id).scalar_subquery()
    return (comments.c.story_id == target_id) | comments.c.story_id.in_(merged)


# Each article and story page reads its thread: the two statements are built once (see
# store/articles.py _VIEW), the target's id bound at each read.
_THREADS = {
    kind: _joined().where(_where(kind, bindparam("id"))).order_by(comments.c.id) for kind in ("article", "story")
}


def thread(db: Reader, target: Target) -> list[Comment]:
    """A target's comments as a forest: top-level comments oldest first, each with its replies."""
    with connected(db) as conn:
        rows = conn.execute(_THREADS[target.kind], {"id": target.id}).all()
    by_id = {row.id: _comment(row) for row in rows}
    roots: list[Comment] = []
    for item in by_id.values():
        parent = by_id.get(item.parent_id) if item.parent_id is not None else None
        (parent.replies if parent else roots).append(item)
    return roots


def count_comments(db: Reader, target: Target) -> int:
    """Comments a reader can see on a target (not deleted, not hidden)."""
    query = (
        select(func.count())
        .select_from(comments)
        .where(_where_target(target))
        .where(comments.c.deleted_at.is_(None))
        .where(comments.c.hidden_at.is_(None))
    )
    with connected(db) as conn:
        return conn.execute(query).scalar_one()


def report_comment(engine: Engine, comment_id: int, user_id: int, reason: str, note: str = "") -> bool:
    """Record a reader's report; False when they had already reported this comment."""
    if reason not in REASONS:
        raise CommentError("Choose a reason for the report.", "reason")
    text = clean_body(note, MAX_NOTE, what="note")
    comment = get_comment(engine, comment_id)
    if comment.deleted or comment.hidden:
        raise CommentError("That comment has already been removed; there is nothing left to report.", None)
    try:
        with engine.begin() as conn:
            conn.execute(
                comment_reports.insert().values(
                    comment_id=comment_id, user_id=user_id, reason=reason, note=text, created_at=_now()
                )
            )
    except IntegrityError:
        return False
    return True


def _resolve(conn: Connection, comment_id: int, moderator_id: int, resolution: str, when: datetime) -> None:
    conn.execute(
        update(comment_reports)
        .where(comment_reports.c.comment_id == comment_id)
        .where(comment_reports.c.resolved_at.is_(None))
        .values(resolved_at=when, resolved_by=moderator_id, resolution=resolution)
    )


def dismiss_reports(engine: Engine, comment_id: int, moderator_id: int) -> None:
    """Close a comment's open reports without hiding it."""
    get_comment(engine, comment_id)
    with engine.begin() as conn:
        _resolve(conn, comment_id, moderator_id, "dismissed", _now())


def report_queue(db: Reader, limit: int = 100) -> list[Reported]:
    """Comments with open reports, most reported first, each with its reports."""
    query = (
        select(comment_reports, users.c.username.label("reporter"))
        .join(users, users.c.id == comment_reports.c.user_id)
        .where(comment_reports.c.resolved_at.is_(None))
        .order_by(comment_reports.c.id)
    )
    with connected(db) as conn:
        rows = conn.execute(query).all()
        grouped: dict[int, list[Report]] = {}
        for row in rows:
            grouped.setdefault(row.comment_id, []).append(Report(row.reporter, row.reason, row.note, row.created_at))
        found = conn.execute(_joined().where(comments.c.id.in_(list(grouped)))).all() if grouped else []
    items = [Reported(_comment(row), grouped[row.id]) for row in found]
    items.sort(key=lambda r: (-len(r.reports), r.reports[0].created_at))
    return items[:limit]


def hidden_comments(db: Reader, limit: int = 50) -> list[Comment]:
    """Comments moderators have hidden, most recent first (so they can be restored)."""
    query = (
        _joined()
        .where(and_(comments.c.hidden_at.is_not(None), comments.c.deleted_at.is_(None)))
        .order_by(comments.c.hidden_at.desc())
        .limit(limit)
    )
    with connected(db) as conn:
        return [_comment(row) for row in conn.execute(query)]
