"""SQLite's index of the newest articles (store/recent_index.py): it holds exactly the articles above
its mark through inserts, edits, deletes and trims, and search ranks the newest articles in it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import recent_index
from broadsheet.store.schema import articles
from broadsheet.store.search import search_articles

NOW = datetime.now(UTC)


@pytest.fixture
def desk(engine, monkeypatch):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL ranks without document counts and keeps no recent index")
    monkeypatch.setattr(recent_index, "RECENT_ROWS", 10)
    return engine


def _article(n: int, text: str) -> Article:
    return Article(
        id=f"r{n}",
        url=f"http://r.invalid/{n}",
        title=f"Tram notice {n}",
        text=text,
        published_at=NOW - timedelta(hours=n),
    )


def _save(engine, items):
    with engine.begin() as conn:
        article_store.save_articles(conn, items)


def _indexed(engine, word: str) -> set[int]:
    with engine.connect() as conn:
        return set(
            conn.exec_driver_sql(
                f"SELECT rowid FROM {recent_index.TABLE} WHERE {recent_index.TABLE} MATCH ?", (word,)
            ).scalars()
        )


def _above_mark(engine) -> tuple[int, set[int]]:
    with engine.connect() as conn:
        low = conn.exec_driver_sql("SELECT low FROM recent_search_mark").scalar_one()
        return low, set(conn.exec_driver_sql("SELECT rowid FROM articles WHERE rowid > ?", (low,)).scalars())


def test_the_index_holds_the_articles_above_its_mark_through_edits_deletes_and_trims(desk):
    for n in range(1, 31):  # one batch each, as the pipeline stores them: the mark moves up as they come
        _save(desk, [_article(n, f"Tram stop {n} is moving.")])
    low, kept = _above_mark(desk)
    assert low >= 20 and len(kept) <= 11  # the newest 10, and at most a tenth more until the next trim
    assert _indexed(desk, "tram") == kept

    _save(
        desk, [_article(2, "The old ferry timetable."), _article(29, "A new ferry timetable.")]
    )  # one below, one above
    _, kept = _above_mark(desk)
    with desk.connect() as conn:
        newest_edited = conn.exec_driver_sql("SELECT rowid FROM articles WHERE id = 'r29'").scalar_one()
    assert _indexed(desk, "ferry") == {newest_edited}  # the edit below the mark stays out
    assert _indexed(desk, "stop") == kept - {newest_edited}  # the edited article's old words left

    with desk.begin() as conn:
        conn.execute(delete(articles).where(articles.c.id == "r29"))
    assert _indexed(desk, "ferry") == set()
    _, kept = _above_mark(desk)
    assert _indexed(desk, "tram") == kept


def test_rebuild_indexes_the_newest_after_a_load_that_bypassed_the_triggers(desk):
    _save(desk, [_article(n, f"Tram stop {n}.") for n in range(1, 26)])
    with desk.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {recent_index.TABLE}({recent_index.TABLE}) VALUES ('delete-all')")
        recent_index.rebuild(conn)
        newest = conn.exec_driver_sql("SELECT max(rowid) FROM articles").scalar_one()
    low, kept = _above_mark(desk)
    assert low == newest - 10 and _indexed(desk, "tram") == kept and len(kept) == 10


def test_search_finds_the_newest_articles_through_their_index_and_older_ones_through_the_whole(desk):
    _save(desk, [_article(100, "The lighthouse logbook was found.")])
    for n in range(1, 31):
        _save(desk, [_article(n, f"Tram stop {n} is moving.")])
    _save(desk, [_article(7, "The tram depot opens.")])  # an old article edited: found through the whole index
    assert [h.article.id for h in search_articles(desk, "logbook")] == ["r100"]
    assert [h.article.id for h in search_articles(desk, "depot")] == ["r7"]
    with desk.connect() as conn:
        in_recent = conn.exec_driver_sql(
            f"SELECT count(*) FROM {recent_index.TABLE} WHERE {recent_index.TABLE} MATCH 'stop'"
        ).scalar_one()
    assert in_recent <= 11
    assert len(search_articles(desk, "tram stop", limit=50)) == 29  # newest window first, then all time


def test_a_restored_desk_indexes_only_its_newest_articles(desk, tmp_path):
    from databases import fresh_database

    from broadsheet.store.backup import backup, restore
    from broadsheet.store.db import open_database

    _save(desk, [_article(n, f"Tram stop {n}.") for n in range(1, 26)])
    backup(desk, tmp_path / "desk.backup.gz")
    with fresh_database("sqlite", tmp_path / "restored") as url:
        target = open_database(url)
        try:
            restore(target, tmp_path / "desk.backup.gz")
            low, kept = _above_mark(target)
            assert low == 15 and _indexed(target, "tram") == kept and len(kept) == 10
        finally:
            target.dispose()


def test_a_suspended_index_takes_no_article_until_it_is_rebuilt(desk):
    with desk.begin() as conn:
        recent_index.suspend(conn)
    _save(desk, [_article(n, f"Tram stop {n}.") for n in range(1, 26)])
    assert _indexed(desk, "tram") == set()  # a load's articles are not indexed one by one
    with desk.begin() as conn:
        recent_index.rebuild(conn)
    low, kept = _above_mark(desk)
    assert low == 15 and _indexed(desk, "tram") == kept and len(kept) == 10
