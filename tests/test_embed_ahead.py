"""Embeddings made ahead of placement (the job engine's embed jobs, in parallel) are what placement
uses: it encodes only the articles nobody embedded yet, and a vector of another size is ignored."""

from __future__ import annotations

import numpy as np

from broadsheet.model import Article
from broadsheet.pipeline import understand
from broadsheet.store import articles as article_store
from broadsheet.store import stories as story_store
from broadsheet.store.schema import articles


class Counting:
    """A tiny deterministic embedder that records what it was asked to encode."""

    name, dim = "counting", 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        rows = np.array([[float((hash(t) >> i) & 7) + 1 for i in range(self.dim)] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True) if len(texts) else np.zeros((0, self.dim), np.float32)


def _store(engine, n: int) -> list[Article]:
    items = [
        Article(
            id=f"e{i}",
            url=f"http://pub.invalid/e{i}",
            title=f"Harbour ferry story number {i}",
            text=f"The ferry to island {i} did not sail on Tuesday because of storm number {i}.",
            status="ok",
            arrival=i + 1,
        )
        for i in range(n)
    ]
    with engine.begin() as conn:
        article_store.save_articles(conn, items)
    return items


def test_placement_reads_vectors_embedded_ahead_and_encodes_only_the_rest(engine):
    embedder = Counting()
    understand.configure(engine, embedder)
    items = _store(engine, 3)
    assert understand.embed_ahead(engine, ["e0", "e1"]) == 2
    assert understand.embed_ahead(engine, ["e0", "e1"]) == 0  # already there: nothing encoded again
    assert len(embedder.seen) == 2
    embedder.seen.clear()
    with engine.begin() as conn:
        understand.understand_batch(engine, conn, items)
    assert len(embedder.seen) == 1 and "island 2" in embedder.seen[0]
    with engine.connect() as conn:
        placed = {r.id: r for r in conn.execute(articles.select())}
    assert all(r.story_id for r in placed.values())
    assert all(len(np.frombuffer(r.vector, np.float16)) == 8 for r in placed.values())
    with engine.begin() as conn:  # placed articles are not embedded ahead any more
        assert story_store.keep_unplaced_vectors(conn, {"e0": b"\x00\x00"}) == 0


def test_a_vector_of_another_model_is_encoded_again(engine):
    embedder = Counting()
    understand.configure(engine, embedder)
    items = _store(engine, 1)
    with engine.begin() as conn:
        story_store.keep_unplaced_vectors(conn, {"e0": np.ones(4, np.float16).tobytes()})  # a 4-dimensional model
    with engine.begin() as conn:
        understand.understand_batch(engine, conn, items)
    assert len(embedder.seen) == 1
