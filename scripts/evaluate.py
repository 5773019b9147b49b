"""Cross-validate rules, model and their combination on the dev data; measure the artefact.

Usage: python scripts/evaluate.py [DATA_DIR] [--no-baseline]

All figures are 5-fold cross-validation on the development data (seed 0), not held-out
results. Complaints are split with StratifiedGroupKFold, grouped like the dev/held-out split
(texts equal after lower-casing and dropping digits and punctuation, first 80 characters),
so templates never straddle folds; tweets with StratifiedKFold. Fold k trains on every
complaint and tweet outside fold k, exactly as scripts/train_model.py trains the shipped
model, and is scored with the runtime code of ingest/model.py and ingest/decide.py.
Categories are scored on complaint rows (and, apart, on tweets that carry one); kinds only on
tweet rows. The keyword rules were written while looking at this same data, so their figures,
and the combination's, are optimistic. Needs scikit-learn (training).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from benchmarks.evaluate_rules import (  # noqa: E402
    per_class,
    print_matrix,
    print_per_class,
    print_summary,
    read_rows,
)
from ingest.classify import categorise, classify  # noqa: E402
from ingest.decide import choose_category, choose_kind, decide, read_kind, rule_signals  # noqa: E402
from ingest.language import detect_language  # noqa: E402
from ingest.personal_data import find_personal_data  # noqa: E402
from ingest.model import Model, load_model, predict  # noqa: E402
from train_model import DEFAULT_DATA_DIR, MODEL_DIR, SEED, train  # noqa: E402

FOLDS = 5
BUCKETS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)
COMPLAINT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def group_key(text: str) -> str:
    """Return the dev/held-out grouping key of a complaint text."""
    return " ".join(re.sub(r"[\W\d_]+", " ", text.lower()).split())[:80]


def folds(complaints: list[dict[str, str]], tweets: list[dict[str, str]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return, per fold, the test indices of complaints and of tweets."""
    c_labels = [r["category"] for r in complaints]
    c_split = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=SEED).split(
        c_labels, c_labels, [group_key(r["text"]) for r in complaints]
    )
    t_labels = [r["kind"] for r in tweets]
    t_split = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(t_labels, t_labels)
    return [(c_test, t_test) for (_, c_test), (_, t_test) in zip(c_split, t_split)]


def cross_validate(complaints: list[dict[str, str]], tweets: list[dict[str, str]]) -> dict[str, list]:
    """Train on each fold's complement and return every out-of-fold prediction."""
    out: dict[str, list] = {k: [None] * len(complaints) for k in ("c_model", "c_conf", "c_rules", "c_comb")}
    out |= {
        k: [None] * len(tweets)
        for k in ("k_rules", "k_model", "k_mconf", "k_comb", "k_conf", "k_peng", "t_rules", "t_model", "t_comb")
    }
    for number, (c_test, t_test) in enumerate(folds(complaints, tweets), start=1):
        started = time.perf_counter()
        c_in, t_in = set(c_test), set(t_test)
        model = train(
            [r for i, r in enumerate(complaints) if i not in c_in], [r for i, r in enumerate(tweets) if i not in t_in]
        ).model()
        for i in c_test:
            _score_complaint(complaints[i]["text"], model, out, i)
        for i in t_test:
            _score_tweet(tweets[i]["text"], model, out, i)
        seconds = time.perf_counter() - started
        print(f"  fold {number}: {seconds:.0f} s, complaint_min={model.complaint_min}", file=sys.stderr)
    return out


def _score_complaint(text: str, model: Model, out: dict[str, list], i: int) -> None:
    prediction = predict(text, model)
    topic = categorise(text)
    out["c_model"][i], out["c_conf"][i] = prediction.category, prediction.category_confidence
    out["c_rules"][i] = topic.category
    out["c_comb"][i] = choose_category(topic.category, topic.confidence, prediction, scores=topic.scores)[0]


def _score_tweet(text: str, model: Model, out: dict[str, list], i: int) -> None:
    language = detect_language(text, None).code
    rule = classify(text, language)
    prediction = predict(text, model)
    decision = decide(text, language, rule, prediction, model)
    found = read_kind(prediction, rule_signals(text, rule), model)
    topic = categorise(text)
    out["k_rules"][i], out["k_model"][i], out["k_mconf"][i] = rule.kind, prediction.kind, prediction.kind_confidence
    out["k_comb"][i], out["k_conf"][i], out["k_peng"][i] = decision.kind, decision.kind_confidence, found
    out["t_rules"][i], out["t_model"][i] = topic.category, prediction.category
    out["t_comb"][i] = choose_category(topic.category, topic.confidence, prediction, scores=topic.scores)[0]


