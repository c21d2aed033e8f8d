"""Reading state per signed-in reader (read, saved) and the API passwords reader apps sign in with
(Google Reader API and Fever).

Revision ID: 0019_reading
Revises: 0018_search_vector
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0019_reading"
down_revision = "0018_search_vector"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_states",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("read_at", UTCDateTime),
        sa.Column("starred_at", UTCDateTime),
    )
    op.create_index("ix_article_states_starred", "article_states", ["user_id", "starred_at"])
    op.create_table(
        "api_passwords",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("fever_key", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_passwords")
    op.drop_index("ix_article_states_starred", table_name="article_states")
    op.drop_table("article_states")
