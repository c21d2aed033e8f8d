"""Related-article lists kept with each article, so that every web worker (and every restart)
reads the ranking instead of computing it again.

Revision ID: 0011_related_lists
Revises: 0010_section_vote
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_related_lists"
down_revision = "0010_section_vote"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("related_ids", sa.JSON))
        batch.add_column(sa.Column("related_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("related_at")
        batch.drop_column("related_ids")
