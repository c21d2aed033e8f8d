"""WebSub subscriptions on sources.

Revision ID: 0004
Revises: 0003
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS: list[tuple[str, Any]] = [
    ("websub_hub", sa.Text),
    ("websub_secret", sa.Text),
    ("websub_state", sa.String(16)),
    ("websub_requested_at", UTCDateTime),
    ("websub_expires_at", UTCDateTime),
    ("websub_pushed_at", UTCDateTime),
    ("websub_error", sa.Text),
]


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
