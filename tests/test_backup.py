"""`broadsheet backup` then `restore` into an empty database gives the same desk: the same export,
users, sessions, API keys and comments, on SQLite and PostgreSQL and from one to the other."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from databases import fresh_database, postgres_reachable
from sqlalchemy import select

from broadsheet.errors import InputError
from broadsheet.pipeline import bulk
from broadsheet.store import apikeys as key_store
from broadsheet.store import apipasswords, reading
from broadsheet.store import comments as comment_store
from broadsheet.store import follows as follow_store
from broadsheet.store import reader_digests as digest_store
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.backup import backup, restore
from broadsheet.store.db import open_database
from broadsheet.store.schema import (
    api_keys,
    api_passwords,
    article_states,
    articles,
    comment_reports,
    comments,
    follows,
    mutes,
    reader_digests,
    user_sessions,
    users,
)

FIXTURE = Path(__file__).parent / "fixtures" / "ai_story.jsonl"


def _export(engine) -> list[dict]:
    buffer = io.StringIO()
    bulk.export_jsonl(engine, buffer)
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def _people(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (
                users,
                user_sessions,
                comments,
                comment_reports,
                article_states,
                api_passwords,
                follows,
                mutes,
                reader_digests,
                api_keys,
            )
        }


def _first_article(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(select(articles.c.id).order_by(articles.c.arrival)).scalars().first()


@pytest.fixture
def desk(engine):
    """A small desk with everything a backup must carry."""
    bulk.import_jsonl(engine, FIXTURE)
    source_store.add_source(engine, "http://pub.example/feed.xml", title="The Pub")
    reader = user_store.create_user(engine, "reader1", "a long passphrase here", "r@example.org")
    moderator = user_store.create_user(engine, "mod1", "another long passphrase", role="moderator")
    user_store.start_session(engine, reader.id)
    key_store.create_key(engine, reader.id, "feed reader")
    key_store.revoke_key(engine, reader.id, key_store.create_key(engine, reader.id, "old laptop")[1].id)
    article = _first_article(engine)
    first = comment_store.add_comment(engine, reader.id, comment_store.Target("article", article), "Good piece.")
    comment_store.add_comment(engine, moderator.id, comment_store.Target("article", article), "Thanks!", first.id)
    comment_store.report_comment(engine, first.id, moderator.id, "spam")
    reading.set_read(engine, reader.id, [article])  # what the reader read and saved, and their app password
    reading.set_starred(engine, reader.id, [article])
    apipasswords.set_api_password(engine, reader, "an app password here")
    follow_store.follow(engine, reader.id, "section", "World", "World")  # the personal layer's rows too
    follow_store.mute(engine, reader.id, "word", "weather")
    digest_store.save_settings(engine, reader.id, "weekly", True)
    digest_store.new_feed_token(engine, reader.id)
    return engine


def _round_trip(source, kind: str, tmp_path: Path) -> None:
    file = tmp_path / "desk.backup.gz"
    report = backup(source, file)
    assert report.rows["articles"] == 4 and report.rows["users"] == 2 and report.rows["comments"] == 2
    assert report.rows["follows"] == report.rows["mutes"] == report.rows["reader_digests"] == 1
    with fresh_database(kind, tmp_path / "restored") as url:
        target = open_database(url)
        try:
            assert restore(target, file).total == report.total
            assert _export(target) == _export(source)
            assert _people(target) == _people(source)
            assert _people(target)["article_states"] and _people(target)["api_passwords"]
            again = comment_store.add_comment(
                target, 1, comment_store.Target("article", _first_article(target)), "New."
            )
            assert again.id == 3  # ids continue after the restored ones
        finally:
            target.dispose()


def test_backup_then_restore_gives_the_same_desk(desk, tmp_path):
    _round_trip(desk, desk.dialect.name, tmp_path)


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL at 127.0.0.1:5432 is not reachable")
def test_a_backup_moves_a_desk_to_the_other_database(desk, tmp_path):
    _round_trip(desk, "sqlite" if desk.dialect.name == "postgresql" else "postgresql", tmp_path)


def test_restore_refuses_a_database_that_holds_a_desk_and_files_that_are_not_backups(desk, tmp_path):
    file = tmp_path / "desk.backup.gz"
    backup(desk, file)
    with pytest.raises(InputError, match="the database is not empty"):
        restore(desk, file)
    with fresh_database("sqlite", tmp_path / "other") as url:
        empty = open_database(url)
        (tmp_path / "plain.txt").write_text("hello\n")
        with pytest.raises(InputError, match="cannot be read as a gzip backup"):
            restore(empty, tmp_path / "plain.txt")
        with gzip.open(tmp_path / "other.gz", "wt") as out:
            out.write('{"format": "something else"}\n')
        with pytest.raises(InputError, match="is not a Broadsheet backup"):
            restore(empty, tmp_path / "other.gz")
        with pytest.raises(InputError, match="does not exist"):
            restore(empty, tmp_path / "missing.gz")
        empty.dispose()


def test_the_commands_round_trip(desk, tmp_path, config):
    file = tmp_path / "cli.backup.gz"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": ":".join(sys.path),
        "BROADSHEET_DATA_DIR": str(tmp_path),
        "BROADSHEET_DATABASE_URL": config.resolved_database_url,
        "BROADSHEET_EMBEDDINGS": "off",
    }
    made = subprocess.run(
        [sys.executable, "-m", "broadsheet", "backup", str(file)], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0 and "Backed up" in made.stdout, made.stderr
    with fresh_database("sqlite", tmp_path / "cli") as url:
        done = subprocess.run(
            [sys.executable, "-m", "broadsheet", "restore", str(file)],
            env={**env, "BROADSHEET_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and "Restored" in done.stdout, done.stderr
        again = subprocess.run(
            [sys.executable, "-m", "broadsheet", "restore", str(file)],
            env={**env, "BROADSHEET_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode != 0 and "not empty" in again.stdout + again.stderr
