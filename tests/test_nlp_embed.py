"""Embeddings: MiniLM from its offline package, the cheap route, and the vector cache."""

from __future__ import annotations

import numpy as np
import pytest

from broadsheet.errors import ConfigError
from broadsheet.nlp.embed import CachedEmbedder, LexicalOnly, embedding_text, load_embedder


def test_minilm_loads_offline_and_puts_like_with_like(tmp_path):
    model = load_embedder("minilm")
    texts = [
        "Firefighters fought a blaze at the old textile mill through the night.",
        "A fire destroyed the riverside mill; crews battled the flames until dawn.",
        "The central bank left interest rates unchanged at its monthly meeting.",
    ]
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
    assert embedding_text("", "one two three") == "one two three"


def test_a_body_that_is_the_headline_is_embedded_once():
    # feeds of headlines carry the headline as the body: "X. X" doubled the tokens the model reads
    assert (
        embedding_text("Fed official says weak data", "Fed official says  weak data") == "Fed official says weak data"
    )
    assert embedding_text("Markets fall.", "Markets fall.") == "Markets fall"
    assert embedding_text("Markets fall", "Markets fall as rates rise") == "Markets fall. Markets fall as rates rise"


def test_onnx_export_gives_the_reference_vectors():
    from broadsheet.nlp.embed import MiniLM, OnnxMiniLM

    model = load_embedder("minilm")
    assert isinstance(model, OnnxMiniLM)  # onnxruntime is a dependency: the fast route is the one taken
    texts = [
        "Parliament passed the budget after a late-night vote on Tuesday.",
        "The striker scored twice as the home side came back to win 3-2.",
        "Researchers found the new battery kept 90 percent of its charge after a thousand cycles.",
    ]
    reference = MiniLM().encode(texts)
    fast = model.encode(texts)
    assert np.allclose(fast, reference, atol=1e-4)  # the same model: no quality traded for speed
    assert np.array_equal(model.encode(texts[1:2])[0], fast[1])  # a text's vector never depends on its batch


def test_texts_of_one_length_run_together_and_each_vector_is_the_one_it_gets_alone():
    from broadsheet.nlp.embed import _same_length_runs

    assert _same_length_runs([5, 7, 5, 5, 7, 9], 2) == [[0, 2], [3], [1, 4], [5]]
    model = load_embedder("minilm")
    texts = [f"Harbour ferry number {n} sails at dawn" for n in ("one", "two", "three", "four")]
    texts += ["A storm closed the port.", "Trains ran late after the storm closed the northern line all morning."]
    lengths = [len(e.ids) for e in model.tokenizer.encode_batch(texts)]
    assert len(set(lengths)) < len(lengths)  # some texts share a length: they run as one batch
    together = model.encode(texts)
    for row, text in enumerate(texts):
        assert np.array_equal(model.encode([text])[0], together[row])


class CountingEmbedder:
    name, dim, variant = "counting", 4, "test"

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        return np.ones((len(texts), self.dim), np.float32) / 2


def test_fixed_texts_are_encoded_once(tmp_path, monkeypatch):
    from broadsheet.nlp.embed import encode_fixed

    monkeypatch.setenv("BROADSHEET_MODEL_CACHE", str(tmp_path))
    embedder = CountingEmbedder()
    first = encode_fixed(embedder, ["a", "b", "c"])
    again = encode_fixed(embedder, ["a", "b", "c"])
    assert embedder.calls == 1 and np.array_equal(first, again) and first.shape == (3, 4)
    encode_fixed(embedder, ["a", "b"])  # other texts: other vectors
    assert embedder.calls == 2
