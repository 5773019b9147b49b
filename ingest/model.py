"""Predict a mention's kind and category with a small linear model trained on the dev data.

The model is TF-IDF over word 1–2-grams and in-word character 3–4-grams of a normalised text (two
blocks, each L2-normalised, sublinear tf), times linear weights exported from scikit-learn's
LinearSVC by `scripts/train_model.py`. Running it needs numpy only: the artefact in
`rules/model/` is a JSON file (vocabulary, labels, intercepts, calibration) and two `.npy`
arrays (idf, weights), no pickle.

Heads (columns of the weight matrix):
- "category": the 16 categories, trained on complaints_dev.csv and the labelled tweets;
- "kind":     the 6 kinds from the text alone, trained on tweets_kind_dev.csv and a few
              short complaints from complaints_dev.csv as pengaduan;
- "fused":    the text part of the combined kind model; `ingest.decide` adds the rule-layer
              evidence with the weights in the artefact's "rule_weights".

Decisions are the highest score. Confidences are calibrated probabilities: a softmax of
`scores / temperature + offsets`, both fitted on cross-validated scores (the offsets undo
the class balancing, which makes rare kinds look likelier than they are), so a confidence of
0.8 is right about 80 % of the time on the dev data.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

FEATURES_VERSION = 1  # bump when tokens() or the n-gram functions change: retrain then
MAX_CHARS = 2000  # longer texts are cut: the start of a post says what it is about
CHAR_NGRAMS = (3, 4)
MODEL_FILE = "model.json"
IDF_FILE = "idf.npy"
WEIGHTS_FILE = "weights.npy"
TOP_TERMS = 3
CHAR_CACHE_WORDS = 50_000  # words whose n-gram indices stay cached (a few MB)

_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION = re.compile(r"(?<!\w)@\w+")
# Our masks and LAPOR!'s starred numbers, and raw numbers long enough to be personal data,
# become one token, so masked training texts and unmasked live posts look alike.
_NUMBER = re.compile(r"\[(?:nik|telepon|nomor|plat)\]|\[\*+\]|\d(?:[ .-]?\d){9,}")
_EMAIL_MASK = re.compile(r"\[email\]")
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")  # "parahhh" → "parah"; "maaf" stays
_REPEATED_ASCII = re.compile(r"([a-z])\1\1+")  # the same on folded ASCII text, three times as fast
_REDUPLICATED = re.compile(r"\b([^\W\d_]{2,})2\b")  # "anak2" → "anak anak"
_DIGITS = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"[^\W_]+|[?!]|[\u2600-\u27bf\U0001f300-\U0001faff]")
# How the placeholder words of `tokens` are shown to an officer in a reason.
READABLE_PLACEHOLDERS = {
    "urlx": "<link>", "mentionx": "<@handle>", "emailx": "<e-mail>", "nomorx": "<long number>", "0": "<number>",
}

# Common Indonesian chat spellings, folded so short tweets share words with formal texts.
SPELLINGS: dict[str, str] = dict(
    pair.split(":")
    for pair in """
    yg:yang tdk:tidak gak:tidak ga:tidak gk:tidak nggak:tidak ngga:tidak enggak:tidak
    engga:tidak kagak:tidak sdh:sudah udh:sudah udah:sudah blm:belum blom:belum
    belom:belum dgn:dengan utk:untuk krn:karena karna:karena bgt:banget tp:tapi tpi:tapi
    jg:juga sy:saya sya:saya gw:saya gue:saya gua:saya kmrn:kemarin kemaren:kemarin
    dr:dari msh:masih sm:sama bs:bisa gmn:bagaimana gimana:bagaimana gmna:bagaimana
    knp:kenapa kpn:kapan trs:terus trus:terus lg:lagi aja:saja skrg:sekarang
    skrng:sekarang sampe:sampai smpe:sampai klo:kalau kalo:kalau bkn:bukan org:orang
    tlg:tolong mhn:mohon thx:terimakasih makasih:terimakasih trims:terimakasih
    tks:terimakasih trimakasih:terimakasih jd:jadi jdi:jadi dpt:dapat bnyk:banyak
    byk:banyak pd:pada sbg:sebagai dlm:dalam sblm:sebelum stlh:setelah
    min:admin mimin:admin
    """.split()
)


def tokens(text: str) -> list[str]:
    """Return the normalised words of a text: folded, masked, slang spelled out."""
    text = unicodedata.normalize("NFKC", text[: 2 * MAX_CHARS])[:MAX_CHARS].casefold()
    is_ascii = text.isascii()
    if not is_ascii:
        text = _INVISIBLE.sub("", text)
    if "/" in text or "www" in text:  # the checks skip regex passes that cannot match
        text = _URL.sub(" urlx ", text)
    if "@" in text:
        text = _MENTION.sub(" mentionx ", _EMAIL.sub(" emailx ", text))
    if "[" in text:
        text = _EMAIL_MASK.sub(" emailx ", text)
    digits = _DIGIT.search(text) is not None  # none can appear later: the passes below only remove them
    if digits or "[" in text:
        text = _NUMBER.sub(" nomorx ", text)
    text = (_REPEATED_ASCII if is_ascii else _REPEATED).sub(r"\1", text)
    if "2" in text:
        text = _REDUPLICATED.sub(r"\1 \1", text)
    if digits:
        text = _DIGITS.sub("0", text)
    return [SPELLINGS.get(word, word) for word in _TOKEN.findall(text)]


def word_ngrams(words: Sequence[str]) -> list[str]:
    """Return the words and the pairs of neighbouring words."""
    return [*words, *(f"{a} {b}" for a, b in zip(words, words[1:]))]


def char_ngrams(words: Sequence[str]) -> list[str]:
    """Return the character 3- and 4-grams of every word, each word padded with spaces."""
    return [gram for word in words for gram in word_char_ngrams(word)]


def word_char_ngrams(word: str) -> list[str]:
    """Return the character 3- and 4-grams of one word padded with spaces (" kapan ")."""
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


@dataclass(frozen=True)
class Head:
    """One linear decision: its labels, weight columns, intercepts and calibration."""

    labels: tuple[str, ...]
    start: int  # first column in the weight matrix
    intercepts: np.ndarray = field(repr=False)
    temperature: float = 1.0
    offsets: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Return calibrated probabilities of this head's decision scores."""
        return probabilities(scores / self.temperature + self.offsets)

    @property
    def columns(self) -> slice:
        """Return the slice of weight columns of this head."""
        return slice(self.start, self.start + len(self.labels))


