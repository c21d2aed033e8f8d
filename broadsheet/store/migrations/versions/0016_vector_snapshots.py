"""Vector snapshots: the newest articles' embeddings in one row, built by the pipeline (a periodic job
with a job engine), so every web process loads one row instead of scanning thousands.

Revision ID: 0016_vector_snapshots
Revises: 0015_storylines
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_vector_snapshots"
down_revision = "0015_storylines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vector_snapshots",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),  # the placement batch it was built after
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("ids", sa.JSON, nullable=False),
        sa.Column("matrix", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vector_snapshots")
