"""Uncached pages read what the pipeline stored, in few queries: the article page reads its
article with its placement, enrichment and related list at once, the story page its articles once;
both databases take planner statistics again at start when a bulk load left them stale."""

import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from databases import postgres_database, postgres_reachable
from httpserver import AppServer
from sqlalchemy import event, update

from broadsheet.model import Article
from broadsheet.pipeline.enrich import VERSION
from broadsheet.store import articles as article_store
from broadsheet.store import comments as comment_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.db import make_engine, open_database
from broadsheet.store.schema import articles, stories, story_redirects
from broadsheet.web.app import create_app
from broadsheet.work import THREAD_NAME as WORK_THREAD

TEXT = "The harbour council approved the budget on Monday.\n\nFerry crews will strike next week over wages."


@pytest.fixture
def desk(engine):
    """Two articles of one story, enriched at the current version, each with a kept related list."""
    source, _ = source_store.add_source(engine, "http://pub.invalid/feed", title="Pub")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id=f"a{n}",
                    url=f"http://pub.invalid/a{n}",
                    title=f"Harbour budget {n}",
                    text=TEXT,
                    source_id=source.id,
                    source_name="Pub",
                    published_at=now,
                )
                for n in (1, 2)
            ],
        )
        for n, other in ((1, 2), (2, 1)):
            point = {"text": "The harbour council approved the budget on Monday.", "start": 0, "end": 51, "sentence": 0}
            conn.execute(
                update(articles)
                .where(articles.c.id == f"a{n}")
                .values(
                    story_id="s1",
                    section="Politics",
                    tags=["budget"],
                    entities=[],
                    key_points=[point],
                    enriched=VERSION,
                    related_ids=[f"a{other}"],
                    related_at=now,
                )
            )
        conn.execute(
            stories.insert().values(
                id="s1",
                title="Harbour budget",
                article_id="a1",
                first_seen=now,
                last_seen=now,
                article_count=2,
                source_count=1,
                updated_at=now,
            )
        )
    return engine


def settled(app) -> None:
    """Wait until the work the earlier views asked for (the story's digest) is done: its thread's
    reads would otherwise land in the next count whenever a busy machine runs it late."""
    assert app.state.context.work.wait_idle(60)


def by_a_request() -> bool:
    """Whether a statement runs for a request (not on the context's background work thread)."""
    return threading.current_thread().name != WORK_THREAD


def selects(engine, http: httpx.Client, path: str) -> tuple[httpx.Response, int]:
    """A page and the number of SELECT statements its render ran."""
    seen = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("SELECT") and by_a_request():
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = http.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(seen)


def test_article_and_story_pages_read_what_is_stored_in_few_queries(desk, config):
    app = create_app(desk, config)
    with AppServer(app) as base, httpx.Client(base_url=base) as http:
        http.get("/articles/a1")  # the first view asks for the story's digest to be kept
        http.get("/stories/s1")
        settled(app)
        article, article_selects = selects(desk, http, "/articles/a1")
        story, story_selects = selects(desk, http, "/stories/s1")
    assert article.status_code == 200 and story.status_code == 200
    page = article.text
    assert "Harbour budget 2" in page  # the kept related list, read with the article
    assert "approved the budget on Monday" in page and "Politics" in page  # key points and section, same read
    # The article with everything stored beside it (its story's counts too), the related articles,
    # copies, comments, the story's articles, its digest and the pictures of the page: one query each.
    # The article with its stored fields and picture, its related articles with theirs, its story's
    # heads with the digest.
    assert article_selects <= 3  # copies and comments are not read: the article's own read says there are none
    # The story with its redirect and whether it has comments, its articles, the digest, its picture.
    assert story_selects <= 4
    assert "Harbour budget 1" in story.text and "Harbour budget 2" in story.text


def reads_of(engine, http: httpx.Client, path: str) -> tuple[httpx.Response, str]:
    """A page and the SQL its render ran, as one text."""
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args) -> None:
        if by_a_request():
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        return http.get(path), "\n".join(seen)
    finally:
        event.remove(engine, "before_cursor_execute", keep)