@dataclass(frozen=True)
class Model:
    """A loaded artefact: vocabularies, idf, weights and the heads that read them."""

    word_vocab: dict[str, int] = field(repr=False)
    char_vocab: dict[str, int] = field(repr=False)
    word_terms: tuple[str, ...] = field(repr=False)
    idf: np.ndarray = field(repr=False)  # word block first, then the char block
    weights: np.ndarray = field(repr=False)  # (features, columns), float32 (scores are summed in float64)
    category: Head
    kind: Head
    fused: Head
    rule_weights: np.ndarray = field(repr=False)  # (rule signals, kinds of `fused`)
    rule_scale: float = 1.0
    rule_kinds: tuple[str, ...] = ()  # the kind order of the rule signals it was trained on
    complaint_min: float = 0.5  # least calibrated probability of a complaint, chosen in training
    char_indices: Callable[[str], tuple[int, ...]] = field(repr=False, default=lambda word: ())
    # Every head's intercepts, temperature and offsets laid out by weight column (the fused
    # head's temperature 1 and offsets 0: it is calibrated after the rules are added), so one
    # vector operation scores and calibrates all heads at once.
    column_intercepts: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    column_temperatures: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    column_offsets: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class ModelPrediction:
    """The model's kind and category of a text, with confidences in [0, 1] and reasons."""

    kind: str
    kind_confidence: float
    category: str
    category_confidence: float
    reasons: tuple[str, ...]
    category_probabilities: tuple[tuple[str, float], ...] = ()
    fused_scores: tuple[tuple[str, float], ...] = ()  # text part of the combined kind score


