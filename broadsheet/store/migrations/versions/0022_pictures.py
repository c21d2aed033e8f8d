"""Lead pictures: fetched once by the pipeline, resized into a few widths and served from the
site's own origin (readers never load a publisher's image, so publishers cannot track them).

Revision ID: 0022_pictures
Revises: 0021_apikeys
"""

import sqlalchemy as sa
from alembic import op

from broadsheet.store.schema import UTCDateTime

revision = "0022_pictures"
down_revision = "0021_apikeys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pictures",
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("alt", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("next_try_at", UTCDateTime),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_pictures_retry", "pictures", ["status", "next_try_at"])
    op.create_table(
        "picture_files",
        sa.Column(
            "article_id", sa.String(32), sa.ForeignKey("pictures.article_id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("width", sa.Integer, primary_key=True),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("mime", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("picture_files")
    op.drop_index("ix_pictures_retry", table_name="pictures")
    op.drop_table("pictures")
