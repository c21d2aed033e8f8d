"""The evaluation baseline (tests/evaluation.toml), read by every test that measures quality on the
shared data in ../shared/data.

Each section of the baseline names the data it was measured on (with a digest of those files), the
figures measured, and how far each may fall before the test fails. A test asks `data(section)` for
its files and `check(section, key, figures)` to compare; both fail loudly instead of skipping where
a skip would hide a regression:
- data absent: skipped on a developer's machine, failed when BROADSHEET_REQUIRE_EVAL_DATA=1 (.ci/run
  sets it, so CI never passes an evaluation it did not run);
- data changed since the figures were measured: failed, saying to measure again (a pin compared with
  figures from other data means nothing).
Every figure checked is printed at the end of the run (tests/conftest.py), so a run on new data shows
what to write into the baseline.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
BASELINE = Path(__file__).with_name("evaluation.toml")
REQUIRE = "BROADSHEET_REQUIRE_EVAL_DATA"
MEASURED: dict[str, dict[str, dict[str, float]]] = {}  # section -> key -> figures seen in this run


@cache
def baseline() -> dict:
    return tomllib.loads(BASELINE.read_text(encoding="utf-8"))


def section(name: str) -> dict:
    try:
        return baseline()[name]
    except KeyError:
        raise AssertionError(f"{BASELINE.name} has no section [{name}]") from None


def digest(paths: list[Path]) -> str:
    """sha256 over every file under the paths (names relative to the data folder, then contents)."""
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            h.update(file.relative_to(DATA).as_posix().encode() + b"\0")
            h.update(file.read_bytes())
    return h.hexdigest()


@cache
def _checked_digest(name: str) -> str:
    return digest([DATA / p for p in section(name)["data"]])


def data(name: str) -> Path:
    """The data folder after checking that the section's data is there and unchanged."""
    paths = [DATA / p for p in section(name)["data"]]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        message = f"evaluation data for [{name}] not found: {', '.join(missing)}"
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{message} ({REQUIRE}=1: evaluations must run here)")
        pytest.skip(message)
    found, expected = _checked_digest(name), section(name)["digest"]
    assert found == expected, (
        f"the data of [{name}] changed since its figures were measured (digest {found[:12]}, baseline "
        f"{expected[:12]}): measure again and update {BASELINE.name}"
    )
    return DATA


def check(name: str, key: str, figures: dict[str, float]) -> None:
    """Every baseline figure of `key` reached by `figures`, within the section's tolerance; figures
    listed in `lower_is_better` may rise by the tolerance instead."""
    sec = section(name)
    MEASURED.setdefault(name, {})[key] = {k: v for k, v in figures.items() if isinstance(v, int | float)}
    lower = set(sec.get("lower_is_better", []))
    failures = []
    for metric, measured in sec["figures"][key].items():
        tolerance = _tolerance(sec, metric)
        reached = figures[metric]
        fell = reached > measured + tolerance if metric in lower else reached < measured - tolerance
        if fell:
            failures.append(f"{metric} {reached:.4f} (measured {measured}, tolerance {tolerance})")
    assert not failures, f"[{name}] {key}: " + "; ".join(failures)


def _tolerance(sec: dict, metric: str) -> float:
    tolerance = sec.get("tolerance", 0.01)
    return tolerance.get(metric, tolerance["default"]) if isinstance(tolerance, dict) else tolerance


def keys(name: str) -> list[str]:
    return sorted(section(name)["figures"])


def report() -> list[str]:
    """Lines of what this run measured, for the end of the test report."""
    return [
        f"[{name}] {key}: " + ", ".join(f"{m}={v:.4f}" for m, v in sorted(figures.items()))
        for name, per_key in sorted(MEASURED.items())
        for key, figures in sorted(per_key.items())
    ]
