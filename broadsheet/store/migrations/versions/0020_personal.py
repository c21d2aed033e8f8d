"""The personal layer: what readers follow and mute, and their digests (feed token, email).

Revision ID: 0020_personal
Revises: 0019_reading
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0020_personal"
down_revision = "0019_reading"
branch_labels = None
depends_on = None


def _choices(name: str, target_length: int) -> None:
    op.create_table(
        name,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(target_length), primary_key=True),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def upgrade() -> None:
    _choices("follows", 64)
    _choices("mutes", 100)
    op.create_table(
        "reader_digests",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("frequency", sa.String(8), nullable=False, server_default="daily"),
        sa.Column("email_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("feed_token", sa.String(64), unique=True),
        sa.Column("last_sent_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("reader_digests")
    op.drop_table("mutes")
    op.drop_table("follows")
