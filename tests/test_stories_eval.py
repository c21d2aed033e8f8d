"""Story and related-article quality on the shared clustering sets: figures may not fall below pins.

Each pin is the figure reached when it was set; a drop of more than 0.01 fails, an improvement
should raise the pin. The suite measures the cheap route (lexical signals, no model) on every set
and the full configuration (with MiniLM, vectors cached between runs) on giveme5w1h;
bench/stories.py prints all of it for the full configuration beside a TF-IDF baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CLUSTERING = DATA / "clustering"

pytestmark = pytest.mark.skipif(
    not CLUSTERING.is_dir(), reason=f"evaluation data not found at {CLUSTERING} (../shared/data is absent)"
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOLERANCE = 0.01
CHEAP_PINS = {  # BCubed F1 of story_id and precision@5 of related, lexical route
    "giveme5w1h": {"f1": 0.887, "p@5": 0.945},
    "ecbplus": {"f1": 0.871, "p@5": 0.938},
    "uci-news-head": {"f1": 0.683, "p@5": 0.842},
}
MINILM_PINS = {"giveme5w1h": {"f1": 0.913, "p@5": 0.941, "purity": 0.883}}


def _figures(name: str, embedder) -> dict:
    from bench import stories as bench

    records = bench.load_set(name)
    result = bench.run_ours(records, embedder, full=False)
    baseline = bench.run_baseline(records, groups=result["groups"])
    return {
        "f1": result["bcubed"][2],
        "p@5": result["related"]["p"],
        "strict": result["related"]["strict"],
        "storylines": result["storylines"],
        "purity": result["storylines"]["purity"],
        "nn p@5": baseline["related"]["p"],
        "nn* strict": baseline["related_rules"]["strict"],
    }


@pytest.mark.parametrize("name", sorted(CHEAP_PINS))
def test_cheap_route_quality(name):
    from broadsheet.nlp.embed import LexicalOnly

    if not (CLUSTERING / name).is_dir():
        pytest.skip(f"{name} not found")
    figures = _figures(name, LexicalOnly())
    for metric, pin in CHEAP_PINS[name].items():
        assert figures[metric] >= pin - TOLERANCE, (name, metric, figures[metric], pin)


def test_full_configuration_quality(request):
    from broadsheet.nlp.embed import CachedEmbedder, load_embedder

    embedder = CachedEmbedder(load_embedder("minilm"), Path(request.config.cache.mkdir("broadsheet-minilm")))
    figures = _figures("giveme5w1h", embedder)
    for metric, pin in MINILM_PINS["giveme5w1h"].items():
        assert figures[metric] >= pin - TOLERANCE, (metric, figures[metric], pin)
    assert figures["f1"] >= 0.90 and figures["p@5"] >= 0.80  # the bars
    # Related articles beat a plain TF-IDF nearest-neighbour list over the same articles (issue 11): as it
    # comes, and under our rules (no copies, two per outlet) for the strict hits / 5.
    assert figures["p@5"] >= figures["nn p@5"] and figures["strict"] >= figures["nn* strict"], figures
    lines = figures["storylines"]  # every event covered for more than 30 days is one storyline (18 of 18)
    assert lines["long_events"] == 18 and lines["one_storyline"] == lines["long_events"], lines
