"""Extraction quality on the shared evaluation pages, held to tests/evaluation.toml ([extraction]).

A regression beyond the tolerance fails; an improvement should be written into the baseline.
bench/extraction.py prints the same figures beside other extractors'.
"""

from __future__ import annotations

import json
import sys

import evaluation
import pytest

if str(evaluation.ROOT) not in sys.path:
    sys.path.insert(0, str(evaluation.ROOT))

SETS = evaluation.keys("extraction")


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    """Our extractor's figures on every set, computed once for the module."""
    from bench import extraction as bench

    extraction = evaluation.data("extraction") / "extraction"
    figures = {}
    for name in SETS:
        cases = bench.LOADERS[name](extraction)
        figures[name] = bench.score(cases, bench.predict(bench.extractors()[0], cases))
    return figures


@pytest.mark.parametrize("set_name", SETS)
def test_scores_hold_the_baseline(scores, set_name):
    evaluation.check("extraction", set_name, scores[set_name])


def test_no_page_crashes(scores):
    assert {name: figures["crashed"] for name, figures in scores.items()} == dict.fromkeys(scores, 0)


def test_extracting_a_real_page_twice_gives_identical_json():
    from broadsheet.extract.files import extract_file

    pages = sorted((evaluation.data("extraction") / "extraction/scrapinghub-dev/html").glob("*.html.gz"))[:3]
    assert pages
    for path in pages:
        assert json.dumps(extract_file(path), sort_keys=True) == json.dumps(extract_file(path), sort_keys=True)
