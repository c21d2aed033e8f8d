"""PostgreSQL search reads a stored tsvector: ranking a match no longer parses the article's text
again (with common words, thousands of texts per query), and its GIN index replaces the
expression index of 0007. SQLite's FTS5 table already stores its index: nothing to do there.

Revision ID: 0018_search_vector
Revises: 0017_source_folders
"""

from alembic import op

revision = "0018_search_vector"
down_revision = "0017_source_folders"
branch_labels = None
depends_on = None

VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(text, '')), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Generated: PostgreSQL keeps it in step with title and text on every write, as the index was.
    op.execute(f"ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_articles_search_vector ON articles USING GIN (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_articles_search")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_articles_search ON articles USING GIN (({VECTOR}))")
    op.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
    op.execute("ALTER TABLE articles DROP COLUMN search_vector")
