"""Train the kind and category model on the dev data and write ingest/rules/model/.

Usage: python scripts/train_model.py [DATA_DIR] [--out DIR]

DATA_DIR defaults to ../shared/data next to the repository (as benchmarks/evaluate_rules.py).
Needs scikit-learn (training only; the bot reads the artefact with numpy). Seeds are fixed and
the weights are stored as float16, so two runs write byte-identical files.

- Vectorisers: TF-IDF over `ingest.model`'s word 1–2-grams and in-word char 3–4-grams,
  each block L2-normalised, sublinear tf, terms in at least `MIN_DF` training texts.
- "category": LinearSVC, class-balanced weights, on complaints_dev.csv plus the tweets that
  carry a category (they teach Coretax, KRL and IndiHome, which the complaints lack).
- "kind": LinearSVC, class-balanced weights, on tweets_kind_dev.csv, text only, plus up to
  `AUGMENT_PER_CATEGORY` short complaints per category that neither ask, suggest nor thank,
  as pengaduan with weight `AUGMENT_WEIGHT`. Without them the model called plain
  public-service complaints (puskesmas, PBB, KTP) "lainnya": the dev tweets hold few such
  complaints. More weight cost cross-validated pengaduan precision on the tweets.
- "fused": the same rows, with `RULE_SCALE` times the rule signals of
  `ingest.decide.rule_signals` as extra columns; those columns become "rule_weights".
  `C_FUSED` = 1.0 (less regularised than the text-only heads): with the rule columns it
  ranked complaints better in cross-validation (kind macro-F1 0.672 → 0.690).
- "complaint_min": the least calibrated complaint probability `ingest.decide` accepts, chosen
  from `COMPLAINT_GRID` on the fused head's out-of-fold scores of the training tweets: the
  most precise threshold that keeps pengaduan recall at `COMPLAINT_RECALL` (the issue's
  operating point: precision first, recall at least 0.60), so scripts/evaluate.py measures it
  nested, never on its test fold (pengaduan 0.723 / 0.694, kind macro-F1 0.692; the best
  macro-F1 + pengaduan F1 gave 0.690 / 0.702 and 0.690; an F0.5 choice, recall 0.51).
- Calibration: each head's temperature and per-class offsets minimise the log-loss of its
  cross-validated decision scores (`INNER_FOLDS` folds; tweets only for the kind heads). They
  set confidences only; a decision is still the highest score.

Chosen by 5-fold cross-validation on the dev data (scripts/evaluate.py); tried and not kept:
logistic regression (slower, no better), rule scores as category features (lower), per-class
decision offsets tuned for macro-F1 (overfitted; nested, 0.810 → 0.805), char 3–5-grams across
words or in-word char 2–5/3–5-grams (+0.002 macro-F1, 1.5–2.5x slower), 15–30k features kept
by weight (no better), stronger augmentation, softer class weights (balanced^0.5–0.75: same),
ComplementNB added to the category scores (no better), complaint texts with "usul"/"saran"
as aspirasi examples (most are complaints). A later nested round (README, "Triage"): NBSVM
scaling of the category head (accuracy 0.891 → 0.898, macro-F1 0.808 → 0.813, ekonomi F1
0.66 → 0.62: not kept), ridge, Crammer-Singer, SGD modified-huber, duplicate down-weighting,
dropping confidently mislabelled rows, min_df 2/5, word-block weights; for kind, C of the
fused head, RULE_SCALE, augmentation size and weight, alt_kind rows, nested per-kind biases
(all within the ±0.015 that the kind macro-F1 moves with the fold seed).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ingest.classify import classify  # noqa: E402
from ingest.decide import RULE_KINDS, KindReading, choose_kind, rule_signals  # noqa: E402
from ingest.model import (  # noqa: E402
    FEATURES_VERSION,
    IDF_FILE,
    MODEL_FILE,
    WEIGHTS_FILE,
    Model,
    build_model,
    char_ngrams,
    tokens,
    word_ngrams,
)

DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
MODEL_DIR = REPO_ROOT / "ingest" / "rules" / "model"
SEED = 0
MIN_DF = 3
C_CATEGORY = 0.3
C_KIND = 0.3
C_FUSED = 1.0
RULE_SCALE = 2.0
INNER_FOLDS = 3
AUGMENT_WEIGHT = 0.1
AUGMENT_MAX_CHARS = 300
AUGMENT_PER_CATEGORY = 60
# Complaint texts that ask, suggest or thank are not borrowed as examples of pengaduan.
NOT_A_COMPLAINT = re.compile(
    r"\?|\b(apa|apakah|kapan|bagaimana|gimana|gmn|kenapa|knp|mengapa|berapa|brp|dimana|mana|tanya"
    r"|bertanya|menanyakan|info|informasi|cara|caranya|syarat|saran|usul|usulan|sebaiknya|baiknya"
    r"|apresiasi|terima ?kasih|makasih|trims)\b",
    re.IGNORECASE,
)
COMPLAINT_GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
COMPLAINT_RECALL = 0.65  # out-of-fold pengaduan recall the threshold must keep (the target is 0.60)
OFFSET_PENALTY = 1e-3  # keeps the calibration offsets unique (softmax ignores a common shift)


@dataclass(frozen=True)
class Artefact:
    """What the bot loads: metadata (JSON), idf (float64) and weights (float16)."""

    meta: dict[str, Any]
    idf: np.ndarray
    weights: np.ndarray

    def model(self) -> Model:
        """Return the runtime model of this artefact, as the bot would load it."""
        return build_model(self.meta, self.idf, self.weights)


@dataclass(frozen=True)
class Texts:
    """Texts with their tokens, computed once."""

    texts: list[str]
    words: list[list[str]]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Texts:
        """Tokenise `texts` the way ingest.model does."""
        return cls(list(texts), [tokens(t) for t in texts])


def read_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of a CSV file with a header."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def signals_of(texts: Sequence[str]) -> np.ndarray:
    """Return the rule signals of texts, scaled by RULE_SCALE."""
    rows = [rule_signals(text, classify(text)) for text in texts]
    return RULE_SCALE * np.array(rows, dtype=np.float64)


def vectorisers(corpus: Texts) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """Fit the word and char TF-IDF vectorisers on a corpus's tokens."""
    common = dict(lowercase=False, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64)
    word = TfidfVectorizer(analyzer=word_ngrams, **common).fit(corpus.words)
    char = TfidfVectorizer(analyzer=char_ngrams, **common).fit(corpus.words)
    return word, char


