"""One entity per name in the store: the kind most mentions agree on across articles, and migration
0013 folding and cleaning the entities an older database kept."""

from alembic import command
from sqlalchemy import select, text

from broadsheet.model import Article
from broadsheet.store import enrichment
from broadsheet.store.articles import save_articles
from broadsheet.store.db import _alembic_config, make_engine, migrate
from broadsheet.store.schema import article_entities, entities


def _articles(engine, count: int) -> list[str]:
    ids = [f"a{i}" for i in range(count)]
    with engine.begin() as conn:
        save_articles(conn, [Article(id=i, url=f"https://example.org/{i}", title=i, text="Text.") for i in ids])
    return ids


def _link(name: str, kind: str, count: int = 1) -> dict:
    key = name.lower()
    return {"ref": key, "kind": kind, "name": name, "surname": key.split()[-1], "count": count}


def test_a_name_is_one_entity_with_the_kind_most_mentions_agree_on(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/e.db")
    migrate(engine)
    ids = _articles(engine, 3)
    with engine.begin() as conn:
        enrichment.link_entities(conn, {ids[0]: [_link("Kessford", "organisation", 2)]}, {})
        enrichment.link_entities(
            conn, {ids[1]: [_link("Kessford", "place", 3)], ids[2]: [_link("Kessford", "place")]}, {}
        )
    with engine.connect() as conn:
        rows = conn.execute(select(entities)).all()
    assert [(r.ref, r.kind, r.article_count) for r in rows] == [("kessford", "place", 3)]


def test_migration_0013_folds_kinds_and_drops_what_is_not_a_name(tmp_path, monkeypatch):
    from broadsheet.store import recent_index

    monkeypatch.setattr(recent_index, "trim", lambda conn: None)  # its table comes with 0024, after this schema
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011_related_lists")
    ids = _articles(engine, 3)
    old = [
        (1, "organisation:kessford", "organisation", "Kessford", 1),
        (2, "place:kessford", "place", "Kessford", 2),
        (3, "organisation:varrow st aldric", "organisation", "VARROW - St Aldric", 1),
        (4, "place:port varrow mariners 2 1", "place", "Port Varrow Mariners 2-1", 1),
        (5, "organisation:hospital", "organisation", "Hospital", 1),
    ]
    links = [
        (ids[0], 1, 4),
        (ids[1], 2, 2),
        (ids[2], 2, 1),
        (ids[0], 2, 1),
        (ids[0], 3, 1),
        (ids[1], 4, 1),
        (ids[2], 5, 1),
    ]
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO entities (id, ref, kind, name, surname, article_count) VALUES (:i, :r, :k, :n, '', :c)"),
            [dict(zip("irknc", row)) for row in old],
        )
        conn.execute(
            text("INSERT INTO article_entities (article_id, entity_id, mentions) VALUES (:a, :e, :m)"),
            [dict(zip("aem", row)) for row in links],
        )
    migrate(engine)
    with engine.connect() as conn:
        kept = conn.execute(select(entities.c.id, entities.c.ref, entities.c.kind, entities.c.article_count)).all()
        linked = conn.execute(
            select(article_entities.c.article_id, article_entities.c.mentions).order_by(article_entities.c.article_id)
        ).all()
    # Kessford: 5 mentions as an organisation (4 + 1 in a0) against 3 as a place: one row, organisation.
    assert [tuple(r) for r in kept] == [(2, "kessford", "organisation", 3)]
    assert [tuple(r) for r in linked] == [("a0", 5), ("a1", 2), ("a2", 1)]


def test_entity_page_links_each_story_heading_to_the_story(engine, config):
    from pathlib import Path

    import httpx
    from httpserver import AppServer

    from broadsheet.pipeline import bulk
    from broadsheet.store.stories import understood
    from broadsheet.web.app import create_app

    bulk.import_jsonl(engine, Path(__file__).parent / "fixtures" / "ai_story.jsonl")
    with engine.connect() as conn:
        freya = conn.execute(select(entities.c.id).where(entities.c.ref == "freya lindahl")).scalar_one()
        article_id = (
            conn.execute(select(article_entities.c.article_id).where(article_entities.c.entity_id == freya))
            .scalars()
            .first()
        )
    story_id = understood(engine, article_id).story_id
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as client:
        page = client.get(f"/entities/{freya}").text
    heading = page.split("<h3>", 1)[1].split("</h3>", 1)[0]
    assert f'href="/stories/{story_id}"' in heading


def test_articles_of_an_earlier_enrich_version_are_enriched_again_by_the_next_pass(engine):
    from pathlib import Path

    from sqlalchemy import update

    from broadsheet.pipeline import bulk, enrich
    from broadsheet.store.schema import articles

    bulk.import_jsonl(engine, Path(__file__).parent / "fixtures" / "ai_story.jsonl")
    with engine.begin() as conn:
        conn.execute(update(articles).values(enriched=enrich.VERSION - 1))
        conn.execute(article_entities.delete())
    from broadsheet.pipeline.runner import finish_work
    from broadsheet.store.work import unenriched_ids

    assert len(unenriched_ids(engine, enrich.VERSION, 100)) == 4
    finish_work(engine)  # every refresh pass and import ends with it
    assert unenriched_ids(engine, enrich.VERSION, 100) == []
    with engine.connect() as conn:
        assert conn.execute(select(article_entities.c.entity_id)).first() is not None
