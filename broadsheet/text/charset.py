"""Decode fetched bytes: the HTTP header's charset, then the document's own declaration,
then detection. Publishers still serve cp1252, latin-1 and shift_jis pages."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)

# Browsers read a declared latin-1 as windows-1252 (WHATWG encoding standard); so do we,
# so that curly quotes from cp1252 pages survive.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252"}


def _known(name: str | bytes | None) -> str | None:
    """Return a Python codec name for a declared charset, or None when unknown."""
    if not name:
        return None
    text = name.decode("ascii", "ignore") if isinstance(name, bytes) else name
    text = _ALIASES.get(text.strip().lower(), text.strip().lower())
    try:
        return codecs.lookup(text).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header, if any."""
    match = _HEADER_CHARSET.search(content_type or "")
    return _known(match.group(1)) if match else None


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares about itself (BOM, XML declaration or meta tag)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _known(match.group(1)) if match else None


def decode_bytes(data: bytes, content_type: str | None = None) -> str:
    """Decode a document, trusting header, then declaration, then detection."""
    for candidate in (charset_from_content_type(content_type), declared_charset(data)):
        if candidate:
            try:
                return data.decode(candidate)
            except UnicodeDecodeError:
                continue  # a wrong declaration is common; fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is not None:
            return str(best)
        return data.decode("cp1252", errors="replace")
