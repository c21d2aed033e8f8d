"""The window re-clustered after a batch: the touched stories and their near neighbours, chosen as
the plain definition chooses them (every story scored, the whole window sorted), however the scores
were computed and sorted."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from broadsheet.nlp import terms as lexical
from broadsheet.nlp.stories import Doc, StoryIndex, StoryParams
from broadsheet.pipeline.understand import NEIGHBOUR_SHARE, WINDOW_ARTICLES, Understander, nearest


class _Dim:
    """An embedder as far as the window is concerned: its width."""

    name = variant = "test"

    def __init__(self, dim: int):
        self.dim = dim


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(st.integers(-4, 4).map(lambda k: k / 4), max_size=40),
    floor=st.sampled_from([-1.0, 0.0, 0.25, 0.5, 2.0]),
)
def test_nearest_is_the_sorted_window_filtered(scores, floor):
    array = np.array(scores, np.float32)
    expected = [j for j in np.argsort(-array, kind="stable") if array[j] >= floor]
    assert nearest(array, floor).tolist() == expected


def _neighbourhood_by_definition(state: Understander, touched: set[str]) -> list[str]:
    """The window as first written: a dense product over every story, the whole window sorted."""
    index, p = state.index, state.params
    present = [s for s in touched if s in index.slot]
    if not present:
        return []
    rows, n = np.array([index.slot[s] for s in present]), len(index.keys)
    near = p.lexical_weight * (index.lex[rows] @ index.lex[:n].T) + p.name_weight * (
        index.name[rows] @ index.name[:n].T
    )
    if p.embedding_weight and state.embedder.dim:
        near += p.embedding_weight * (index.emb[rows] @ index.emb[:n].T)
    floor = p.threshold if state.embedder.dim and p.embedding_weight else p.lexical_threshold
    best = near.max(0)
    chosen = sorted(present, key=lambda s: -index.touched[index.slot[s]])
    chosen += [
        index.keys[j]
        for j in np.argsort(-best, kind="stable")
        if best[j] >= NEIGHBOUR_SHARE * floor and index.keys[j] not in touched
    ]
    window, total = [], 0
    for story in chosen:
        total += int(index.size[index.slot[story]])
        if total > WINDOW_ARTICLES and window:
            break
        window.append(story)
    return window


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), embedding_dim=st.sampled_from([0, 8]), touched_count=st.integers(0, 30))
def test_neighbourhood_is_the_definition(seed, embedding_dim, touched_count):
    rng = np.random.default_rng(seed)
    state = Understander(_Dim(embedding_dim), StoryParams())  # type: ignore[arg-type]
    state.index = StoryIndex(state.params, embedding_dim)
    vocabulary = [f"w{i}" for i in range(30)]
    for n in range(int(rng.integers(1, 120))):
        words = {str(w): float(rng.random()) for w in rng.choice(vocabulary, size=int(rng.integers(2, 8)))}
        embedding = rng.standard_normal(embedding_dim).astype(np.float32) if embedding_dim else None
        state.index.place(
            Doc(
                str(n),
                lexical.hashed(words),
                np.zeros(lexical.ENTITY_DIM, np.float32),
                None if embedding is None else embedding / np.linalg.norm(embedding),
                3600.0 * n,
                words,
            )
        )
    keys = state.index.keys + ["gone"]  # a touched story may have left the window
    touched = {keys[int(i)] for i in rng.integers(0, len(keys), size=touched_count)}
    assert state._neighbourhood(touched) == _neighbourhood_by_definition(state, touched)
