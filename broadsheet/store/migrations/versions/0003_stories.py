"""Stories, duplicates and what the understand stage keeps per article.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("story_id", sa.String(32)))
        batch.add_column(sa.Column("duplicate_of", sa.String(32)))
        batch.add_column(sa.Column("content_hash", sa.String(32)))
        batch.add_column(sa.Column("terms", sa.JSON))
        batch.add_column(sa.Column("vector", sa.LargeBinary))
    op.create_index("ix_articles_story", "articles", ["story_id"])
    op.create_index("ix_articles_duplicate_of", "articles", ["duplicate_of"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_table(
        "stories",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("article_id", sa.String(32)),
        sa.Column("first_seen", UTCDateTime),
        sa.Column("last_seen", UTCDateTime),
        sa.Column("article_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("source_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])
    op.create_index("ix_stories_updated_at", "stories", ["updated_at"])
    op.create_table(
        "story_redirects",
        sa.Column("old_id", sa.String(32), primary_key=True),
        sa.Column("new_id", sa.String(32), nullable=False),
    )
    op.create_table(
        "term_stats",
        sa.Column("term", sa.Text, primary_key=True),
        sa.Column("df", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "understand_state",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("understand_state")
    op.drop_table("term_stats")
    op.drop_table("story_redirects")
    op.drop_table("stories")
    op.drop_index("ix_articles_content_hash", "articles")
    op.drop_index("ix_articles_duplicate_of", "articles")
    op.drop_index("ix_articles_story", "articles")
    with op.batch_alter_table("articles") as batch:
        for name in ("vector", "terms", "content_hash", "duplicate_of", "story_id"):
            batch.drop_column(name)
