"""Partial index for syndicated copies.

Almost every article has duplicate_of NULL, so the planner's statistics for a full index say
one key matches every row and SQLite scans the table instead. Indexing only the copies fixes it.

Revision ID: 0009_duplicate_partial
Revises: 0008_sort_index
"""

from alembic import op

revision = "0009_duplicate_partial"
down_revision = "0008_sort_index"
branch_labels = None
depends_on = "0003"  # the column and the full index come from the stories migration


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_duplicate_of")
    op.execute("CREATE INDEX ix_articles_copies ON articles (duplicate_of, arrival) WHERE duplicate_of IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_articles_copies")
    op.execute("CREATE INDEX ix_articles_duplicate_of ON articles (duplicate_of)")
