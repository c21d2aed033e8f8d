"""Index for "newest first" lists: the front page must not sort 100,000 rows per request.

Revision ID: 0008_sort_index
Revises: 0007_search
"""

from alembic import op

revision = "0008_sort_index"
down_revision = "0007_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Same expression as the store's ORDER BY, so both SQLite and PostgreSQL can walk the index.
    op.execute("CREATE INDEX ix_articles_newest ON articles (status, coalesce(published_at, fetched_at), id)")
    op.execute(
        "CREATE INDEX ix_articles_source_newest ON articles (source_id, status, coalesce(published_at, fetched_at), id)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_articles_source_newest")
    op.execute("DROP INDEX ix_articles_newest")
