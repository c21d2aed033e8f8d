"""Every real feed file in ../shared/data/feeds parses or is rejected with a clear error; none leaks script."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from feeds import DEFAULT, parse_all


def test_real_feeds_never_crash_or_leak_script():
    if not DEFAULT.is_dir():
        pytest.skip(f"evaluation data not found at {DEFAULT}")
    result = parse_all(DEFAULT)
    assert result["files"] > 2000
    assert result["crashes"] == []
    assert result["script_leaks"] == []
    assert result["outcome"]["parsed"] > 1900
