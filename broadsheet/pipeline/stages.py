"""Stage functions: pure transformations from one stage's output to the next's input.

Each is idempotent and keyed by the article id (hash of the canonical URL), so running a
stage twice, or on two workers, yields the same rows.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from broadsheet.errors import ExtractError, InputError
from broadsheet.extract.article import extract_article
from broadsheet.model import Article, FeedEntry, Source
from broadsheet.text.dates import parse_date
from broadsheet.text.sanitize import xml_text
from broadsheet.text.urls import canonical_url, check_url, content_id, safe_url, url_id

IMPORT_FIELDS = {"id", "url", "title", "text", "html", "published", "source", "byline", "language", "image"}


def now_utc() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def pending_from_entry(entry: FeedEntry, source: Source) -> Article:
    """A placeholder article for a feed entry whose page is still to be fetched."""
    return Article(
        id=url_id(entry.url),
        url=canonical_url(entry.url),
        title=entry.title,
        source_id=source.id,
        source_name=source.title,
        byline=entry.author,
        published_at=entry.published,
        fetched_at=now_utc(),
        status="pending",
        meta={"entry_url": entry.url, "guid": entry.guid},
    )


def article_from_page(pending: Article, html: str, final_url: str) -> Article:
    """The readable article extracted from its fetched page; feed values fill the gaps."""
    extracted = extract_article(html, final_url)
    if not extracted.paragraphs:
        raise ExtractError(f"extract: no article text found on {final_url}")
    url = canonical_url(safe_url(extracted.url)) if safe_url(extracted.url) else pending.url
    return clean_article(
        Article(
            id=pending.id,
            url=url,
            title=extracted.title or pending.title,
            text=extracted.text,
            source_id=pending.source_id,
            source_name=pending.source_name or extracted.site_name,
            byline=extracted.byline or pending.byline,
            published_at=extracted.published or pending.published_at,
            fetched_at=now_utc(),
            language=extracted.language,
            site_name=extracted.site_name,
            image=safe_url(extracted.image),
            status="ok",
            meta=pending.meta | ({"image_alt": extracted.image_alt} if extracted.image_alt else {}),
            arrival=pending.arrival,
            import_id=pending.import_id,
        )
    )


def clean_article(article: Article) -> Article:
    """The article with XML-illegal characters removed from its text fields (NUL and other controls
    break the Atom feeds and PostgreSQL), changed in place and returned."""
    for name in ("title", "text", "source_name", "byline", "language", "site_name"):
        setattr(article, name, xml_text(getattr(article, name)))
    return article


def timed_article_from_page(pending: Article, html: str, final_url: str) -> tuple[Article, float]:
    """article_from_page plus the seconds it took (measured where it ran, e.g. in a worker)."""
    started = time.perf_counter()
    return article_from_page(pending, html, final_url), time.perf_counter() - started


def article_from_archive(url: str, html: str, captured: datetime | None) -> Article:
    """An article from an archived page (WARC); the capture time stands in for a missing date."""
    url = check_url(url)  # InputError says why the target URI is refused
    pending = Article(
        id=url_id(url),
        url=canonical_url(url),
        published_at=captured,
        fetched_at=now_utc(),
        status="pending",
        meta={"archived": captured.isoformat() if captured else None},
    )
    return article_from_page(pending, html, url)


def _text_of(record: dict, line_no: int) -> tuple[str, dict]:
    """Body text of an import record, extracting it from `html` when no `text` is given."""
    text = record.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip(), {}
    html = record.get("html")
    if isinstance(html, str) and html.strip():
        extracted = extract_article(html, safe_url(record.get("url")) or None)
        if extracted.paragraphs:
            return extracted.text, {
                "title": extracted.title,
                "byline": extracted.byline,
                "published": extracted.published,
                "language": extracted.language,
                "image": extracted.image,
                "site_name": extracted.site_name,
            }
        raise InputError(f"import: line {line_no}: no article text could be extracted from its html")
    raise InputError(f"import: line {line_no}: needs a non-empty `text` or `html` field")


def _record_url(record: dict, line_no: int) -> str:
    """The record's URL, checked by the URL policy ("" when it has none)."""
    raw = record.get("url")
    if raw in (None, ""):
        return ""
    try:
        return check_url(raw)
    except InputError as exc:
        raise InputError(f"import: line {line_no}: {exc}") from exc


def _article_id(record: dict, url: str, text: str) -> str:
    """Stable id: the URL when there is one, else the record's id, else the content."""
    if url:
        return url_id(url)
    if record.get("id") not in (None, ""):
        return content_id(f"import-id:{record['id']}")
    return content_id(text)


def article_from_record(line: str, line_no: int) -> Article:
    """An article from one JSONL import line; InputError names the line when it is unusable."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"import: line {line_no}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InputError(f"import: line {line_no}: expected a JSON object, got {type(record).__name__}")
    url = _record_url(record, line_no)
    text, found = _text_of(record, line_no)
    published = record.get("published")
    published_at = parse_date(str(published)) if published not in (None, "") else found.get("published")
    return clean_article(
        Article(
            id=_article_id(record, url, text),
            url=canonical_url(url) if url else "",
            title=str(record.get("title") or found.get("title") or ""),
            text=text,
            source_name=str(record.get("source") or found.get("site_name") or ""),
            byline=str(record.get("byline") or found.get("byline") or ""),
            published_at=published_at,
            fetched_at=now_utc(),
            language=str(record.get("language") or found.get("language") or ""),
            image=safe_url(record.get("image")) or safe_url(found.get("image")),
            import_id=None if record.get("id") in (None, "") else xml_text(str(record["id"])),
            status="ok",
            meta={k: v for k, v in record.items() if k not in IMPORT_FIELDS},
        )
    )


def export_record(article: Article, understood: dict | None = None, enriched: dict | None = None) -> dict:
    """Everything known about an article, as one JSON-ready dict (the export format).

    `understood` carries the understand stage's story_id, duplicate_of and related ids; `enriched`
    the enrich stage's entities, section, tags and key points and the story's summary."""
    understood, enriched = understood or {}, enriched or {}
    return {
        "id": article.import_id if article.import_id is not None else article.id,
        "article_id": article.id,
        "url": article.url,
        "source": article.source_name,
        "title": article.title,
        "byline": article.byline,
        "published": article.published_at.isoformat() if article.published_at else None,
        "language": article.language,
        "image": article.image,
        "text": article.text,
        "meta": article.meta,
        "story_id": understood.get("story_id"),
        "storyline_id": understood.get("storyline_id"),
        "duplicate_of": understood.get("duplicate_of"),
        "related": understood.get("related", []),
        "section": enriched.get("section"),
        "topics": enriched.get("topics", []),
        "entities": enriched.get("entities", []),
        "key_points": enriched.get("key_points", []),
        "story_summary": enriched.get("story_summary"),
    }
