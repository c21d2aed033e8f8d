"""Bulk import and export of articles as JSONL, through the same stages as fetched articles."""

from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import Engine

from broadsheet.errors import BroadsheetError, InputError
from broadsheet.model import Article
from broadsheet.pipeline import enrich, related, stages
from broadsheet.pipeline.progress import Progress
from broadsheet.pipeline.runner import finish_work
from broadsheet.store import articles as article_store
from broadsheet.store.db import optimize, serialize_placement

if TYPE_CHECKING:  # imported lazily at run time: warcio is only needed by WARC imports
    from broadsheet.ingest.warc import ArchivedPage

log = logging.getLogger(__name__)
IMPORT_BATCH = 1000  # rows per transaction: no per-article commits


@dataclass
class ImportReport:
    """What an import did: counts and every line that was skipped, with its reason."""

    imported: int = 0
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # records that hold no article, by reason

    def skipped_summary(self) -> str:
        """The skipped records in one line, most common reason first ("" when none)."""
        parts = [f"{count} {reason}" for reason, count in self.skipped.most_common()]
        return f"{sum(self.skipped.values())} records held no article page: " + "; ".join(parts) if parts else ""


def open_text(path: Path) -> IO[str]:
    """Open a text file, transparently gunzipping `.gz`."""
    if not path.exists():
        raise InputError(f"import: {path} does not exist")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _records(handle: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line


def _count_lines(path: Path) -> int:
    with open_text(path) as handle:
        return sum(1 for line in handle if line.strip())


def import_jsonl(engine: Engine, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import articles from a JSONL file; bad lines are reported by number and skipped."""
    progress = progress or Progress()
    report = ImportReport()
    progress.start("import", _count_lines(path))
    batch: list[Article] = []
    try:
        with open_text(path) as handle:
            for number, line in _records(handle):
                report.lines += 1
                try:
                    batch.append(stages.article_from_record(line, number))
                except BroadsheetError as exc:
                    report.errors.append(str(exc))
                    progress.note(str(exc))
                except Exception as exc:  # a record the stages did not foresee: skip it, never abort the rest
                    log.exception("import: line %d could not be read", number)
                    report.errors.append(f"import: line {number}: could not be read ({type(exc).__name__}: {exc})")
                    progress.note(report.errors[-1])
                if len(batch) >= IMPORT_BATCH:
                    report.imported += _write(engine, batch)
                progress.advance("import")
    except UnicodeDecodeError as exc:
        raise InputError(f"import: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    report.imported += _write(engine, batch)
    finish_work(engine)  # what an interrupted import or refresh left unplaced, unenriched or unranked
    optimize(engine)
    return report


def _write(engine: Engine, batch: list[Article], learn=None) -> int:
    """Store a batch in one transaction and empty it; `learn` (the sitelearn stage) cleans
    site-level boilerplate from fetched or archived pages first."""
    items, batch[:] = list(batch), []
    if items:
        with engine.begin() as conn:
            learned = learn.clean_batch(conn, items) if learn else set()
            article_store.save_articles(conn, items)
            if learn:
                learn.reclean_sites(conn, learned)
            serialize_placement(conn)
            enrich.understand_and_enrich(engine, conn, items)
    return len(items)


def import_warc(engine: Engine, path: Path, progress: Progress | None = None) -> ImportReport:
    """Import the article pages archived in a WARC file through the extract stage."""
    from broadsheet.ingest.warc import SkippedRecord, iter_warc_pages
    from broadsheet.pipeline import sitelearn

    progress = progress or Progress()
    report = ImportReport()
    progress.start("warc", None)
    batch: list[Article] = []
    if not path.exists():
        raise InputError(f"import: {path} does not exist")
    with path.open("rb") as stream:
        try:
            for page in iter_warc_pages(stream):
                if isinstance(page, SkippedRecord):
                    report.skipped[page.reason] += 1
                    continue
                report.lines += 1
                _add_archived(page, batch, report, progress)
                progress.advance("warc")
                if len(batch) >= IMPORT_BATCH:
                    report.imported += _write(engine, batch, learn=sitelearn)
        except InputError as exc:
            if not report.lines:
                raise  # not a WARC file at all
            # Damaged after some good records: keep those, and say where reading stopped.
            report.errors.append(f"{exc}; reading stopped after record {report.lines}")
            progress.note(report.errors[-1])
    report.imported += _write(engine, batch, learn=sitelearn)
    finish_work(engine)
    return report


def _add_archived(page: ArchivedPage, batch: list[Article], report: ImportReport, progress: Progress) -> None:
    """Extract one archived page into the batch, or report why it was skipped."""
    if urlsplit(page.url).path in ("", "/"):  # a crawl holds home pages: a list of links, not an article
        report.errors.append(f"warc: {page.url[:200]}: a site's home page, not an article")
        progress.note(report.errors[-1])
        return
    try:
        batch.append(stages.article_from_archive(page.url, page.html, page.captured))
    except BroadsheetError as exc:
        report.errors.append(f"warc: {page.url[:200]}: {exc}")
        progress.note(report.errors[-1])
    except Exception as exc:  # one page the extractor chokes on never aborts the archive
        log.exception("warc: %s could not be read", page.url[:200])
        report.errors.append(f"warc: {page.url[:200]}: could not be read ({type(exc).__name__}: {exc})")
        progress.note(report.errors[-1])


def export_jsonl(engine: Engine, handle: IO[str]) -> int:
    """Write every article as one JSON object per line, in arrival order; returns the count."""
    count = 0
    chunk: list[Article] = []
    for article in article_store.iter_articles(engine):
        chunk.append(article)
        if len(chunk) >= IMPORT_BATCH:
            count += _export_chunk(engine, chunk, handle)
    return count + _export_chunk(engine, chunk, handle)


def _export_chunk(engine: Engine, chunk: list[Article], handle: IO[str]) -> int:
    """Write a chunk of articles with their story, first copy and related ids; empty it."""
    items, chunk[:] = list(chunk), []
    if not items:
        return 0
    extra = related.export_fields(engine, items)
    ai = enrich.export_fields(engine, items, extra)
    for article in items:
        record = stages.export_record(article, extra.get(article.id), ai.get(article.id))
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(items)
