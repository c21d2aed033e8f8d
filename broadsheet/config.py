"""Settings: one declared table, the single source of every setting. Command-line flags
(`--set NAME=VALUE`, and the few named flags, whose help comes from here) override environment
variables (BROADSHEET_<NAME>), which override a TOML config file (BROADSHEET_CONFIG, else
<data_dir>/broadsheet.toml), which overrides defaults.

A plain table rather than a pydantic model: it is what `broadsheet settings` prints (every value
and where it came from), what checks values, and what the README's settings table is made from
(`broadsheet settings --markdown`; a test fails when the two differ).
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
    """One setting: its name, default, type, help text, and the values it accepts."""

    name: str
    default: Any
    type: type
    help: str
    secret: bool = False
    choices: tuple[str, ...] = ()  # the only accepted values (case-insensitive), when not empty
    low: float | None = None  # smallest accepted number
    high: float | None = None  # largest accepted number


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "data", str, "Folder for the SQLite database and other local state."),
    Setting("database_url", "", str, "SQLAlchemy URL; empty means SQLite at <data_dir>/broadsheet.db."),
    Setting("host", "127.0.0.1", str, "Address the web site listens on."),
    Setting("port", 8000, int, "Port the web site listens on.", low=0, high=65535),
    Setting("user_agent", "Broadsheet/0.1 (self-hosted news reader)", str, "User-Agent sent to publishers."),
    Setting("contact_url", "", str, "Contact URL appended to the User-Agent so publishers can reach you."),
    Setting("fetch_timeout", 15.0, float, "Seconds allowed for one HTTP fetch in total.", low=0.1),
    Setting("connect_timeout", 5.0, float, "Seconds allowed to connect to a publisher.", low=0.1),
    Setting("read_timeout", 10.0, float, "Longest silence between two chunks of a response, seconds.", low=0.1),
    Setting("max_body_bytes", 10_000_000, int, "Largest response body accepted, after decompression.", low=1024),
    Setting("per_host_concurrency", 2, int, "Simultaneous requests to one host.", low=1),
    Setting("per_host_delay", 0.25, float, "Minimum seconds between the starts of two requests to one host.", low=0),
    Setting("global_concurrency", 64, int, "Simultaneous requests overall.", low=1),
    Setting("extract_workers", 0, int, "Processes extracting articles in parallel (0: one per core).", low=0),
    Setting("public_url", "", str, "URL where hubs can reach this site (enables WebSub push); empty: poll only."),
    Setting(
        "trusted_hosts",
        "",
        str,
        "Comma-separated host[:port] names this site may be reached by; used for "
        "absolute links when public_url is empty (any other Host header is ignored).",
    ),
    Setting(
        "trusted_proxies",
        "",
        str,
        "Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (empty: the connecting address is the client).",
    ),
    Setting("allow_private_addresses", False, bool, "Allow fetching loopback and private addresses (SSRF guard off)."),
    Setting("refresh_interval", 300, int, "Seconds between refresh passes while serving (0: never).", low=0),
    Setting("min_poll_interval", 300, int, "Shortest interval between two fetches of one feed, seconds.", low=0),
    Setting("max_poll_interval", 86400, int, "Longest interval between two fetches of a healthy feed, seconds.", low=1),
    Setting("page_size", 20, int, "Articles per page on the web site.", low=1, high=1000),
    Setting(
        "web_workers",
        1,
        int,
        "Processes serving the web site (1: one process, which also pushes WebSub at once).",
        low=1,
    ),
    Setting("page_cache_seconds", 10.0, float, "Seconds an anonymous page is served from memory (0: off).", low=0),
    Setting(
        "article_cache_seconds",
        300.0,
        float,
        "The same for article pages, whose text does not change: a "
        "comment drops the page from its process's cache at once; other web workers show it within this time.",
        low=0,
    ),
    Setting(
        "embeddings",
        "minilm",
        str,
        "Sentence embeddings for stories and related articles: minilm or off (lexical signals only, much faster).",
        choices=("minilm", "off"),
    ),
    Setting(
        "job_engine",
        "embedded",
        str,
        "Who runs the pipeline: embedded (the refresh loop inside `serve`, "
        "any database) or procrastinate (jobs in the same PostgreSQL, run by `broadsheet worker` processes).",
        choices=("embedded", "procrastinate"),
    ),
    Setting(
        "schedule_tick",
        10,
        int,
        "With a job engine: seconds between two looks for due sources and pages "
        "(1 to 59; a source added while workers run is polled within this time).",
        low=1,
        high=59,
    ),
    Setting(
        "log_format",
        "text",
        str,
        "How log lines look: text, or json (one JSON object per line, for log collectors).",
        choices=("text", "json"),
    ),
    Setting("access_log", False, bool, "Log one line per request served: method, path, status and milliseconds."),
    Setting(
        "smtp_host", "", str, "Mail server that sends readers' digest emails (empty: no emails; feeds still work)."
    ),
    Setting(
        "smtp_port", 587, int, "Port of the mail server (587 for STARTTLS, 465 for TLS, 25 plain).", low=1, high=65535
    ),
    Setting("smtp_user", "", str, "User name for the mail server (empty: send without logging in)."),
    Setting("smtp_password", "", str, "Password for the mail server.", secret=True),
    Setting("smtp_from", "", str, "From address of digest emails, e.g. Broadsheet <news@example.org>."),
    Setting(
        "smtp_tls",
        "starttls",
        str,
        "How the connection to the mail server is protected: starttls, tls (from the first byte) or off.",
        choices=("starttls", "tls", "off"),
    ),
    Setting(
        "digest_hour",
        6,
        int,
        "Hour of the day (UTC) from which daily digest emails go out; weekly ones go out on Mondays.",
        low=0,
        high=23,
    ),
    Setting("llm_url", "", str, "OpenAI-compatible endpoint for optional generative features."),
    Setting("llm_key", "", str, "API key for the generative endpoint.", secret=True),
    Setting("llm_model", "", str, "Model name sent to the generative endpoint."),
    Setting(
        "llm_timeout",
        2.0,
        float,
        "Seconds a reader waits for the generative endpoint before the "
        "extractive result is shown (a late answer is kept for the next reader).",
        low=0,
    ),
)


def _coerce(setting: Setting, raw: Any) -> Any:
    """Turn a raw value (string from the environment or the command line, or TOML value) into the
    setting's type, and check it against the values the setting accepts."""
    value = _typed(setting, raw)
    if setting.choices:
        value = value.strip().lower()
        if value not in setting.choices:
            raise ConfigError(f"config: {setting.name} must be one of {', '.join(setting.choices)}, not {raw!r}")
    if setting.low is not None and value < setting.low:
        raise ConfigError(f"config: {setting.name} must be at least {setting.low:g}, not {raw!r}")
    if setting.high is not None and value > setting.high:
        raise ConfigError(f"config: {setting.name} must be at most {setting.high:g}, not {raw!r}")
    return value


