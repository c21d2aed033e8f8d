"""Source folders: the reader's grouping of feeds (OPML outline folders), kept and exported.

Revision ID: 0017_source_folders
Revises: 0016_vector_snapshots
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_source_folders"
down_revision = "0016_vector_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("folder", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("folder")
