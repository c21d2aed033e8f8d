"""`broadsheet extract`: saved HTML files (plain or gzip) to the stable JSON record."""

from __future__ import annotations

import gzip
from pathlib import Path

from broadsheet.errors import ExtractError, InputError
from broadsheet.extract.article import extract_article
from broadsheet.text.charset import decode_bytes


def read_html(path: Path) -> str:
    """Read and decode an HTML file, gunzipping `.gz`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"extract: cannot read {path} ({exc.strerror})") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"extract: {path} is not a valid gzip file") from exc
    return decode_bytes(data)


def extract_file(path: Path, url: str | None = None) -> dict:
    """The extraction record for one file: file, url, title, byline, published, language, site_name,
    image, text. A page with no article gets empty fields and an `error`, never a crash."""
    html = read_html(path)
    record = {
        "file": str(path),
        "url": url or "",
        "title": "",
        "byline": "",
        "published": None,
        "language": "",
        "site_name": "",
        "image": "",
        "text": "",
    }
    try:
        article = extract_article(html, url)
    except ExtractError as exc:
        return {**record, "error": str(exc)}
    return {
        **record,
        "url": url or article.url,
        "title": article.title,
        "byline": article.byline,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "site_name": article.site_name,
        "image": article.image,
        "text": article.text,
    }