def _typed(setting: Setting, raw: Any) -> Any:
    if setting.type is bool and isinstance(raw, str):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"config: {setting.name} must be true or false, not {raw!r}")
    if setting.type in (int, float) and isinstance(raw, bool):
        raise ConfigError(f"config: {setting.name} must be a {setting.type.__name__}, not {raw!r}")
    try:
        return setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config: {setting.name} must be a {setting.type.__name__}, not {raw!r}") from exc


def help_of(name: str) -> str:
    """A setting's help text, for the command-line flags that set it."""
    return setting(name).help


def setting(name: str) -> Setting:
    """A setting of the table by name."""
    for item in SETTINGS:
        if item.name == name:
            return item
    raise ConfigError(f"config: no setting {name!r} (see `broadsheet settings`)")


class Config:
    """Resolved settings, read as attributes (config.data_dir)."""

    def __init__(self, values: dict[str, Any], origins: dict[str, str] | None = None):
        self._values = values
        self.origins = origins or {}  # where each value came from (`broadsheet settings`)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some settings changed."""
        unknown = set(changes) - set(self._values)
        if unknown:
            raise ConfigError(f"config: unknown settings {sorted(unknown)}")
        known = {s.name: s for s in SETTINGS}
        checked = {k: _coerce(known[k], v) if k in known else v for k, v in changes.items()}
        return Config({**self._values, **checked}, {**self.origins, **{k: "changed in code" for k in changes}})

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
    """Resolve settings: defaults, then the config file, then the environment, then overrides
    (the command line), remembering where each value came from."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}
    data_dir = overrides.get("data_dir") or env.get("BROADSHEET_DATA_DIR", values["data_dir"])
    path = Path(env.get("BROADSHEET_CONFIG", Path(data_dir) / "broadsheet.toml"))
    if path.is_file():
        try:
            found = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config: {path} is not valid TOML ({exc})") from exc
        values.update(found)
        origins.update({k: f"file {path}" for k in found})
    for s in SETTINGS:
        key = f"BROADSHEET_{s.name.upper()}"
        if key in env:
            values[s.name], origins[s.name] = env[key], f"environment {key}"
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(given)
    origins.update({k: "command line" for k in given})
    known = {s.name: s for s in SETTINGS}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"config: unknown settings {sorted(unknown)} in {path}")
    return Config({name: _coerce(known[name], value) for name, value in values.items()}, origins)


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` strings (the `--set` flag) as overrides; an unknown name is an error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not name:
            raise ConfigError(f"config: --set takes NAME=VALUE, not {pair!r}")
        parsed[setting(name).name] = value
    return parsed


def settings_markdown() -> str:
    """The README's settings table, made from the table itself."""
    lines = ["| setting | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(empty)" if s.default == "" else f"`{s.default}`"
        accepts = f" One of: {', '.join(f'`{c}`' for c in s.choices)}." if s.choices else ""
        lines.append(f"| `{s.name}` | {default} | {s.help}{accepts} |")
    return "\n".join(lines) + "\n"
