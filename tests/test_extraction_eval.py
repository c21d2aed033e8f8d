"""Extraction quality gate on the shared evaluation pages: scores may not fall below pinned minimums.

Each pin is the score reached when it was set, less 0.005 for body F1 and precision and less
0.01 (about one page) for the metadata accuracies. A regression fails; an improvement should
raise the pin. bench/extraction.py prints the same figures beside other extractors'.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EXTRACTION = DATA / "extraction"

pytestmark = pytest.mark.skipif(
    not EXTRACTION.is_dir(), reason=f"evaluation data not found at {EXTRACTION} (../shared/data is absent)"
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PINS = {
    "scrapinghub-dev": {"f1": 0.978, "precision": 0.978, "recall": 0.979},
    "readability-pages": {"f1": 0.931, "title": 0.975, "byline": 0.905, "published": 0.798, "published_stated": 0.99},
    "newspaper-pages": {"f1": 0.923},
}


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    """Our extractor's figures on every set, computed once for the module."""
    from bench import extraction as bench

    figures = {}
    for name in PINS:
        if (EXTRACTION / name).is_dir():
            cases = bench.LOADERS[name](EXTRACTION)
            figures[name] = bench.score(cases, bench.predict(bench.extractors()[0], cases))
    return figures


@pytest.mark.parametrize("set_name, metric", [(s, m) for s, pins in PINS.items() for m in pins])
def test_score_stays_at_or_above_its_pin(scores, set_name, metric):
    if set_name not in scores:
        pytest.skip(f"{set_name} not found under {EXTRACTION}")
    reached = scores[set_name][metric]
    assert reached >= PINS[set_name][metric], (
        f"{set_name} {metric} fell to {reached:.4f} (pin {PINS[set_name][metric]})"
    )


def test_no_page_crashes(scores):
    assert {name: figures["crashed"] for name, figures in scores.items()} == dict.fromkeys(scores, 0)


def test_extracting_a_real_page_twice_gives_identical_json():
    from broadsheet.extract.files import extract_file

    pages = sorted((EXTRACTION / "scrapinghub-dev" / "html").glob("*.html.gz"))[:3]
    if not pages:
        pytest.skip("scrapinghub-dev pages not found")
    for path in pages:
        assert json.dumps(extract_file(path), sort_keys=True) == json.dumps(extract_file(path), sort_keys=True)