def matrix(texts: Texts, word: TfidfVectorizer, char: TfidfVectorizer) -> csr_matrix:
    """Return the TF-IDF matrix of texts: word block, then char block."""
    return hstack([word.transform(texts.words), char.transform(texts.words)]).tocsr()


@dataclass(frozen=True)
class Examples:
    """One head's training rows: features, labels, sample weights, rows that fit its temperature."""

    x: csr_matrix
    y: np.ndarray
    weight: np.ndarray
    calibrate: np.ndarray  # bool; the other rows (borrowed complaints) always stay in training


def balanced(labels: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Return per-row weights n / (classes · count) computed over the `counted` rows."""
    classes, counts = np.unique(labels[counted], return_counts=True)
    per_class = dict(zip(classes, counted.sum() / (len(classes) * counts)))
    return np.array([per_class.get(label, 0.0) for label in labels])


def fit_svc(examples: Examples, rows: np.ndarray, c: float) -> LinearSVC:
    """Fit a LinearSVC on some rows with their sample weights and the fixed seed."""
    svc = LinearSVC(C=c, random_state=SEED, max_iter=5000)
    return svc.fit(examples.x[rows], examples.y[rows], sample_weight=examples.weight[rows])


def out_of_fold_scores(examples: Examples, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Return decision scores of the calibration rows from models that did not see them."""
    rows = np.flatnonzero(examples.calibrate)
    always = np.flatnonzero(~examples.calibrate)
    classes = np.unique(examples.y)
    scores = np.zeros((len(rows), len(classes)))
    folds = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(rows, examples.y[rows]):
        model = fit_svc(examples, np.concatenate([rows[train], always]), c)
        columns = np.searchsorted(classes, model.classes_)
        scores[np.ix_(test, columns)] = model.decision_function(examples.x[rows[test]])
    return scores, examples.y[rows]


def fit_calibration(scores: np.ndarray, labels: np.ndarray) -> tuple[float, list[float]]:
    """Return the temperature and per-class offsets that minimise the log-loss of `scores`."""
    target = np.searchsorted(np.unique(labels), labels)
    rows, n_classes = np.arange(len(target)), scores.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        inverse, offsets = np.exp(params[0]), params[1:]
        logits = scores * inverse + offsets
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad_logits = p.copy()
        grad_logits[rows, target] -= 1.0
        grad_logits /= len(target)
        value = -np.log(p[rows, target]).mean() + OFFSET_PENALTY * float(offsets @ offsets)
        grad = np.concatenate(
            [[float((grad_logits * scores).sum()) * inverse], grad_logits.sum(axis=0) + 2 * OFFSET_PENALTY * offsets]
        )
        return value, grad

    found = minimize(loss, np.zeros(n_classes + 1), jac=True, method="L-BFGS-B")
    temperature = round(float(np.exp(-found.x[0])), 6)
    return temperature, [round(float(v), 6) for v in found.x[1:]]


def choose_complaint_min(scores: np.ndarray, labels: np.ndarray, temperature: float, offsets: list[float]) -> float:
    """Return the complaint threshold at the triage's operating point, on out-of-fold `scores`.

    The issue asks for pengaduan precision first, with recall of at least 0.60 (spam and chatter
    must not be acknowledged as complaints). Among the thresholds whose recall reaches
    `COMPLAINT_RECALL` (0.60 plus a margin, as a test fold varies), the most precise one wins,
    macro-F1 breaking ties; if none reaches it, the one with the best recall.
    """
    classes = [str(label) for label in np.unique(labels)]
    logits = scores / temperature + np.asarray(offsets)
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    chances = exp / exp.sum(axis=1, keepdims=True)
    readings = [KindReading(dict(zip(classes, map(float, s))), dict(zip(classes, map(float, p)))) for s, p in zip(scores, chances)]
    scored = []
    for threshold in COMPLAINT_GRID:
        decided = [choose_kind(reading, threshold)[0] for reading in readings]
        precision, recall, _, _ = precision_recall_fscore_support(
            labels, decided, labels=["pengaduan"], average="macro", zero_division=0)
        macro = f1_score(labels, decided, average="macro", zero_division=0)
        scored.append((float(recall), float(precision), float(macro), threshold))
    reaching = [row for row in scored if row[0] >= COMPLAINT_RECALL]
    if reaching:
        return max(reaching, key=lambda row: (row[1], row[2], row[3]))[3]
    return max(scored, key=lambda row: (row[0], row[3]))[3]


def borrowed_complaints(complaints: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Return short complaint rows that read as complaints (no question, suggestion or thanks)."""
    fitting = [r for r in complaints if len(r["text"]) <= AUGMENT_MAX_CHARS and not NOT_A_COMPLAINT.search(r["text"])]
    fitting.sort(key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    taken: dict[str, int] = {}
    chosen = []
    for row in fitting:
        if taken.get(row["category"], 0) < AUGMENT_PER_CATEGORY:
            taken[row["category"]] = taken.get(row["category"], 0) + 1
            chosen.append(row)
    return chosen


def kind_examples(tweet_x: csr_matrix, borrowed_x: csr_matrix, tweets: Sequence[dict[str, str]]) -> Examples:
    """Return the kind rows: tweets (balanced weights) then borrowed complaints as pengaduan."""
    n_tweets, n_borrowed = tweet_x.shape[0], borrowed_x.shape[0]
    y = np.array([r["kind"] for r in tweets] + ["pengaduan"] * n_borrowed)
    is_tweet = np.arange(len(y)) < n_tweets
    weight = np.where(is_tweet, balanced(y, is_tweet), AUGMENT_WEIGHT)
    return Examples(vstack([tweet_x, borrowed_x]).tocsr(), y, weight, is_tweet)


def train(complaints: Sequence[dict[str, str]], tweets: Sequence[dict[str, str]]) -> Artefact:
    """Fit the vectorisers and the three heads; return the artefact."""
    complaint_texts = Texts.of([r["text"] for r in complaints])
    tweet_texts = Texts.of([r["text"] for r in tweets])
    word, char = vectorisers(
        Texts(complaint_texts.texts + tweet_texts.texts, complaint_texts.words + tweet_texts.words)
    )
    complaint_x, tweet_x = matrix(complaint_texts, word, char), matrix(tweet_texts, word, char)
    with_category = [i for i, r in enumerate(tweets) if r.get("category")]
    category_y = np.array([r["category"] for r in complaints] + [tweets[i]["category"] for i in with_category])
    everything = np.ones(len(category_y), dtype=bool)
    category = Examples(
        vstack([complaint_x, tweet_x[with_category]]).tocsr(), category_y, balanced(category_y, everything), everything
    )
    borrowed = borrowed_complaints(complaints)
    borrowed_texts = Texts.of([r["text"] for r in borrowed])
    kind = kind_examples(tweet_x, matrix(borrowed_texts, word, char), tweets)
    signals = signals_of(tweet_texts.texts + borrowed_texts.texts)
    fused = Examples(hstack([kind.x, csr_matrix(signals)]).tocsr(), kind.y, kind.weight, kind.calibrate)
    heads = [("category", category, C_CATEGORY), ("kind", kind, C_KIND), ("fused", fused, C_FUSED)]
    n_text = tweet_x.shape[1]
    columns: list[np.ndarray] = []
    meta_heads: dict[str, Any] = {}
    rule_weights = np.zeros((0, 0))
    complaint_min = 0.5
    for name, examples, c in heads:
        svc = fit_svc(examples, np.arange(len(examples.y)), c)
        coef = svc.coef_.astype(np.float16)
        meta_heads[name] = {
            "labels": [str(label) for label in svc.classes_],
            "start": sum(block.shape[1] for block in columns),
            "intercepts": [float(v) for v in svc.intercept_],
        }
        scores, labels = out_of_fold_scores(examples, c)
        temperature, offsets = fit_calibration(scores, labels)
        meta_heads[name] |= {"temperature": temperature, "offsets": offsets}
        if name == "fused":
            complaint_min = choose_complaint_min(scores, labels, temperature, offsets)
        columns.append(coef[:, :n_text].T)
        if name == "fused":
            rule_weights = coef[:, n_text:].T.astype(np.float64)
    meta = {
        "features_version": FEATURES_VERSION,
        "word_vocab": _terms(word),
        "char_vocab": _terms(char),
        "heads": meta_heads,
        "complaint_min": complaint_min,
        "rule_kinds": list(RULE_KINDS),
        "rule_scale": RULE_SCALE,
        "rule_weights": [[float(v) for v in row] for row in rule_weights],
        "training": {
            "complaints": len(complaints),
            "tweets": len(tweets),
            "tweets_with_category": len(with_category),
            "borrowed_complaints": len(borrowed),
            "augment_weight": AUGMENT_WEIGHT,
            "min_df": MIN_DF,
            "c_category": C_CATEGORY,
            "c_kind": C_KIND,
            "c_fused": C_FUSED,
            "seed": SEED,
        },
    }
    idf = np.concatenate([word.idf_, char.idf_]).astype(np.float64)
    return Artefact(meta, idf, np.hstack(columns).astype(np.float16))


def _terms(vectoriser: TfidfVectorizer) -> list[str]:
    """Return a vectoriser's terms in column order."""
    vocabulary = vectoriser.vocabulary_
    return sorted(vocabulary, key=vocabulary.__getitem__)


def write_artefact(artefact: Artefact, directory: Path) -> list[Path]:
    """Write model.json, idf.npy and weights.npy into `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(artefact.meta, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (directory / MODEL_FILE).write_text(text + "\n", encoding="utf-8")
    np.save(directory / IDF_FILE, artefact.idf, allow_pickle=False)
    np.save(directory / WEIGHTS_FILE, artefact.weights, allow_pickle=False)
    return [directory / name for name in (MODEL_FILE, IDF_FILE, WEIGHTS_FILE)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    complaints = read_rows(args.data_dir / "complaints_dev.csv")
    tweets = read_rows(args.data_dir / "tweets_kind_dev.csv")
    for path in write_artefact(train(complaints, tweets), args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
