"""Sources and articles.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("feed_url", sa.Text, nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("site_url", sa.Text, nullable=False, server_default=""),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_fetched_at", UTCDateTime),
        sa.Column("last_status", sa.Integer),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("next_check_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("arrival", sa.Integer, nullable=False),
        sa.Column("import_id", sa.Text),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id", ondelete="SET NULL")),
        sa.Column("source_name", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("byline", sa.Text, nullable=False, server_default=""),
        sa.Column("published_at", UTCDateTime),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("site_name", sa.Text, nullable=False, server_default=""),
        sa.Column("image", sa.Text, nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="ok"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("next_try_at", UTCDateTime),
        sa.Column("meta", sa.JSON, nullable=False),
    )
    op.create_index("ix_articles_status_published", "articles", ["status", "published_at"])
    op.create_index("ix_articles_source_published", "articles", ["source_id", "published_at"])
    op.create_index("ix_articles_import_id", "articles", ["import_id"])
    op.create_index("ix_articles_arrival", "articles", ["arrival"])


def downgrade() -> None:
    op.drop_table("articles")
    op.drop_table("sources")
