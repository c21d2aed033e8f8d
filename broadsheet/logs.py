"""Log lines for people (text) or for collectors (JSON, one object per line), and the access log."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from broadsheet.config import Config

ACCESS = "broadsheet.access"  # one line per request served, when the access_log setting is on
_FIELDS = ("method", "path", "status", "ms", "client")  # what an access line carries besides its message


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, and an access line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in _FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(config: Config, verbose: bool = False) -> None:
    """Set up the process's logging from the settings (called once by the command line)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLines() if config.log_format == "json" else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR)
    if config.access_log:
        logging.getLogger(ACCESS).setLevel(logging.INFO)


def access_line(method: str, path: str, status: int, ms: float, client: str) -> None:
    """Log one request served (a no-op unless the access log is on)."""
    logger = logging.getLogger(ACCESS)
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "%s %s %d %.1fms",
            method,
            path,
            status,
            ms,
            extra={"method": method, "path": path, "status": status, "ms": round(ms, 1), "client": client},
        )
