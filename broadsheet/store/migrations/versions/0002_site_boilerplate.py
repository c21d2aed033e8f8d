"""Per-site boilerplate: paragraphs seen repeating across one site's pages.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_paragraphs",
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("sample", sa.Text, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("site", "fingerprint"),
    )
    op.create_table(
        "site_pages",
        sa.Column("site", sa.Text, primary_key=True),
        sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("site_pages")
    op.drop_table("site_paragraphs")
