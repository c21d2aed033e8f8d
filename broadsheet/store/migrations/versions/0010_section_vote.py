"""Each article's own section vote, beside the section it is shown in (its story's), and one head.

The classifier's answer for one article goes to `section_vote`; `section` becomes the story's
section: the most common vote among the story's articles. Existing rows keep their section as
their vote, and existing stories are pooled here. This revision also joins the three branches (accounts, AI, search) into one head.

Revision ID: 0010_section_vote
Revises: 0005, 0006_accounts, 0009_duplicate_partial
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_section_vote"
down_revision = ("0005", "0006_accounts", "0009_duplicate_partial")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("section_vote", sa.String(32)))
    op.execute("UPDATE articles SET section_vote = section WHERE section IS NOT NULL")
    # Existing stories are shown in one section at once (new articles pool theirs as they come):
    # the most common vote among the story's articles, ties to the earliest article's vote.
    op.execute("""UPDATE articles SET section = coalesce((
                      SELECT v.section_vote FROM articles v
                      WHERE v.story_id = articles.story_id AND v.section_vote IS NOT NULL
                      GROUP BY v.section_vote ORDER BY count(*) DESC, min(v.arrival) LIMIT 1), section)
                  WHERE story_id IS NOT NULL""")


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("section_vote")