def load_model(path: Path | str | None = None) -> Model:
    """Load an artefact directory; without `path`, the one shipped in ingest/rules/model."""
    if path is None:
        return _shipped_model()
    return _read_model(Path(path))


@lru_cache(maxsize=1)
def _shipped_model() -> Model:
    return _read_model(resources.files("ingest") / "rules" / "model")


def _read_model(directory: Path | Traversable) -> Model:
    meta = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
    idf = np.load(io.BytesIO((directory / IDF_FILE).read_bytes()), allow_pickle=False)
    weights = np.load(io.BytesIO((directory / WEIGHTS_FILE).read_bytes()), allow_pickle=False)
    return build_model(meta, idf, weights)


def build_model(meta: dict[str, Any], idf: np.ndarray, weights: np.ndarray) -> Model:
    """Assemble a Model from an artefact's metadata, idf vector and weight matrix."""
    if meta.get("features_version") != FEATURES_VERSION:
        raise ValueError(
            f"artefact built for features version {meta.get('features_version')}, this code"
            f" reads version {FEATURES_VERSION}: run scripts/train_model.py"
        )
    word_terms = tuple(meta["word_vocab"])
    char_vocab = {term: i + len(word_terms) for i, term in enumerate(meta["char_vocab"])}
    heads = {name: _head(spec) for name, spec in meta["heads"].items()}
    columns = np.asarray(weights).shape[1]
    intercepts, temperatures, offsets = np.zeros(columns), np.ones(columns), np.zeros(columns)
    for name, head in heads.items():
        intercepts[head.columns] = head.intercepts
        if name != "fused":
            temperatures[head.columns], offsets[head.columns] = head.temperature, head.offsets
    return Model(
        word_vocab={term: i for i, term in enumerate(word_terms)},
        char_vocab=char_vocab,
        word_terms=word_terms,
        idf=np.asarray(idf, dtype=np.float64),
        weights=np.asarray(weights, dtype=np.float32),  # exact for the float16 artefact, half the memory traffic
        category=heads["category"],
        kind=heads["kind"],
        fused=heads["fused"],
        rule_weights=np.asarray(meta["rule_weights"], dtype=np.float64),
        rule_scale=float(meta["rule_scale"]),
        rule_kinds=tuple(meta["rule_kinds"]),
        complaint_min=float(meta.get("complaint_min", 0.5)),
        char_indices=_char_index_cache(char_vocab),
        column_intercepts=intercepts,
        column_temperatures=temperatures,
        column_offsets=offsets,
    )


def _char_index_cache(vocab: dict[str, int]) -> Callable[[str], tuple[int, ...]]:
    """Return a cached function from a word to the indices of its known character n-grams."""

    @lru_cache(maxsize=CHAR_CACHE_WORDS)
    def indices(word: str) -> tuple[int, ...]:
        found = map(vocab.get, word_char_ngrams(word))
        return tuple(index for index in found if index is not None)

    return indices


def _head(spec: dict[str, Any]) -> Head:
    return Head(
        labels=tuple(spec["labels"]),
        start=int(spec["start"]),
        intercepts=np.asarray(spec["intercepts"], dtype=np.float64),
        temperature=float(spec["temperature"]),
        offsets=np.asarray(spec["offsets"], dtype=np.float64),
    )


@dataclass(frozen=True)
class Features:
    """The TF-IDF vector of one text: feature indices and their values."""

    indices: np.ndarray
    values: np.ndarray


