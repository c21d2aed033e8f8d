"""Embeddings: MiniLM from its offline package, the cheap route, and the vector cache."""

from __future__ import annotations

import numpy as np
import pytest

from broadsheet.errors import ConfigError
from broadsheet.nlp.embed import CachedEmbedder, LexicalOnly, embedding_text, load_embedder


def test_minilm_loads_offline_and_puts_like_with_like(tmp_path):
    model = load_embedder("minilm")
    texts = ["Firefighters fought a blaze at the old textile mill through the night.",
             "A fire destroyed the riverside mill; crews battled the flames until dawn.",
             "The central bank left interest rates unchanged at its monthly meeting."]
    vectors = model.encode(texts)
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    cached = CachedEmbedder(model, tmp_path / "vectors")
    first = cached.encode(texts[:2])
    assert np.allclose(first, vectors[:2], atol=1e-5)
    assert len(list((tmp_path / "vectors").rglob("*.npy"))) == 2
    assert np.allclose(cached.encode(texts[:2]), first)


def test_cheap_route_and_settings():
    assert LexicalOnly().encode(["a", "b"]).shape == (2, 0)
    assert load_embedder("off") is load_embedder("off")
    with pytest.raises(ConfigError, match="embeddings must be"):
        load_embedder("word2vec")
    assert embedding_text("Headline", "one two three") == "Headline. one two three"
