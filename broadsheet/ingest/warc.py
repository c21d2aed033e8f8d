"""WARC files (web archives) as a source of article pages, for back-filling history."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from broadsheet.errors import InputError
from broadsheet.text.charset import decode_bytes
from broadsheet.text.dates import parse_date

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class ArchivedPage:
    """One archived HTML response."""

    url: str
    captured: datetime | None
    html: str


def _check_magic(stream: BinaryIO) -> None:
    """Refuse files that are not WARC: warcio would read some of them as old ARC files."""
    head = stream.read(4096)
    stream.seek(0)
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error as exc:
            raise InputError(f"warc: not a readable WARC file (corrupt gzip: {exc})") from exc
    if not head.startswith(b"WARC/"):
        raise InputError("warc: not a readable WARC file (it does not start with a WARC/1.x record)")


@dataclass
class SkippedRecord:
    """A record that holds no article page, and why (the import reports these by reason)."""

    url: str
    reason: str


def iter_warc_pages(stream: BinaryIO, max_bytes: int = 10_000_000) -> Iterator[ArchivedPage | SkippedRecord]:
    """Every record of a WARC (plain or gzip): HTML pages with status 200 as pages, the rest as
    skipped records with their reason."""
    _check_magic(stream)
    try:
        for record in ArchiveIterator(stream):
            yield _page_or_skipped(record, max_bytes)
    except ArchiveLoadFailed as exc:
        raise InputError(f"warc: not a readable WARC file ({exc})") from exc


def _page_or_skipped(record: ArcWarcRecord, max_bytes: int) -> ArchivedPage | SkippedRecord:
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    if record.rec_type != "response" or record.http_headers is None:
        return SkippedRecord(url, f"a {record.rec_type} record, not a response")
    status = record.http_headers.get_statuscode()
    content_type = record.http_headers.get_header("Content-Type") or ""
    if status != "200":
        return SkippedRecord(url, f"status {status}")
    if not content_type.lower().startswith(_HTML_TYPES):
        return SkippedRecord(url, f"not HTML ({content_type.split(';')[0].strip() or 'no type'})")
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:  # an oversized page is no article; skipped rather than held in memory
        return SkippedRecord(url, f"larger than {max_bytes:,} bytes")
    captured = parse_date(record.rec_headers.get_header("WARC-Date"))
    return ArchivedPage(url=url, captured=captured, html=decode_bytes(body, content_type))
