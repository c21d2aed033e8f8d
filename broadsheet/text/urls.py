"""Canonical URLs and stable article ids: one article, one id, however it was linked."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import courlan

from broadsheet.errors import InputError

# Query parameters that only track the reader; they never select content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "hsa_", "oly_")
_TRACKING_NAMES = {
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "yclid",
    "igshid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "ref",
    "ref_src",
    "cmpid",
    "ncid",
    "ocid",
    "sr_share",
    "spm",
    "at_medium",
    "at_campaign",
    "wt_mc",
    "s_cid",
    "cid",
    "rss",
    "xtor",
    "share",
    "smid",
    "partner",
    "via",
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """True for query parameters that exist only to track the click."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Normalise a URL: lower-case scheme and host, no default port, fragment or tracking params."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


@lru_cache(maxsize=16384)
def feed_key(url: str) -> str:
    """What makes two feed URLs one feed: the canonical URL without its scheme, a leading "www."
    or a trailing slash (http/https, host-case, slash and tracking variants of one feed agree),
    percent-encoding normalised by courlan. Keys are compared, never stored, so how they are made
    may change; article ids (`url_id`) may not, which is why `canonical_url` stays as it was.

    Remembered: adding a feed compares its key with every followed feed's, so an OPML file of 2,000
    feeds made 2 million keys (31 s of CPU); a pure function of its string."""
    parts = urlsplit(courlan.normalize_url(canonical_url(url), strict=False))
    host = parts.netloc[4:] if parts.netloc.startswith("www.") else parts.netloc
    return urlunsplit(("", host, parts.path.rstrip("/"), parts.query, ""))


def url_id(url: str) -> str:
    """Stable article id: a short hash of the canonical URL."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()[:16]


def content_id(text: str) -> str:
    """Stable id for an article known only by its content (an import without a URL)."""
    normalised = " ".join(text.split()).lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


# --- The URL policy: what may be stored as a link and rendered as one ----------------------------

MAX_URL_LENGTH = 4096
_LINK_SCHEMES = ("http", "https")
_HOST_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
# Browsers drop tabs and newlines anywhere in a URL and trim C0 controls and spaces at both ends
# (WHATWG URL), so "java\tscript:" is "javascript:" to them: the policy sees what they see.
_INNER_IGNORED = str.maketrans("", "", "\t\n\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_UNSAFE_CHARS = {" ": "%20", '"': "%22", "<": "%3C", ">": "%3E", "`": "%60"}


def _host_problem(host: str) -> str | None:
    """Why a URL's host cannot be a real one, or None when it can."""
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return "has an invalid IPv6 address"
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return "has an invalid host name"
    labels = ascii_host.lower().rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return "has an invalid host name"
    return None


def _clean(url: str) -> str:
    """The URL as a browser reads it: outer controls and spaces trimmed, tabs and newlines dropped."""
    trimmed = url.strip("".join(chr(c) for c in range(0x21))).translate(_INNER_IGNORED)
    return "".join(_UNSAFE_CHARS.get(ch, ch) for ch in trimmed)


def url_problem(url: str) -> str | None:
    """Why `url` may not be stored or shown as a link, as the end of a sentence; None when it may."""
    if not url:
        return "is empty"
    if len(url) > MAX_URL_LENGTH:
        return f"is longer than {MAX_URL_LENGTH} characters"
    if _CONTROL.search(url):
        return "contains control characters or a backslash"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError as exc:
        return f"cannot be parsed ({exc})"
    scheme = parts.scheme.lower()
    if scheme and scheme not in _LINK_SCHEMES:
        return f"uses the {scheme}: scheme; only http and https links are kept"
    if not scheme or not url[len(scheme) :].startswith("://"):
        return "is not an absolute http(s) URL"
    if "@" in parts.netloc:
        return "carries a user name or password"
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    if not parts.hostname or not host:
        return "has no host"
    return _host_problem(host)


def check_url(url: object, base: str = "") -> str:
    """The URL (resolved against `base`, cleaned) when the policy allows it; InputError saying why not."""
    if not isinstance(url, str):
        raise InputError(f"url: {url!r} is not text")
    cleaned = _clean(url)
    if base and cleaned:
        try:
            cleaned = _clean(urljoin(base, cleaned))
        except ValueError as exc:
            raise InputError(f"url: {url[:200]!r} cannot be parsed ({exc})") from exc
    problem = url_problem(cleaned)
    if problem:
        raise InputError(f"url: {url[:200]!r} {problem}")
    return cleaned


def safe_url(url: object, base: str = "") -> str:
    """The URL when the policy allows it, else "" (for links that are dropped, not reported)."""
    try:
        return check_url(url, base)
    except InputError:
        return ""
