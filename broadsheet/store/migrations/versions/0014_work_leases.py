"""Work that survives a killed process: leases on sources and article pages, indexes that find
interrupted work, a generation counter per concern and shared rate-limit counters.

A lease names its owner (host and process) and an expiry: a source or an article page is fetched by
one process at a time, and a lease whose owner died is taken over at once instead of waiting for it
to expire. The partial indexes let each pass find stored articles not yet placed, enriched or ranked.

Revision ID: 0014_work_leases
Revises: 0013_entity_names
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_work_leases"
down_revision = "0013_entity_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("sources", "articles"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_owner", sa.Text))
            batch.add_column(sa.Column("lease_until", sa.DateTime))
    op.execute("CREATE INDEX ix_articles_unplaced ON articles (arrival) WHERE status = 'ok' AND story_id IS NULL")
    op.execute("CREATE INDEX ix_articles_unenriched ON articles (arrival) WHERE status = 'ok' AND enriched IS NULL")
    op.execute(
        "CREATE INDEX ix_articles_unranked ON articles (arrival) WHERE story_id IS NOT NULL AND related_at IS NULL"
    )
    op.create_table(
        "generations",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rate_hits",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("slot", sa.BigInteger, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_hits")
    op.drop_table("generations")
    for name in ("ix_articles_unranked", "ix_articles_unenriched", "ix_articles_unplaced"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for table in ("articles", "sources"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_until")
            batch.drop_column("lease_owner")