def features(text: str, model: Model) -> Features:
    """Return the TF-IDF features of a text, as the training vectorisers compute them."""
    words = tokens(text if isinstance(text, str) else "")
    found = [index for index in map(model.word_vocab.get, word_ngrams(words)) if index is not None]
    for word in words:
        found += model.char_indices(word)
    ids = np.array(found, dtype=np.int64)
    if not ids.size:
        return Features(ids, np.zeros(0))
    ids.sort()
    first = np.empty(ids.size, dtype=bool)  # where each distinct feature's run starts
    first[0] = True
    np.not_equal(ids[1:], ids[:-1], out=first[1:])
    starts = first.nonzero()[0]
    indices = ids[starts]
    ends = np.empty_like(starts)
    ends[:-1], ends[-1] = starts[1:], ids.size
    values = np.log(ends - starts)  # sublinear tf: 1 + log(count), times idf
    values += 1.0
    values *= model.idf[indices]
    split = int(indices.searchsorted(len(model.word_terms)))
    for block in (values[:split], values[split:]):  # each block to unit length; zero stays zero
        norm = math.sqrt(block @ block)
        if norm > 0:
            block /= norm  # a view of this function's own array: nothing outside changes
    return Features(indices, values)


def decision_scores(vector: Features, model: Model) -> np.ndarray:
    """Return the raw linear scores of every column (all heads, intercepts not added)."""
    return vector.values @ model.weights[vector.indices]


def head_scores(scores: np.ndarray, head: Head) -> np.ndarray:
    """Return one head's decision scores, intercepts added."""
    return scores[head.columns] + head.intercepts


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Return the softmax of `logits`."""
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def predict(text: str, model: Model | None = None) -> ModelPrediction:
    """Return the model's kind and category of a text; never raises on odd text."""
    model = model if model is not None else load_model()
    vector = features(text, model)
    rows = model.weights[vector.indices]  # gathered once: the scores and the reasons read them
    scores = vector.values @ rows + model.column_intercepts  # every head's decision scores
    logits = scores / model.column_temperatures + model.column_offsets
    kind_scores, category_scores = scores[model.kind.columns], scores[model.category.columns]
    kind_p, category_p = probabilities(logits[model.kind.columns]), probabilities(logits[model.category.columns])
    kind_index, category_index = int(kind_scores.argmax()), int(category_scores.argmax())
    kind, category = model.kind.labels[kind_index], model.category.labels[category_index]
    kind_confidence, category_confidence = float(kind_p[kind_index]), float(category_p[category_index])
    kind_terms, category_terms = _top_terms(
        vector, rows, model, (model.kind.start + kind_index, model.category.start + category_index)
    )
    return ModelPrediction(
        kind=kind,
        kind_confidence=kind_confidence,
        category=category,
        category_confidence=category_confidence,
        reasons=(
            f"model: {kind_terms} → kind={kind} ({kind_confidence:.2f})",
            f"model: {category_terms} → category={category} ({category_confidence:.2f})",
        ),
        category_probabilities=tuple(zip(model.category.labels, category_p.tolist())),
        fused_scores=tuple(zip(model.fused.labels, scores[model.fused.columns].tolist())),
    )


def readable_term(term: str) -> str:
    """Return a model term as an officer reads it: "mentionx admin" is "<@handle> admin"."""
    return " ".join(READABLE_PLACEHOLDERS.get(word, word) for word in term.split(" "))


def _top_terms(vector: Features, rows: np.ndarray, model: Model, columns: tuple[int, int]) -> tuple[str, str]:
    """Name, for each of two weight columns, the words that pushed the text most towards it."""
    words = int(vector.indices.searchsorted(len(model.word_terms)))
    contributions = rows[:words, list(columns)] * vector.values[:words, None]
    order = np.argsort(-contributions, axis=0, kind="stable")[:TOP_TERMS].T.tolist()
    pushed, terms = contributions.T.tolist(), vector.indices[:words].tolist()
    first, second = (
        ", ".join(f'"{readable_term(model.word_terms[terms[i]])}"' for i in order[j] if pushed[j][i] > 0)
        or "no telling word"
        for j in range(2)
    )
    return first, second
