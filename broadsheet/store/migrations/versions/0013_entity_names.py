"""One entity per name, with the kind most of its mentions agree on; names that are not names removed.

Until now an entity was filed per kind and name ("organisation:kessford" beside "place:kessford"),
and the names kept included datelines run into names ("VARROW - St Aldric"), scores ("Port Varrow
Mariners 2-1") and lone generic nouns ("Hospital"). Here every entity's links are folded into one
row per name, each link remembers the kind its article voted for, each entity takes the kind with
most mentions, and rows whose name fails `broadsheet.nlp.entities.is_name` are deleted with their
links. What can only be judged from an article's text (a fragment such as "Aldric", a genus) goes
when that article is enriched again: the enrich stage's version moves to 2 in the same change, so
every article is re-enriched with the new rules when it is next read or exported, and each refresh
pass re-enriches up to 500 more (newest first) in the background.

Revision ID: 0013_entity_names
Revises: 0012_login_attempts
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_entity_names"
down_revision = "0012_login_attempts"
branch_labels = None
depends_on = None

KIND_ORDER = {"organisation": 0, "person": 1, "place": 2}


def upgrade() -> None:
    from broadsheet.nlp.entities import is_name

    with op.batch_alter_table("article_entities") as batch:
        batch.add_column(sa.Column("kind", sa.String(16)))
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE article_entities SET kind = (SELECT e.kind FROM entities e WHERE e.id = article_entities.entity_id)"
        )
    )
    rows = conn.execute(sa.text("SELECT id, ref, name, article_count FROM entities ORDER BY id")).all()
    junk = {r.id for r in rows if not is_name(r.name)}
    _delete(conn, sorted(junk))
    groups: dict[str, list] = {}
    for row in rows:
        if row.id not in junk:
            groups.setdefault(row.ref.split(":", 1)[-1], []).append(row)
    renamed = []
    for key, members in groups.items():
        keeper = max(members, key=lambda r: (r.article_count, -r.id))  # the most linked row keeps its id
        for other in members:
            if other.id != keeper.id:
                _fold(conn, other.id, keeper.id)
        renamed.append({"key": key, "id": keeper.id})
    if renamed:
        conn.execute(sa.text("UPDATE entities SET ref = :key WHERE id = :id"), renamed)
    _recount(conn)


def _delete(conn, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = {"ids": ids[start : start + 500]}
        conn.execute(
            sa.text("DELETE FROM article_entities WHERE entity_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            chunk,
        )
        conn.execute(
            sa.text("DELETE FROM entities WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)), chunk
        )


def _fold(conn, old: int, new: int) -> None:
    """Move one entity's links to another (adding mentions where an article names both, the link then
    taking the kind of the larger share), then drop it."""
    conn.execute(
        sa.text("""UPDATE article_entities SET kind = (
                                SELECT o.kind FROM article_entities o
                                WHERE o.entity_id = :old AND o.article_id = article_entities.article_id)
                            WHERE entity_id = :new AND mentions < (
                                SELECT o.mentions FROM article_entities o
                                WHERE o.entity_id = :old AND o.article_id = article_entities.article_id)"""),
        {"old": old, "new": new},
    )
    conn.execute(
        sa.text("""UPDATE article_entities SET mentions = mentions + coalesce((
                                SELECT o.mentions FROM article_entities o
                                WHERE o.entity_id = :old AND o.article_id = article_entities.article_id), 0)
                            WHERE entity_id = :new"""),
        {"old": old, "new": new},
    )
    conn.execute(
        sa.text("""DELETE FROM article_entities WHERE entity_id = :old AND article_id IN
                            (SELECT article_id FROM article_entities WHERE entity_id = :new)"""),
        {"old": old, "new": new},
    )
    conn.execute(
        sa.text("UPDATE article_entities SET entity_id = :new WHERE entity_id = :old"), {"old": old, "new": new}
    )
    conn.execute(sa.text("DELETE FROM entities WHERE id = :old"), {"old": old})


def _recount(conn) -> None:
    """Every entity's article count and kind (most mentions; ties as within an article) from its links."""
    tallies = conn.execute(
        sa.text("""SELECT entity_id, kind, count(*) AS n, sum(mentions) AS m
                                      FROM article_entities GROUP BY entity_id, kind""")
    ).all()
    counts: dict[int, int] = {}
    best: dict[int, tuple] = {}
    for row in tallies:
        counts[row.entity_id] = counts.get(row.entity_id, 0) + row.n
        rank = (row.m or 0, -KIND_ORDER.get(row.kind, 3))
        if row.kind and (row.entity_id not in best or rank > best[row.entity_id][0]):
            best[row.entity_id] = (rank, row.kind)
    updates = [{"id": i, "n": n, "kind": best[i][1]} for i, n in counts.items() if i in best]
    if updates:
        conn.execute(sa.text("UPDATE entities SET article_count = :n, kind = :kind WHERE id = :id"), updates)


def downgrade() -> None:
    with op.batch_alter_table("article_entities") as batch:
        batch.drop_column("kind")
