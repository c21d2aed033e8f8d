"""The real `broadsheet` command, run as a user would: errors are one sentence, never a traceback."""

import gzip
import json
import subprocess
import sys

import pytest
from fixtures_html import ARTICLE_PARAGRAPHS, article_page


def run(*args, data_dir, check=True):
    result = subprocess.run([sys.executable, "-m", "broadsheet", "--data-dir", str(data_dir), *args],
                            capture_output=True, text=True, timeout=60)
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
        "Petra Lune", "2026-11-20T08:30:00+00:00", "en", "Tollbridge Echo")
    again = run("extract", str(plain), "--jsonl", "--url", "http://echo.invalid/ferry", data_dir=tmp_path).stdout
    assert json.loads(again)["image"] == "http://echo.invalid/img/ferry.jpg"
    assert again == run("extract", str(plain), "--jsonl", "--url", "http://echo.invalid/ferry", data_dir=tmp_path).stdout


@pytest.mark.parametrize("args, message", [
    (["import", "missing.jsonl"], "import: missing.jsonl does not exist"),
    (["sources", "add", "not-a-url"], "only http and https"),
    (["sources", "import", "nothing.opml"], "does not exist"),
    (["--database", "nonsense://x", "sources", "list"], "no database driver"),
    (["extract", "a.html", "b.html", "--url", "http://x.invalid/"], "--url can only be given with a single file"),
    (["sources", "remove", "42"], "no source with id 42"),
])
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
