"""Embedding routes side by side on the clustering sets (issue 14): what an article vector costs and
what it keeps, for MiniLM reading the lead to several lengths and for a static distillation of it.

    .venv/bin/python bench/embed_routes.py [--sets giveme5w1h,ecbplus] [--tokens 128,64] [--static]
                                           [--pipeline]

Per route and set: CPU milliseconds per text (one thread), cosine to the first route's vectors
(mean and lowest), precision@5 of the embedding's own nearest neighbours by event label, and with
`--pipeline` story BCubed F1 and related precision@5 of the understand stage (bench/stories.py,
stages up to understand). `--static` adds model2vec's recipe made from our own ONNX session and
tokenizer (each vocabulary piece as "[CLS] piece [SEP]" through the model once, mean of the three
outputs, PCA to 256, Zipf/SIF weights; a text is the mean of its pieces' rows): about 20 CPU s to
make, 0.4 ms a text, weaker neighbours (see nlp/embed.py). Reads ../shared/data; writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import stories  # bench/stories.py, beside this file (on the path above)

from broadsheet.nlp import embed


class Reading:
    """MiniLM through the ONNX graph, reading `tokens` word pieces."""

    def __init__(self, tokens: int):
        embed.MAX_TOKENS = tokens  # read by the constructor (the tokenizer's truncation) and cache keys
        self.inner = embed.OnnxMiniLM(embed.onnx_graph())
        self.name, self.dim, self.variant = "minilm", embed.EMBEDDING_DIM, f"bench-{tokens}"

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode(texts)


class Static:
    """A static distillation of the packaged model: one row per vocabulary piece."""

    name, variant = "minilm", "bench-static"

    def __init__(self, dims: int = 256, sif: float = 1e-4):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(embed.model_folder() / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.table = _weighted(_pca(_piece_outputs(self.tokenizer), dims), sif)
        self.dim = self.table.shape[1]

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            if encoding.ids:
                mean = self.table[encoding.ids[:512]].mean(0)
                out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return out


def _piece_outputs(tokenizer) -> np.ndarray:
    """Each vocabulary piece alone through the model: the mean of its three output vectors."""
    import onnxruntime

    vocab = tokenizer.get_vocab()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.log_severity_level = 1, 3
    session = onnxruntime.InferenceSession(str(embed.onnx_graph()), options, providers=["CPUExecutionProvider"])
    out = np.zeros((len(vocab), embed.EMBEDDING_DIM), np.float32)
    for start in range(0, len(vocab), 1024):
        ids = np.arange(start, min(len(vocab), start + 1024))
        rows = np.stack([np.full_like(ids, vocab["[CLS]"]), ids, np.full_like(ids, vocab["[SEP]"])], 1)
        feeds = {"input_ids": rows, "attention_mask": np.ones_like(rows), "token_type_ids": np.zeros_like(rows)}
        out[start : start + len(ids)] = session.run(None, feeds)[0].mean(1)
    return out


def _pca(rows: np.ndarray, dims: int) -> np.ndarray:
    centred = rows.astype(np.float64) - rows.mean(0)
    return centred @ np.linalg.svd(centred, full_matrices=False)[2][:dims].T


def _weighted(rows: np.ndarray, sif: float) -> np.ndarray:
    """Zipf by vocabulary rank (BERT's vocabulary is roughly in frequency order), SIF weights."""
    inverse = 1 / np.arange(2, len(rows) + 2)
    return (rows * (sif / (sif + inverse / inverse.sum()))[:, None]).astype(np.float32)


def neighbour_precision(vectors: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Share of each text's k nearest texts (cosine) that carry its label."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argsort(-sims, axis=1)[:, :k]
    return float((labels[nearest] == labels[:, None]).mean())


def measure(route, records: list[dict], reference: np.ndarray | None, pipeline: bool) -> dict:
    texts = [embed.embedding_text(r["title"], r["text"]) for r in records]
    started = time.process_time()
    vectors = route.encode(texts)
    out = {"ms": 1000 * (time.process_time() - started) / len(texts), "vectors": vectors}
    if reference is not None and reference.shape == vectors.shape:
        cosines = (reference * vectors).sum(1)
        out["cosine"] = f"{cosines.mean():.4f}/{cosines.min():.4f}"
    out["nn_p5"] = neighbour_precision(vectors, np.array([str(r["label"]) for r in records]))
    if pipeline:
        ours = stories.run_ours(records, route, full=False)
        out["bcubed"], out["p5"] = ours["bcubed"][2], ours["related"]["p"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="giveme5w1h,ecbplus")
    parser.add_argument("--tokens", default="128,64")
    parser.add_argument("--static", action="store_true")
    parser.add_argument("--pipeline", action="store_true")
    args = parser.parse_args()
    routes = [(f"minilm {t} tokens", lambda t=int(t): Reading(t)) for t in args.tokens.split(",")]
    routes += [("static distillation", Static)] if args.static else []
    made = [(name, make()) for name, make in routes]
    print(f"{'route':<22} {'set':<16} {'ms/text':>8} {'cos mean/min':>14} {'nn p@5':>7} {'B3 F1':>6} {'p@5':>6}")
    for name in args.sets.split(","):
        records, reference = stories.load_set(name), None
        for label, route in made:
            f = measure(route, records, reference, args.pipeline)
            reference = f["vectors"] if reference is None else reference
            print(
                f"{label:<22} {name:<16} {f['ms']:>8.2f} {f.get('cosine', '-'):>14} {f['nn_p5']:>7.3f} "
                f"{f.get('bcubed', float('nan')):>6.3f} {f.get('p5', float('nan')):>6.3f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