def report_baseline(
    complaints: list[dict[str, str]], tweets: list[dict[str, str]], split: list[tuple[np.ndarray, np.ndarray]]
) -> None:
    """Print the plain TF-IDF (word 1-2 + char 3-5, sublinear) + LinearSVC baseline, same folds."""
    print("== Baseline: scikit-learn TF-IDF + LinearSVC, raw text, same folds ==")
    for weights in (None, "balanced"):
        for rows, field, which in ((complaints, "category", 0), (tweets, "kind", 1)):
            texts, gold = [r["text"] for r in rows], np.array([r[field] for r in rows])
            predicted = np.empty(len(rows), dtype=object)
            for test_sets in split:
                test = test_sets[which]
                train_idx = np.setdiff1d(np.arange(len(rows)), test)
                pipeline = make_pipeline(
                    make_union(
                        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                        TfidfVectorizer(analyzer="char", ngram_range=(3, 5), sublinear_tf=True),
                    ),
                    LinearSVC(class_weight=weights, random_state=SEED),
                )
                pipeline.fit([texts[i] for i in train_idx], gold[train_idx])
                predicted[test] = pipeline.predict([texts[i] for i in test])
            print_summary(f"{field}, class_weight={weights}", list(gold), list(predicted))
            if field == "category":
                for source in sorted({r["source"] for r in rows}):
                    idx = [i for i, r in enumerate(rows) if r["source"] == source]
                    print_summary(f"  {source}", [gold[i] for i in idx], [predicted[i] for i in idx])
            else:
                print_complaint_pr("baseline", list(gold), list(predicted))
    print()


def print_reliability(title: str, gold: Sequence[str], predicted: Sequence[str], confidence: Sequence[float]) -> None:
    """Print accuracy per confidence bucket."""
    print(f"  reliability, {title}: {'confidence':<12}{'n':>6}{'mean conf':>11}{'accuracy':>10}")
    conf = np.asarray(confidence)
    right = np.asarray([g == p for g, p in zip(gold, predicted)])
    for low, high in zip(BUCKETS, BUCKETS[1:]):
        inside = (conf >= low) & (conf < high)
        if inside.any():
            label = f"{low:.2f}-{min(high, 1.0):.2f}"
            print(
                f"  {'':<{len(title) + 14}}{label:<12}{inside.sum():>6}{conf[inside].mean():>11.3f}"
                f"{right[inside].mean():>10.3f}"
            )


def print_complaint_pr(title: str, gold: Sequence[str], predicted: Sequence[str]) -> None:
    precision, recall, f1, support = per_class(gold, predicted).get("pengaduan", (0.0, 0.0, 0.0, 0))
    print(f"  pengaduan {title:<34} precision={precision:.3f} recall={recall:.3f} F1={f1:.3f}")


def report_categories(complaints: list[dict[str, str]], tweets: list[dict[str, str]], out: dict[str, list]) -> None:
    gold = [r["category"] for r in complaints]
    sources = [r["source"] for r in complaints]
    print("== Categories on complaints_dev.csv (5-fold grouped CV) ==")
    for name, key in (("rules alone (categorise)", "c_rules"), ("model alone", "c_model"), ("combined", "c_comb")):
        print_summary(name, gold, out[key])
        for source in sorted(set(sources)):
            idx = [i for i, s in enumerate(sources) if s == source]
            print_summary(f"  {source}", [gold[i] for i in idx], [out[key][i] for i in idx])
    for name, key in (("model alone", "c_model"), ("combined", "c_comb")):
        print(f"-- {name}: per class --")
        print_per_class(gold, out[key])
        print_matrix(gold, out[key])
    print_reliability("model category", gold, out["c_model"], out["c_conf"])
    idx = [i for i, r in enumerate(tweets) if r["category"]]
    print(f"== Categories of the {len(idx)} tweets that carry one (5-fold CV) ==")
    tweet_gold = [tweets[i]["category"] for i in idx]
    for name, key in (("rules alone", "t_rules"), ("model alone", "t_model"), ("combined", "t_comb")):
        print_summary(name, tweet_gold, [out[key][i] for i in idx])


