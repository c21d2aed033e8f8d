from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from broadsheet.errors import ConfigError, NotFound
from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.store.db import current_revision, head_revision, make_engine, migrate, open_database


def test_migrations_build_the_schema_from_an_empty_database(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh' / 'new.db'}")
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert {"sources", "articles", "alembic_version"} <= set(inspect(engine).get_table_names())
    migrate(engine)  # running again is harmless
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _article(n: int, **kw) -> Article:
    return Article(
        id=f"id{n}",
        url=f"http://a.invalid/{n}",
        title=f"T{n}",
        text=f"Body {n}",
        published_at=datetime(2026, 11, 1 + n, tzinfo=UTC),
        **kw,
    )


def test_upsert_is_idempotent_and_keeps_arrival_order(engine):
    with engine.begin() as conn:
        article_store.save_articles(conn, [_article(1), _article(2)])
    with engine.begin() as conn:
        article_store.save_articles(conn, [_article(3), _article(1, byline="Later")])
    exported = list(article_store.iter_articles(engine, batch_size=2))
    assert [a.id for a in exported] == ["id1", "id2", "id3"]
    assert exported[0].byline == "Later"
    assert [a.id for a in article_store.latest_articles(engine, limit=2)] == ["id3", "id2"]
    assert article_store.count_articles(engine) == 3


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(Exception, match="naive"), engine.begin() as conn:
        article_store.save_articles(conn, [Article(id="x", url="u", published_at=datetime(2026, 1, 1))])


def test_source_health_is_recorded(engine):
    source, created = source_store.add_source(engine, "http://s.invalid/feed")
    assert created and not source_store.add_source(engine, "http://s.invalid/feed")[1]
    later = datetime(2030, 1, 1, tzinfo=UTC)
    source_store.record_failure(engine, source.id, "fetch: 404 from s.invalid", later, status=404)
    source_store.record_failure(engine, source.id, "fetch: 404 from s.invalid", later, status=404)
    stored = source_store.get_source(engine, source.id)
    assert (stored.error_count, stored.last_status, stored.last_error) == (2, 404, "fetch: 404 from s.invalid")
    assert source_store.due_sources(engine) == []
    source_store.record_success(engine, source.id, 200, later, etag='"e"', title="S")
    stored = source_store.get_source(engine, source.id)
    assert stored.healthy and stored.etag == '"e"' and stored.title == "S"
    with pytest.raises(NotFound):
        source_store.get_source(engine, 999)


def test_open_database_reports_unusable_location(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="store: cannot create the folder"):
        open_database(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")


def test_migration_0010_shows_existing_stories_in_one_section(tmp_path):
    # A database from before section votes: three articles of one story filed under two sections.
    from alembic import command
    from sqlalchemy import create_engine, text

    from broadsheet.store.db import _alembic_config, open_database

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
        for arrival, (article_id, section) in enumerate(
            [("o1", "Sports"), ("o2", "Entertainment"), ("o3", "Entertainment"), ("o4", "Health")]
        ):
            conn.execute(
                text("""INSERT INTO articles (id, url, source_name, title, byline, fetched_at, language,
                                 site_name, image, text, status, error_count, meta, arrival, story_id, section)
                                 VALUES (:id, :url, '', '', '', '2026-11-20 10:00:00', '', '', '', 'x', 'ok', 0,
                                 '{}', :arrival, :story, :section)"""),
                {
                    "id": article_id,
                    "url": f"http://o.invalid/{article_id}",
                    "arrival": arrival,
                    "story": None if article_id == "o4" else "st1",
                    "section": section,
                },
            )
    engine.dispose()
    engine = open_database(url)  # migrates the rest of the way
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, section || '/' || section_vote FROM articles")).all())
    assert rows == {
        "o1": "Entertainment/Sports",
        "o2": "Entertainment/Entertainment",
        "o3": "Entertainment/Entertainment",
        "o4": "Health/Health",
    }
    engine.dispose()
