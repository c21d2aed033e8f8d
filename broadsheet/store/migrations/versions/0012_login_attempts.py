"""Failed logins per (account, address) and per address, kept in the database so that every web
process slows the same attacker down (and a restart does not forgive them).

Revision ID: 0012_login_attempts
Revises: 0011_related_lists
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0012_login_attempts"
down_revision = "0011_related_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", UTCDateTime, nullable=False),
        sa.Column("retry_at", UTCDateTime),
    )
    op.create_index("ix_login_attempts_last", "login_attempts", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempts_last", "login_attempts")
    op.drop_table("login_attempts")
