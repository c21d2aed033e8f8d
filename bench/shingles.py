"""The article-extraction benchmark metric (word 4-gram shingles), as described in ../shared/data/README.md."""

from __future__ import annotations

import re
from collections import Counter


def shingles(text: str, n: int = 4) -> Counter:
    """Multiset of consecutive word n-grams; a text shorter than n tokens is one shingle."""
    tokens = re.findall(r"\w+", text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_scores(truth: str, predicted: str) -> tuple[float | None, float | None]:
    """Per-page precision and recall (None where undefined), from normalised TP/FP/FN."""
    t, p = shingles(truth), shingles(predicted)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = tp / (tp + fp) if tp + fp > 0 else None
    recall = tp / (tp + fn) if tp + fn > 0 else None
    return precision, recall


def corpus_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Mean precision, mean recall, their F1, and exact-token accuracy over (truth, predicted) pairs."""
    precisions, recalls, exact = [], [], 0
    for truth, predicted in pairs:
        precision, recall = page_scores(truth, predicted)
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
        exact += re.findall(r"\w+", truth or "") == re.findall(r"\w+", predicted or "")
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "accuracy": exact / max(1, len(pairs)),
    }
