"""The real `broadsheet` command, run as a user would: errors are one sentence, never a traceback."""

import gzip
import json
import subprocess
import sys

import pytest
from fixtures_html import ARTICLE_PARAGRAPHS, article_page


def run(*args, data_dir, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_extract_jsonl_plain_and_gzip_in_input_order(tmp_path):
    plain = tmp_path / "b.html"
    plain.write_text(article_page(), encoding="utf-8")
    zipped = tmp_path / "a.html.gz"
    zipped.write_bytes(gzip.compress(article_page("Second page").encode()))
    out = run("extract", str(plain), str(zipped), "--jsonl", data_dir=tmp_path).stdout.splitlines()
    records = [json.loads(line) for line in out]
    assert [r["file"] for r in records] == [str(plain), str(zipped)]
    first = records[0]
    assert set(first) == {"file", "url", "title", "byline", "published", "language", "site_name", "image", "text"}
    assert first["text"].split("\n\n") == ARTICLE_PARAGRAPHS
    assert (first["byline"], first["published"], first["language"], first["site_name"]) == (
        "Petra Lune",
        "2026-11-20T08:30:00+00:00",
        "en",
        "Tollbridge Echo",
    )
    again = run("extract", str(plain), "--jsonl", "--url", "http://echo.invalid/ferry", data_dir=tmp_path).stdout
    assert json.loads(again)["image"] == "http://echo.invalid/img/ferry.jpg"
    assert (
        again == run("extract", str(plain), "--jsonl", "--url", "http://echo.invalid/ferry", data_dir=tmp_path).stdout
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["import", "missing.jsonl"], "import: missing.jsonl does not exist"),
        (["sources", "add", "not-a-url"], "only http and https"),
        (["sources", "import", "nothing.opml"], "does not exist"),
        (["--database", "nonsense://x", "sources", "list"], "no database driver"),
        (["extract", "a.html", "b.html", "--url", "http://x.invalid/"], "--url can only be given with a single file"),
        (["sources", "remove", "42"], "no source with id 42"),
    ],
)
def test_errors_are_one_clear_sentence(tmp_path, args, message):
    result = run(*args, data_dir=tmp_path, check=False)
    assert result.returncode != 0
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_import_export_and_opml_round_trip(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x1", "title": "T", "text": "Body."}) + "\n{broken\n", encoding="utf-8")
    result = run("import", str(source), data_dir=tmp_path)
    assert "Imported 1 of 2 records; 1 lines skipped." in result.stdout
    assert "line 2: not valid JSON" in result.stderr
    out = tmp_path / "out.jsonl"
    run("export", str(out), data_dir=tmp_path)
    assert json.loads(out.read_text())["id"] == "x1"
    opml = tmp_path / "feeds.opml"
    opml.write_text('<opml version="2.0"><body><outline text="Q" xmlUrl="http://q.invalid/rss"/></body></opml>')
    assert "1 new sources added" in run("sources", "import", str(opml), data_dir=tmp_path).stdout
    assert 'xmlUrl="http://q.invalid/rss"' in run("sources", "export", data_dir=tmp_path).stdout
    listing = run("sources", "list", data_dir=tmp_path).stdout
    assert "│ Q " in listing and "never" in listing and "due now" in listing


def test_database_option_selects_the_database(tmp_path):
    other = tmp_path / "elsewhere" / "other.db"
    run("--database", f"sqlite:///{other}", "migrate", data_dir=tmp_path)
    assert other.exists() and not (tmp_path / "broadsheet.db").exists()


def test_demo_ingests_the_newsroom_through_the_command(tmp_path):
    result = run("demo", "--no-serve", data_dir=tmp_path)
    assert "Demo newsroom: 7 publishers" in result.stderr
    assert "Ingested" in result.stderr and "(0 failures)" in result.stderr
    listing = run("--database", f"sqlite:///{tmp_path / 'demo.db'}", "sources", "list", data_dir=tmp_path).stdout
    assert "Meridian Wire" in listing and "could not be read" not in listing


def test_serve_answers_over_http_and_sources_list_shows_failing_articles(tmp_path, server):
    import socket
    import time

    import httpx
    from httpserver import Reply

    server.routes["/feed"] = Reply(
        200,
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>Gone</title><link>" + server.url("/gone").encode() + b"</link></item></channel></rss>",
    )
    env_dir = tmp_path
    subprocess.run(
        [
            sys.executable,
            "-m",
            "broadsheet",
            "--data-dir",
            str(env_dir),
            "sources",
            "import",
            str(_opml(tmp_path, server.url("/feed"))),
        ],
        check=True,
        capture_output=True,
    )
    refresh = subprocess.run(
        [sys.executable, "-m", "broadsheet", "--data-dir", str(env_dir), "refresh"],
        capture_output=True,
        text=True,
        env=_env(allow=True),
        timeout=60,
    )
    assert "1 could not be read" in refresh.stdout, refresh.stderr
    listing = run("sources", "list", data_dir=env_dir).stdout
    assert "Articles that could not be read" in listing and "404" in listing
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "broadsheet",
            "--data-dir",
            str(env_dir),
            "serve",
            "--port",
            str(port),
            "--refresh-interval",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # start-up on a loaded machine
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
                time.sleep(0.1)
        assert "F" in httpx.get(f"http://127.0.0.1:{port}/sources").text
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # also closes the pipes


def _opml(tmp_path, url):
    path = tmp_path / "one.opml"
    path.write_text(f'<opml version="2.0"><body><outline text="F" xmlUrl="{url}"/></body></opml>')
    return path


def _env(allow: bool):
    import os

    env = dict(os.environ)
    if allow:
        env["BROADSHEET_ALLOW_PRIVATE_ADDRESSES"] = "true"
    return env


# Runs `broadsheet` as a Python without PostgreSQL's driver and the job engine (the `postgres` extra).
WITHOUT_POSTGRES_EXTRA = """
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("psycopg", "psycopg_binary", "procrastinate"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
from broadsheet.cli import main
sys.argv = ["broadsheet", *sys.argv[1:]]
main()
"""


def test_sqlite_needs_no_postgresql_driver_and_postgresql_says_which_extra(tmp_path):
    def bare(*args):
        return subprocess.run(
            [sys.executable, "-c", WITHOUT_POSTGRES_EXTRA, "--data-dir", str(tmp_path), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x1", "title": "T", "text": "Body."}) + "\n", encoding="utf-8")
    imported = bare("import", str(source))
    assert imported.returncode == 0 and "Imported 1 of 1 records" in imported.stdout, imported.stderr
    refused = bare("--database", "postgresql://postgres@127.0.0.1:5432/test", "migrate")
    assert refused.returncode != 0 and "pip install 'broadsheet[postgres]'" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    jobs = bare("--set", "job_engine=procrastinate", "--database", "postgresql://postgres@127.0.0.1/test", "worker")
    assert jobs.returncode != 0 and "broadsheet[postgres]" in jobs.stderr and "Traceback" not in jobs.stderr
