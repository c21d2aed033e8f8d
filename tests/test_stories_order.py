"""Story placement does not depend on arrival order, and look-alike events stay apart.

The demo newsroom's articles (fiction written for the project, with its own story labels) are
imported through `broadsheet import`'s parsing and the real understand stage (MiniLM, vectors cached
between runs) in five shuffled orders, one article per batch: the worst case for an online method,
since every article is placed before the next is seen. Two data breaches (Telvanta, Ostra) and two
fires (Halvern mill, Lindqvist cold store) are written alike on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = (0, 1, 2, 3, 4)
MIN_F1_PIN = 0.967  # the lowest BCubed F1 of the five orders when measured; the bar is 0.95
TOLERANCE = 0.01


@pytest.fixture(scope="module")
def embedder(request):
    from broadsheet.nlp.embed import CachedEmbedder, load_embedder

    return CachedEmbedder(load_embedder("minilm"), Path(request.config.cache.mkdir("broadsheet-minilm")))


def test_demo_placed_in_five_shuffled_orders(embedder):
    from bench.stories import run_demo_orders

    orders = run_demo_orders(embedder, SEEDS)
    for order in orders:
        assert not order["mixed"], order  # never one story holding both events of a look-alike pair
        assert order["bcubed"][2] >= 0.95, order
    assert min(o["bcubed"][2] for o in orders) >= MIN_F1_PIN - TOLERANCE, orders