def report_kinds(tweets: list[dict[str, str]], out: dict[str, list]) -> None:
    gold = [r["kind"] for r in tweets]
    sources = [r["source"] for r in tweets]
    print("== Kinds on tweets_kind_dev.csv (5-fold CV; complaint rows never scored) ==")
    for name, key in (("rules alone", "k_rules"), ("model alone", "k_model"), ("combined", "k_comb")):
        print_summary(name, gold, out[key])
        lenient = np.mean([p in (r["kind"], r["alt_kind"]) for r, p in zip(tweets, out[key])])
        print(f"  {'accuracy counting alt_kind as right':<38} {lenient:.3f}")
    for name, key in (("rules alone", "k_rules"), ("model alone", "k_model"), ("combined", "k_comb")):
        print_complaint_pr(name, gold, out[key])
    for threshold in COMPLAINT_THRESHOLDS:
        chosen = [choose_kind(found, threshold)[0] for found in out["k_peng"]]
        print_complaint_pr(f"combined, complaint_min={threshold}", gold, chosen)
    print("-- combined, per source --")
    for source in sorted(set(sources)):
        idx = [i for i, s in enumerate(sources) if s == source]
        print_summary(f"  {source}", [gold[i] for i in idx], [out["k_comb"][i] for i in idx])
    for name, key in (("model alone", "k_model"), ("combined", "k_comb")):
        print(f"-- {name}: per class --")
        print_per_class(gold, out[key])
        print_matrix(gold, out[key])
    print_reliability("model kind", gold, out["k_model"], out["k_mconf"])
    print_reliability("combined kind", gold, out["k_comb"], out["k_conf"])


# Run in a fresh interpreter so the figures are the bot's, not this script's (sklearn etc.).
_LOAD_PROBE = """
import time
def rss():
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) / 1024
import numpy
before = rss()
started = time.perf_counter()
from ingest.model import load_model
load_model()
print(time.perf_counter() - started, rss() - before)
"""


def report_runtime(tweets: list[dict[str, str]]) -> None:
    """Print the shipped artefact's size, load time, memory and prediction speed."""
    files = sorted(MODEL_DIR.glob("*"))
    print("== Shipped artefact (ingest/rules/model) ==")
    for path in files:
        print(f"  {path.name:<14}{path.stat().st_size:>12,} bytes")
    print(f"  {'total':<14}{sum(p.stat().st_size for p in files):>12,} bytes")
    probe = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    seconds, mebibytes = map(float, probe.stdout.split())
    print(f"  fresh process: import + load {seconds * 1000:.0f} ms, resident memory +{mebibytes:.0f} MiB")
    model = load_model()
    sample = (
        "min tolong jalan di depan pasar kembang rusak parah banyak lubang, sudah 2 bulan "
        "tidak diperbaiki, kemarin ada pengendara motor jatuh. mohon segera ditindaklanjuti ya 🙏"
    )
    texts = [r["text"] for r in tweets]

    def whole(text: str) -> None:
        language = detect_language(text, "in").code
        find_personal_data(text)
        decide(text, language, classify(text, language), predict(text, model), model)

    for label, batch, step in (
        (f"predict, one {len(sample)}-char tweet", [sample] * 2000, lambda t: predict(t, model)),
        ("predict, the dev tweets", texts * 3, lambda t: predict(t, model)),
        ("predict, 25,000 chars", ["jalan rusak " * 2084] * 100, lambda t: predict(t, model)),
        ("language + personal data + rules + predict + decide, dev tweets", texts * 3, whole),
    ):
        step(batch[0])
        started = time.perf_counter()
        for text in batch:
            step(text)
        each = (time.perf_counter() - started) / len(batch)
        print(f"  {label}: {each * 1e6:.0f} µs each ({1 / each:,.0f}/s)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain TF-IDF + LinearSVC rows")
    args = parser.parse_args(argv)
    complaints = read_rows(args.data_dir / "complaints_dev.csv")
    tweets = read_rows(args.data_dir / "tweets_kind_dev.csv")
    split = folds(complaints, tweets)
    if not args.no_baseline:
        report_baseline(complaints, tweets, split)
    out = cross_validate(complaints, tweets)
    report_categories(complaints, tweets, out)
    print()
    report_kinds(tweets, out)
    print()
    report_runtime(tweets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
