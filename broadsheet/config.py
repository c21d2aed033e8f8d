"""Settings: one declared table. Environment variables (BROADSHEET_<NAME>) override a TOML
config file (BROADSHEET_CONFIG, else <data_dir>/broadsheet.toml), which overrides defaults.

A plain table rather than a pydantic model: it is what `broadsheet settings` prints and what
the docs list, and it keeps the dependency surface small.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadsheet.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, type and help text."""

    name: str
    default: Any
    type: type
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "data", str, "Folder for the SQLite database and other local state."),
    Setting("database_url", "", str, "SQLAlchemy URL; empty means SQLite at <data_dir>/broadsheet.db."),
    Setting("host", "127.0.0.1", str, "Address the web site listens on."),
    Setting("port", 8000, int, "Port the web site listens on."),
    Setting("user_agent", "Broadsheet/0.1 (self-hosted news reader)", str, "User-Agent sent to publishers."),
    Setting("contact_url", "", str, "Contact URL appended to the User-Agent so publishers can reach you."),
    Setting("fetch_timeout", 15.0, float, "Seconds allowed for one HTTP fetch in total."),
    Setting("connect_timeout", 5.0, float, "Seconds allowed to connect to a publisher."),
    Setting("read_timeout", 10.0, float, "Longest silence between two chunks of a response, seconds."),
    Setting("max_body_bytes", 10_000_000, int, "Largest response body accepted, after decompression."),
    Setting("per_host_concurrency", 2, int, "Simultaneous requests to one host."),
    Setting("per_host_delay", 0.25, float, "Minimum seconds between the starts of two requests to one host."),
    Setting("global_concurrency", 64, int, "Simultaneous requests overall."),
    Setting("extract_workers", 0, int, "Processes extracting articles in parallel (0: one per core)."),
    Setting("public_url", "", str, "URL where hubs can reach this site (enables WebSub push); empty: poll only."),
    Setting("trusted_hosts", "", str, "Comma-separated host[:port] names this site may be reached by; used for "
            "absolute links when public_url is empty (any other Host header is ignored)."),
    Setting("trusted_proxies", "", str, "Comma-separated addresses or networks of reverse proxies whose "
            "X-Forwarded-For is believed (empty: the connecting address is the client)."),
    Setting("allow_private_addresses", False, bool, "Allow fetching loopback and private addresses (SSRF guard off)."),
    Setting("refresh_interval", 300, int, "Seconds between refresh passes while serving."),
    Setting("min_poll_interval", 300, int, "Shortest interval between two fetches of one feed, seconds."),
    Setting("max_poll_interval", 86400, int, "Longest interval between two fetches of a healthy feed, seconds."),
    Setting("page_size", 20, int, "Articles per page on the web site."),
    Setting("web_workers", 1, int, "Processes serving the web site (1: one process, which also pushes WebSub at once)."),
    Setting("page_cache_seconds", 10.0, float, "Seconds an anonymous page is served from memory (0: off)."),
    Setting("article_cache_seconds", 300.0, float, "The same for article pages, whose text does not change: a "
            "comment drops the page from its process's cache at once; other web workers show it within this time."),
    Setting("embeddings", "minilm", str, "Sentence embeddings for stories and related articles: minilm or off "
            "(lexical signals only, much faster)."),
    Setting("job_engine", "embedded", str, "Who runs the pipeline: embedded (the refresh loop inside `serve`, "
            "any database) or procrastinate (jobs in the same PostgreSQL, run by `broadsheet worker` processes)."),
    Setting("schedule_tick", 10, int, "With a job engine: seconds between two looks for due sources and pages "
            "(1 to 59; a source added while workers run is polled within this time)."),
    Setting("llm_url", "", str, "OpenAI-compatible endpoint for optional generative features."),
    Setting("llm_key", "", str, "API key for the generative endpoint.", secret=True),
    Setting("llm_model", "", str, "Model name sent to the generative endpoint."),
    Setting("llm_timeout", 2.0, float, "Seconds a reader waits for the generative endpoint before the "
            "extractive result is shown (a late answer is kept for the next reader)."),
)


def _coerce(setting: Setting, raw: Any) -> Any:
    """Turn a raw value (string from the environment, or TOML value) into the setting's type."""
    if setting.type is bool and isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"config: {setting.name} must be true or false, not {raw!r}")
    try:
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config: {setting.name} must be a {setting.type.__name__}, not {raw!r}") from exc


class Config:
    """Resolved settings, read as attributes (config.data_dir)."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def replace(self, **changes: Any) -> "Config":
        """Return a copy with some settings changed."""
        unknown = set(changes) - set(self._values)
        if unknown:
            raise ConfigError(f"config: unknown settings {sorted(unknown)}")
        return Config({**self._values, **changes})

    def as_dict(self, reveal_secrets: bool = False) -> dict[str, Any]:
        """Settings as a dict; secrets masked unless asked."""
        secret = {s.name for s in SETTINGS if s.secret}
        return {k: ("***" if k in secret and v and not reveal_secrets else v) for k, v in self._values.items()}

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir).resolve() / 'broadsheet.db'}"


def load_config(environ: dict[str, str] | None = None, **overrides: Any) -> Config:
    """Resolve settings: defaults, then the config file, then the environment, then overrides."""
    env = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    data_dir = env.get("BROADSHEET_DATA_DIR", values["data_dir"])
    path = Path(env.get("BROADSHEET_CONFIG", Path(data_dir) / "broadsheet.toml"))
    if path.is_file():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config: {path} is not valid TOML ({exc})") from exc
    for s in SETTINGS:
        key = f"BROADSHEET_{s.name.upper()}"
        if key in env:
            values[s.name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {s.name: s for s in SETTINGS}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"config: unknown settings {sorted(unknown)} in {path}")
    return Config({name: _coerce(known[name], value) for name, value in values.items()})
