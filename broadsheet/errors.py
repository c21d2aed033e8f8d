"""One exception hierarchy. Messages are stage-prefixed sentences a user can read;
errors that reach the web carry an HTTP status."""

from __future__ import annotations


class BroadsheetError(Exception):
    """Base of every error Broadsheet raises on purpose."""

    status: int = 500


class ConfigError(BroadsheetError):
    """A setting has a value that cannot be used."""


class FetchError(BroadsheetError):
    """An HTTP fetch failed (network, status, size or policy)."""

    status = 502

    def __init__(self, message: str, http_status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.http_status = http_status
        self.retry_after = retry_after


class FeedError(BroadsheetError):
    """A document is not a usable RSS, Atom or JSON feed, or not valid OPML."""

    status = 422


class ExtractError(BroadsheetError):
    """No article body could be extracted from a page."""

    status = 422


class InputError(BroadsheetError):
    """User input (a file, a line, an argument) is malformed."""

    status = 400


class UnknownFilter(InputError):
    """A filter names a thing that does not exist (a source id no one has): well-formed, so 404, not 400."""

    status = 404


class Unauthorized(BroadsheetError):
    """A request that needs credentials came without valid ones (an API key that is unknown or revoked)."""

    status = 401


class NotFound(BroadsheetError):
    """The thing asked for does not exist."""

    status = 404
