"""Storylines: a subject covered for weeks or months (a trial, a war, a strike) links its stories.
Each story names its storyline (the id of the storyline's first story; a story alone is its own).

Revision ID: 0015_storylines
Revises: 0014_work_leases
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_storylines"
down_revision = "0014_work_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("storyline_id", sa.String(32)))
    op.execute("UPDATE stories SET storyline_id = id")
    op.create_index("ix_stories_storyline", "stories", ["storyline_id"])


def downgrade() -> None:
    op.drop_index("ix_stories_storyline", "stories")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("storyline_id")
