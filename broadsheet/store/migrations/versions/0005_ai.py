"""AI features: sections, tags, key points and entities per article; entity, digest and answer tables.

Revision ID: 0005
Revises: 0004
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ARTICLE_COLUMNS: list[tuple[str, Any]] = [
    ("section", sa.String(32)),
    ("tags", sa.JSON),
    ("key_points", sa.JSON),
    ("entities", sa.JSON),
    ("enriched", sa.Integer),
]


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        for name, kind in ARTICLE_COLUMNS:
            batch.add_column(sa.Column(name, kind))
    op.create_index("ix_articles_section", "articles", ["section"])
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("surname", sa.Text, nullable=False, server_default=""),
        sa.Column("article_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_seen", UTCDateTime),
    )
    op.create_index("ix_entities_kind_surname", "entities", ["kind", "surname"])
    op.create_table(
        "article_entities",
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("entity_id", sa.Integer, sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_article_entities_entity", "article_entities", ["entity_id"])
    op.create_table(
        "story_digests",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("story_id", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_story_digests_story", "story_digests", ["story_id"])
    op.create_table(
        "answers",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_answers_scope", "answers", ["scope"])


def downgrade() -> None:
    for table in ("answers", "story_digests", "article_entities", "entities"):
        op.drop_table(table)
    op.drop_index("ix_articles_section", "articles")
    with op.batch_alter_table("articles") as batch:
        for name, _ in reversed(ARTICLE_COLUMNS):
            batch.drop_column(name)
