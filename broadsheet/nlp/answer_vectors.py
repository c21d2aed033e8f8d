"""Sentence and word-piece vectors for answering, from one pass of the MiniLM model.

Besides each sentence's embedding, the answerer keeps the vectors of the sentence's informative
word pieces (the model's contextual token embeddings, stop words and punctuation left out) and
scores a question by how closely each of its word pieces is matched somewhere in a sentence
("late interaction"): "originate" finds "descended from", and a question's single changed word
("decreasing" where the text says "increasing") stays visible instead of averaged away.

Both come from the same forward pass that gives the sentence embedding, so building a story's
index costs one encoding of its sentences. Vectors are kept as float16.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from broadsheet.nlp.question import WH_WORDS
from broadsheet.nlp.terms import STOPWORDS

BATCH = 32
FEW = 4  # a batch this small (a reader's question) runs on one thread: see `_forward`


@dataclass
class Encoded:
    """Vectors of some texts: one unit row per text, and the informative word pieces of each."""

    sentences: np.ndarray  # (n, dim) float32 unit rows
    pieces: np.ndarray  # (m, dim) float16 unit rows, the texts' kept word pieces one after another
    piece_ids: np.ndarray  # (m,) vocabulary ids of those pieces
    offsets: np.ndarray  # (n + 1,) where each text's pieces start in `pieces`


def transformer_of(embedder):
    """The SentenceTransformer behind an embedder (also through a caching wrapper), or None."""
    seen = 0
    while embedder is not None and seen < 4:
        model = getattr(embedder, "model", None)
        if model is not None and hasattr(model, "tokenize"):
            return embedder
        embedder, seen = getattr(embedder, "inner", None), seen + 1
    return None


@lru_cache(maxsize=4)
def _skipped_ids(tokenizer) -> frozenset[int]:
    """Vocabulary ids that carry no content: special tokens, stop words, question words, punctuation."""
    vocab = tokenizer.get_vocab()
    words = set(STOPWORDS) | set(WH_WORDS) | {"the", "a", "an", "of", "to", "in", "and", "or"}
    ids = {vocab[w] for w in words if w in vocab}
    ids |= {i for t, i in vocab.items() if len(t) == 1 and not t.isalnum()}
    ids |= set(tokenizer.all_special_ids)
    return frozenset(ids)


def encode(embedder, texts: Sequence[str]) -> Encoded | None:
    """Sentence vectors and informative word-piece vectors of texts, or None without a model."""
    holder = transformer_of(embedder)
    if holder is None:
        return None
    n = len(texts)
    dim = int(getattr(holder, "dim", 0)) or 384
    sentences = np.zeros((n, dim), np.float32)
    kept: list[np.ndarray] = [np.zeros((0, dim), np.float16)] * n
    kept_ids: list[np.ndarray] = [np.zeros(0, np.int64)] * n
    order = sorted(range(n), key=lambda i: len(texts[i]))  # similar lengths batch with little padding
    for start in range(0, n, BATCH):
        batch = order[start : start + BATCH]
        for i, (vector, pieces, ids) in zip(batch, _forward(holder, [texts[i] for i in batch])):
            sentences[i], kept[i], kept_ids[i] = vector, pieces, ids
    offsets = np.zeros(n + 1, np.int64)
    offsets[1:] = np.cumsum([len(k) for k in kept])
    pieces = np.concatenate(kept) if n else np.zeros((0, dim), np.float16)
    piece_ids = np.concatenate(kept_ids) if n else np.zeros(0, np.int64)
    return Encoded(sentences, pieces, piece_ids, offsets)


def _forward(holder, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One batch through the model: (sentence vector, kept piece vectors, their ids) per text."""
    import torch

    model = holder.model
    skip_ids = np.array(sorted(_skipped_ids(model.tokenizer)), np.int64)
    prepare = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 5
    features = prepare(texts)
    lock = getattr(holder, "_lock", None)  # one encode at a time: torch already uses every core
    if lock is not None:
        lock.acquire()
    threads = torch.get_num_threads()
    try:
        if len(texts) <= FEW:  # a question's few tokens gain nothing from splitting each matrix product
            torch.set_num_threads(1)  # across threads, and on a busy machine a split product waits for
        with torch.inference_mode():  # its slowest thread (measured: 25 ms on one thread, 400+ on two)
            out = model(dict(features))
    finally:
        torch.set_num_threads(threads)
        if lock is not None:
            lock.release()
    vectors = torch.nn.functional.normalize(out["sentence_embedding"].float(), dim=1).numpy()
    tokens = torch.nn.functional.normalize(out["token_embeddings"].float(), dim=2).numpy()
    ids = features["input_ids"].numpy()
    mask = features["attention_mask"].numpy().astype(bool)
    found = []
    for row in range(len(texts)):
        keep = mask[row] & ~np.isin(ids[row], skip_ids)
        if not keep.any():  # nothing informative: keep the [CLS] piece so every text has one
            keep = np.zeros_like(mask[row])
            keep[0] = True
        found.append((vectors[row], tokens[row][keep].astype(np.float16), ids[row][keep]))
    return found