COMMENTS_READ = "FROM comments LEFT OUTER JOIN users"  # the thread, with its authors' names
COPIES_READ = "WHERE articles.duplicate_of ="  # not the view's EXISTS, which names its alias


def test_an_article_without_copies_or_comments_skips_both_reads_and_one_with_them_shows_them(desk, config):
    app = create_app(desk, config)
    with AppServer(app) as base, httpx.Client(base_url=base) as http:
        http.get("/articles/a1")  # the first view asks for the story's digest to be kept
        settled(app)
        _, bare = reads_of(desk, http, "/articles/a1")
        with desk.begin() as conn:  # a2 becomes a copy of a1, and a1 gets a comment
            conn.execute(update(articles).where(articles.c.id == "a2").values(duplicate_of="a1", source_name="Other"))
        user = user_store.create_user(desk, "reader1", "a long enough password")
        comment_store.add_comment(desk, user.id, comment_store.Target("article", "a1"), "A first comment here.")
        page, full = reads_of(desk, http, "/articles/a1")
    assert COMMENTS_READ not in bare and COPIES_READ not in bare
    assert COMMENTS_READ in full and COPIES_READ in full  # read now that there are some
    assert "Also published by" in page.text and "A first comment here." in page.text
    view = article_store.get_article_view(desk, "a1")
    assert (view.has_copies, view.has_comments) == (True, True)
    assert article_store.get_article_view(desk, "a2").has_copies is False


def test_article_view_reads_the_same_article_as_get_article(desk):
    view = article_store.get_article_view(desk, "a1")
    assert view.article == article_store.get_article(desk, "a1")
    assert (view.story_id, view.duplicate_of, view.related_ids) == ("s1", None, ["a2"])
    assert view.enrichment["section"] == "Politics" and view.enrichment["enriched"] == VERSION


def test_statistics_are_taken_again_once_a_desk_created_empty_has_articles(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = open_database(url)  # created empty: statistics of empty tables
    with engine.begin() as conn:
        article_store.save_articles(
            conn, [Article(id=f"a{n}", url=f"http://pub.invalid/{n}", text="x") for n in range(50)]
        )
    engine.dispose()
    engine = open_database(url)  # the next start
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles'").scalar()
    engine.dispose()
    assert rows > 0


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable")
def test_postgres_statistics_are_taken_at_start_when_a_bulk_load_left_them_stale():
    with postgres_database() as url:
        engine = open_database(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE articles SET (autovacuum_enabled = false)")  # only the start analyses
            article_store.save_articles(
                conn, [Article(id=f"a{n}", url=f"http://pub.invalid/{n}", text="x") for n in range(500)]
            )
        engine.dispose()

        def changes() -> int:
            probe = make_engine(url)
            with probe.connect() as conn:
                count = conn.exec_driver_sql(
                    "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'articles'"
                ).scalar()
            probe.dispose()
            return count

        deadline = time.monotonic() + 30
        while changes() < 500 and time.monotonic() < deadline:  # the server counts the inserts asynchronously
            time.sleep(0.1)
        assert changes() >= 500
        open_database(url).dispose()  # the next start
        assert changes() == 0


def test_a_story_page_reads_its_thread_only_when_it_has_comments_and_old_ids_redirect(desk, config):
    with AppServer(create_app(desk, config)) as base, httpx.Client(base_url=base) as http:
        _, bare = reads_of(desk, http, "/stories/s1")
        user = user_store.create_user(desk, "reader2", "a long enough password")
        comment_store.add_comment(desk, user.id, comment_store.Target("story", "s1"), "A comment on the story.")
        page, full = reads_of(desk, http, "/stories/s1")
        with desk.begin() as conn:  # s0 was merged into s1
            conn.execute(story_redirects.insert().values(old_id="s0", new_id="s1"))
        moved = http.get("/stories/s0")
        missing = http.get("/stories/nothing-here")
    assert COMMENTS_READ not in bare and COMMENTS_READ in full
    assert "A comment on the story." in page.text
    assert moved.status_code == 301 and moved.headers["location"] == "/stories/s1"
    assert missing.status_code == 404
