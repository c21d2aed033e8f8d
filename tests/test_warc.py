"""WARC back-fill: archived pages go through the same extraction and site learning as fetched ones."""

import io
import subprocess
import sys

import pytest
from fixtures_html import ARTICLE_PARAGRAPHS, article_page
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from broadsheet.pipeline.bulk import import_warc
from broadsheet.store import articles as article_store

# warcio's writer leaves a spooled temp file for GC to close: the writer is test-side only.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def write_warc(path, pages):
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, status, content_type, body in pages:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            writer.write_record(record)


def test_warc_pages_are_imported_and_other_records_skipped(tmp_path, engine):
    warc = tmp_path / "crawl.warc.gz"
    write_warc(
        warc,
        [
            ("http://echo.invalid/ferry?utm_source=x", "200 OK", "text/html; charset=utf-8", article_page().encode()),
            ("http://echo.invalid/logo.png", "200 OK", "image/png", b"\x89PNG..."),
            ("http://echo.invalid/missing", "404 Not Found", "text/html", b"<html>gone</html>"),
            ("http://echo.invalid/empty", "200 OK", "text/html", b"<html><body></body></html>"),
            ("http://echo.invalid/", "200 OK", "text/html", article_page("The Echo: all the news").encode()),
            ("http://echo.invalid/style.css", "200 OK", "text/css", b"body{}"),
        ],
    )
    report = import_warc(engine, warc)
    assert report.imported == 1 and report.lines == 3
    assert len(report.errors) == 2 and report.errors[0].startswith("warc: http://echo.invalid/empty")
    assert report.errors[1] == "warc: http://echo.invalid/: a site's home page, not an article"
    assert report.skipped == {"not HTML (image/png)": 1, "status 404": 1, "not HTML (text/css)": 1}
    assert (
        report.skipped_summary()
        == "3 records held no article page: 1 not HTML (image/png); 1 status 404; 1 not HTML (text/css)"
    )
    [article] = article_store.latest_articles(engine)
    assert article.url == "http://echo.invalid/ferry" and article.text.split("\n\n") == ARTICLE_PARAGRAPHS


def test_import_command_reads_warc_and_rejects_garbage(tmp_path):
    warc = tmp_path / "one.warc.gz"
    write_warc(warc, [("http://echo.invalid/a", "200 OK", "text/html", article_page().encode())])
    run = [sys.executable, "-m", "broadsheet", "--data-dir", str(tmp_path), "import"]
    ok = subprocess.run([*run, str(warc)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "Imported 1 of 1 records" in ok.stdout
    assert "held no article page" not in ok.stdout  # nothing skipped, nothing said
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"this is not an archive")
    bad = subprocess.run([*run, str(junk)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "warc: not a readable WARC file" in bad.stderr and "Traceback" not in bad.stderr
