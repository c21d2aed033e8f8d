"""The news sections as data: `data/sections.toml` (descriptions, example headlines and weighted
vocabulary, written for this project), read once when this module is imported."""

from __future__ import annotations

import tomllib
from importlib.resources import files


def _load() -> list[dict]:
    text = files("broadsheet.nlp").joinpath("data/sections.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["section"]


_TABLE = _load()
SECTIONS: tuple[str, ...] = tuple(s["name"] for s in _TABLE)  # in the order shown to readers
DESCRIPTIONS: dict[str, str] = {s["name"]: s["description"] for s in _TABLE}
# Vocabulary per section and weight (3: nearly decisive, 2: typical, 1: a hint), comma-separated.
LEXICON: dict[str, dict[int, str]] = {
    s["name"]: {w: s[f"words_{w}"] for w in (3, 2, 1) if f"words_{w}" in s} for s in _TABLE
}
_EXAMPLES: dict[str, tuple[str, ...]] = {s["name"]: tuple(s["examples"]) for s in _TABLE}


def examples(section: str) -> tuple[str, ...]:
    """Every example headline of a section."""
    return _EXAMPLES[section]
