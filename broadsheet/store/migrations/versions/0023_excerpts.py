"""Excerpts: the clean lead a related-articles list shows, kept by the enrich stage with the
article, so that a page listing five related articles does not clean five leads on every view.

Revision ID: 0023_excerpts
Revises: 0022_pictures
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_excerpts"
down_revision = "0022_pictures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("excerpt", sa.Text))  # NULL until enriched: pages make it then


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("excerpt")
