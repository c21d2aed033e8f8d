"""Fit the answerer's weights (broadsheet/nlp/answer_weights.py) on the TUNE titles of squad2-dev.

    .venv/bin/python bench/qa_fit.py [--write]

1. Ranking: a linear score over the evidence of `PassageIndex.features`, fitted as a softmax over a
   story's sentences (the sentences holding a gold answer are the targets), L2-regularised, on the
   answerable questions of the TUNE titles.
2. Answerability: a logistic model over `PassageIndex.check` (evidence about the best sentence),
   target "the best sentence holds a gold answer", on all TUNE questions (unanswerable ones included).
3. Threshold: the support below which nothing is claimed, set so that 42% of the TUNE titles'
   unanswerable questions are abstained on.
Both with the MiniLM vectors and for the lexical-only route. Prints tune / held-out / all figures;
--write rewrites answer_weights.py.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from datetime import date
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
import qa

from broadsheet.nlp import answer_weights as weights
from broadsheet.nlp.answer import PassageIndex

L2_RANK, L2_CHECK, ABSTAIN_TUNE = 1e-3, 1e-2, 0.42
OUT = qa.ROOT / "broadsheet" / "nlp" / "answer_weights.py"


def fit_rank(items: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Softmax-over-sentences weights (on standardised columns, folded back to raw ones)."""
    stacked = np.concatenate([x for x, _ in items])
    mu, sd = stacked.mean(0), stacked.std(0) + 1e-9
    data = [((x - mu) / sd, ok) for x, ok in items if ok.any()]
    d = stacked.shape[1]

    def loss(w):
        grad, total = np.zeros(d), 0.0
        for x, ok in data:
            s = x @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            q = p * ok
            mass = q.sum()
            grad += x.T @ (p - q / mass)
            total -= math.log(mass + 1e-300)
        n = len(data)
        return total / n + L2_RANK * w @ w / 2, grad / n + L2_RANK * w

    w = minimize(loss, np.zeros(d), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return w / sd


def fit_check(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression (standardised inside, folded back)."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    d = z.shape[1]

    def loss(v):
        w, b = v[:-1], v[-1]
        t = z @ w + b
        p = 1 / (1 + np.exp(-t))
        eps = 1e-12
        total = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + L2_CHECK * w @ w / 2
        g = p - y
        return total, np.append(z.T @ g / len(y) + L2_CHECK * w, g.mean())

    v = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    w = v[:-1] / sd
    return w, float(v[-1] - (v[:-1] * mu / sd).sum())


def collect(embedder, cache: Path | None = None) -> list[dict]:
    """Every question's evidence, with gold labels per sentence (kept in `cache` when given, so a
    refit does not encode the stories again)."""
    if cache is not None and cache.is_file():
        with cache.open("rb") as handle:
            return pickle.load(handle)
    out = []
    for title, docs, asked in qa.stories():
        index = PassageIndex(docs, embedder)
        index.prepare([a.question for a in asked])
        print(f"  indexed {title}: {index.n} sentences", flush=True)
        for a in asked:
            found = index.features(a.question)
            if found is None:
                continue
            q, x, extra = found
            ok = np.array([qa.contains(p.raw, a.golds) for p in index.passages]) if not a.impossible else None
            out.append(
                {
                    "title": title,
                    "index": index,
                    "q": q,
                    "x": x,
                    "extra": extra,
                    "ok": ok,
                    "impossible": a.impossible,
                    "asked": a,
                }
            )
    if cache is not None:
        for r in out:
            r["index"].embedder = None  # the model is not pickled; every question was encoded in advance
        with cache.open("wb") as handle:
            pickle.dump(out, handle)
    return out


def fit(rows: list[dict], lexical: bool, abstain: float = ABSTAIN_TUNE) -> dict:
    prefix = "LEXICAL_" if lexical else ""
    tune = [r for r in rows if r["title"] in qa.TUNE]
    rank = fit_rank([(r["x"], r["ok"]) for r in tune if not r["impossible"]])
    setattr(weights, prefix + "RANK", tuple(rank))
    checks, hits = [], []
    for r in rows:
        scores = r["index"].scores(r["x"])
        b, evidence = r["index"].check(r["q"], r["x"], r["extra"], scores)
        checks.append(evidence)
        hits.append((not r["impossible"]) and bool(r["ok"][b]))
        r["b"] = b
    checks, hits = np.array(checks), np.array(hits, float)
    in_tune = np.array([r["title"] in qa.TUNE for r in rows])
    coef, bias = fit_check(checks[in_tune], hits[in_tune])
    setattr(weights, prefix + "CHECK", tuple(coef))
    setattr(weights, prefix + "CHECK_BIAS", bias)
    support = 1 / (1 + np.exp(-(checks @ coef + bias)))
    impossible = np.array([r["impossible"] for r in rows])
    for share in (0.30, 0.35, 0.40, 0.45, 0.50):
        t = float(np.quantile(support[impossible & in_tune], share))
        kept = (hits * (support >= t))[~impossible].mean()
        print(
            f"  threshold abstaining {share:.2f} of tune unanswerable: all titles {kept:.3f} answered, "
            f"{(support < t)[impossible].mean():.3f} abstained"
        )
    threshold = float(np.quantile(support[impossible & in_tune], abstain))
    setattr(weights, prefix + "THRESHOLD", threshold)
    for name, part in (("tune", in_tune), ("held-out", ~in_tune), ("all", np.ones_like(in_tune))):
        top1 = hits[part & ~impossible].mean()
        kept = (hits * (support >= threshold))[part & ~impossible].mean()
        abstained = (support < threshold)[part & impossible].mean()
        print(
            f"  {prefix or 'MINILM_'}{name:<9} best sentence holds the answer {top1:.3f}; after the check "
            f"{kept:.3f} answered, {abstained:.3f} of unanswerable abstained"
        )
    final = []
    for r in rows:  # the answers as given (a sentence pointing back shown after its antecedent)
        answer = r["index"].answer(r["asked"].question)
        final.append(
            {
                "title": r["title"],
                "impossible": r["impossible"],
                "supported": answer.supported,
                "sentences": len(answer.passages),
                "hit": (not r["impossible"]) and answer.supported and qa.contains(answer.text, r["asked"].golds),
            }
        )
    for name, f in qa.summarise(final).items():
        print(
            f"  answers as given, {name:<9} {f['answered']:.3f} answered, {f['abstained']:.3f} abstained, "
            f"two-sentence {f['two_sentence']:.3f}"
        )
    return {"rank": rank, "coef": coef, "bias": bias, "threshold": threshold}


def write(fitted: dict[str, dict]) -> None:
    def tup(values) -> str:
        return "(" + ", ".join(f"{v:.6g}" for v in values) + ("," if len(values) == 1 else "") + ")"

    full, lexical = fitted["minilm"], fitted["lexical"]
    text = f'''"""Weights of the answerer, fitted by bench/qa_fit.py on {date.today().isoformat()} (do not edit by hand).

Fitted on the squad2-dev titles {", ".join(qa.TUNE)}; the other titles are held out
(bench/ai.py prints both). RANK scores each sentence from `PassageIndex.features` (FEATURES with the
MiniLM vectors, LEXICAL_FEATURES without); CHECK and CHECK_BIAS give the logistic support that the
best sentence answers from `PassageIndex.check` (CHECKS / LEXICAL_CHECKS); below THRESHOLD the
answer is "the sources do not say".
"""

FEATURES = {weights.FEATURES!r}
LEXICAL_FEATURES = {weights.LEXICAL_FEATURES!r}
CHECKS = {weights.CHECKS!r}
LEXICAL_CHECKS = {weights.LEXICAL_CHECKS!r}
RANK = {tup(full["rank"])}
LEXICAL_RANK = {tup(lexical["rank"])}
CHECK = {tup(full["coef"])}
CHECK_BIAS = {full["bias"]:.6g}
LEXICAL_CHECK = {tup(lexical["coef"])}
LEXICAL_CHECK_BIAS = {lexical["bias"]:.6g}
THRESHOLD = {full["threshold"]:.6g}
LEXICAL_THRESHOLD = {lexical["threshold"]:.6g}
'''
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite broadsheet/nlp/answer_weights.py")
    parser.add_argument("--cache", type=Path, help="folder keeping the encoded evidence between runs")
    parser.add_argument("--abstain", type=float, default=ABSTAIN_TUNE, help="share of tune unanswerable to abstain")
    args = parser.parse_args()
    if not qa.SQUAD.is_file():
        sys.exit(f"{qa.SQUAD} not found")
    from broadsheet.nlp.embed import load_embedder

    fitted = {}
    print("== lexical route ==")
    cache = args.cache
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    fitted["lexical"] = fit(collect(None, cache / "lexical.pkl" if cache else None), lexical=True, abstain=args.abstain)
    print("== MiniLM route ==")
    fitted["minilm"] = fit(
        collect(load_embedder("minilm"), cache / "minilm.pkl" if cache else None), lexical=False, abstain=args.abstain
    )
    if args.write:
        write(fitted)


if __name__ == "__main__":
    main()
