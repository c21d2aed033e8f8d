"""Accounts, sessions and comments: users, user_sessions, site_secrets, comments, comment_reports.

Revision ID: 0006_accounts
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0006_accounts"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("username_key", sa.String(32), nullable=False, unique=True),
        sa.Column("email", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False, server_default="reader"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_login_at", UTCDateTime),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_user_sessions_user", "user_sessions", ["user_id"])
    op.create_index("ix_user_sessions_expires", "user_sessions", ["expires_at"])
    op.create_table(
        "site_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    _create_comments()
    _create_reports()


def _create_comments() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE")),
        sa.Column("story_id", sa.String(32)),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE")),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("edited_at", UTCDateTime),
        sa.Column("deleted_at", UTCDateTime),
        sa.Column("hidden_at", UTCDateTime),
        sa.Column("hidden_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.CheckConstraint("(article_id IS NULL) <> (story_id IS NULL)", name="ck_comments_one_target"),
    )
    op.create_index("ix_comments_article", "comments", ["article_id", "created_at"])
    op.create_index("ix_comments_story", "comments", ["story_id", "created_at"])
    op.create_index("ix_comments_parent", "comments", ["parent_id"])
    op.create_index("ix_comments_user", "comments", ["user_id"])


def _create_reports() -> None:
    op.create_table(
        "comment_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("comment_id", sa.Integer, sa.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("resolved_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("resolution", sa.String(16)),
        sa.UniqueConstraint("comment_id", "user_id", name="uq_comment_reports_once"),
    )
    op.create_index("ix_comment_reports_open", "comment_reports", ["resolved_at", "comment_id"])


def downgrade() -> None:
    op.drop_table("comment_reports")
    op.drop_table("comments")
    op.drop_table("site_secrets")
    op.drop_table("user_sessions")
    op.drop_table("users")
