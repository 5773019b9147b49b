"""Measure the rule-based classifier against the labelled development data.

Usage: python benchmarks/evaluate_rules.py [DATA_DIR]

DATA_DIR defaults to ../shared/data next to the repository. It reads
- tweets_kind_dev.csv: message kinds (accuracy, macro-F1, per source, confusion matrix), and
  the round-2 categories of its complaints and suggestions;
- complaints_dev.csv: categories (accuracy, macro-F1, overall and per source, per class,
  most frequent confusions).

Categories of complaints_dev.csv are judged with `categorise`, which names the topic of a
text whatever its kind: those rows are labelled by topic, questions included. The line
"via classify()" shows the end-to-end figure, where non-complaints get "lainnya".
Metrics use the standard library only. Macro-F1 averages over every label that occurs in
the gold labels or the predictions.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.classify import categorise, classify  # noqa: E402
from ingest.language import detect_language  # noqa: E402

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of predictions equal to the gold label."""
    return sum(g == p for g, p in zip(gold, predicted)) / len(gold) if gold else 0.0


def per_class(
    gold: Sequence[str], predicted: Sequence[str]
) -> dict[str, tuple[float, float, float, int]]:
    """Return precision, recall, F1 and support for every label seen in gold or predicted."""
    pairs = Counter(zip(gold, predicted))
    labels = sorted(set(gold) | set(predicted))
    scores = {}
    for label in labels:
        tp = pairs[(label, label)]
        predicted_n = sum(n for (_, p), n in pairs.items() if p == label)
        support = sum(n for (g, _), n in pairs.items() if g == label)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = (precision, recall, f1, support)
    return scores


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean of the per-label F1 scores."""
    scores = per_class(gold, predicted)
    return sum(f1 for _, _, f1, _ in scores.values()) / len(scores) if scores else 0.0


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def print_summary(title: str, gold: Sequence[str], predicted: Sequence[str]) -> None:
    print(
        f"{title:<40} n={len(gold):>5}  accuracy={accuracy(gold, predicted):.3f}"
        f"  macro-F1={macro_f1(gold, predicted):.3f}"
    )


def print_per_class(gold: Sequence[str], predicted: Sequence[str]) -> None:
    print(f"  {'label':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    for label, (precision, recall, f1, support) in per_class(gold, predicted).items():
        print(f"  {label:<22}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{support:>9}")


def print_matrix(gold: Sequence[str], predicted: Sequence[str]) -> None:
    labels = sorted(set(gold) | set(predicted))
    pairs = Counter(zip(gold, predicted))
    short = {label: label[:8] for label in labels}
    print("  gold \\ predicted".ljust(24) + "".join(f"{short[p]:>9}" for p in labels))
    for g in labels:
        print(f"  {g:<22}" + "".join(f"{pairs[(g, p)]:>9}" for p in labels))


def print_confusions(gold: Sequence[str], predicted: Sequence[str], top: int = 15) -> None:
    wrong = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    for (g, p), n in wrong.most_common(top):
        print(f"  {n:>5}  {g} -> {p}")


def evaluate_kinds(rows: list[dict[str, str]]) -> None:
    gold = [r["kind"] for r in rows]
    results = [classify(r["text"], detect_language(r["text"], None).code) for r in rows]
    predicted = [c.kind for c in results]
    print("== Kinds on tweets_kind_dev.csv ==")
    print_summary("all tweets", gold, predicted)
    lenient = sum(p in (r["kind"], r["alt_kind"]) for r, p in zip(rows, predicted)) / len(rows)
    print(f"{'  accuracy counting alt_kind as right':<40} {lenient:.3f}")
    for source in sorted({r["source"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["source"] == source]
        print_summary(f"  {source}", [gold[i] for i in idx], [predicted[i] for i in idx])
    print_per_class(gold, predicted)
    print_matrix(gold, predicted)
    with_category = [(r, c) for r, c in zip(rows, results) if r["category"]]
    if with_category:
        print_summary(
            "categories of labelled tweets (topic)",
            [r["category"] for r, _ in with_category],
            [categorise(r["text"]).category for r, _ in with_category],
        )
    languages = Counter(detect_language(r["text"], None).code for r in rows)
    print(f"  languages detected (x_lang=None): {dict(languages)}")


def evaluate_categories(rows: list[dict[str, str]]) -> None:
    gold = [r["category"] for r in rows]
    predicted = [categorise(r["text"]).category for r in rows]
    print("== Categories on complaints_dev.csv ==")
    print_summary("all complaints (topic)", gold, predicted)
    for source in sorted({r["source"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["source"] == source]
        print_summary(f"  {source}", [gold[i] for i in idx], [predicted[i] for i in idx])
    results = [classify(r["text"]) for r in rows]
    end_to_end = [c.category for c in results]
    print_summary("  via classify() (non-complaints: lainnya)", gold, end_to_end)
    kinds = Counter(c.kind for c in results)
    print(f"  kinds given to complaint texts: {dict(kinds.most_common())}")
    print_per_class(gold, predicted)
    print("  most frequent confusions (gold -> predicted):")
    print_confusions(gold, predicted)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    evaluate_kinds(read_rows(args.data_dir / "tweets_kind_dev.csv"))
    print()
    evaluate_categories(read_rows(args.data_dir / "complaints_dev.csv"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
