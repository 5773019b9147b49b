"""Combine the keyword rules and the statistical model into one kind and category.

Kind: the combined ("fused") model is one linear model over the text's TF-IDF features and
the rule layer's evidence. `ingest.model.predict` computes its text part; `decide` adds the
rule part: the rule verdict (one-hot), its confidence, the keyword score of every kind and of
the request signal, weighted by the artefact's `rule_weights`. The highest sum wins; the
head's calibration turns the sums into confidences. A complaint must also be likely enough
(the artefact's `complaint_min`, chosen in training on out-of-fold scores; `COMPLAINT_MIN`
is the default of `choose_kind`), otherwise the next kind wins: spam and chit-chat must not
become complaints.

Category: the model decides, except that a strong keyword match (rule confidence at least
`RULE_CATEGORY_OVERRIDE`) wins, because the complaint data the model learnt from hardly knows
some services that the keyword table names (Coretax, KRL, IndiHome). The keywords also win
when the model's category has no keyword in the text at all while theirs weighs at least
`category_strong` (4, a decisive word): "Listrik PLN padam" is utilitas even though the
Surabaya complaints taught the model that "padam" is a street light (perhubungan), and a place
name such as "Sungai Sariak" lends its "sungai" to lingkungan and lowers the rules'
confidence. Measured on the grouped cross-validation of the dev complaints: accuracy 0.891 →
0.892, macro-F1 0.808 → 0.810.

English: the model learnt from Indonesian texts (8 of the 654 labelled tweets are English,
7 of them chit-chat), so on English it reads "not", "in" or "the" as signs of chit-chat and
would turn away English complaints that the keyword table recognises. For a text whose
language is English the rules therefore decide the kind, with their own confidence, and any
category the keywords found wins over the model's; the model's category is kept only when no
keyword named one.

The rule weights were learnt with the keyword table as it was at training time: after large
edits to rules/keywords.toml, run scripts/train_model.py again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ingest.classify import (
    DEFAULT_RULES,
    KINDS_WITH_CATEGORY,
    NO_CATEGORY,
    REQUEST,
    Classification,
    Rules,
    normalise_text,
)
from ingest.model import Model, ModelPrediction, load_model

RULE_KINDS = ("pengaduan", "aspirasi", "permintaan_informasi", "apresiasi", "lainnya", "spam")
COMPLAINT_MIN = 0.5
RULE_CATEGORY_OVERRIDE = 0.75
OTHER_LANGUAGE_FACTOR = 0.5  # the model learnt Indonesian (and some English) only
RULES_FIRST_LANGUAGES = frozenset({"en"})  # the keyword table knows them; the model hardly does


@dataclass(frozen=True)
class Decision:
    """The final kind and category of a mention, with confidences in [0, 1] and reasons."""

    kind: str
    category: str
    kind_confidence: float
    category_confidence: float
    reasons: tuple[str, ...]


def rule_signals(text: str, rule: Classification, rules: Rules = DEFAULT_RULES) -> tuple[float, ...]:
    """Return the rule evidence the fused model reads: verdict, confidence, keyword scores."""
    verdict = tuple(1.0 if rule.kind == kind else 0.0 for kind in RULE_KINDS)
    known = dict(rule.keyword_scores)
    if known:  # classify() matched these already
        raw = [known[kind] for kind in RULE_KINDS] + [known[REQUEST]]
    else:
        words = tuple(normalise_text(text).split())
        tables = [rules.kind_table(kind) for kind in RULE_KINDS] + [rules.signal_table(REQUEST)]
        raw = [sum(k.weight for k in table.matches(words)) for table in tables]
    return (*verdict, float(rule.kind_confidence), *map(math.log1p, raw))


@dataclass(frozen=True)
class KindReading:
    """The combined model's score and calibrated probability of every kind."""

    scores: dict[str, float]
    probabilities: dict[str, float]


def read_kind(prediction: ModelPrediction, signals: tuple[float, ...], model: Model) -> KindReading:
    """Return the combined model's kind scores: the model's text part plus the rule part."""
    if model.rule_kinds != RULE_KINDS:
        raise ValueError(f"the model was trained on rule signals {model.rule_kinds}, not {RULE_KINDS}")
    text_part = np.array([score for _, score in prediction.fused_scores])
    scores = text_part + model.rule_scale * np.asarray(signals) @ model.rule_weights
    found = model.fused.probabilities(scores)
    labels = model.fused.labels
    return KindReading(dict(zip(labels, map(float, scores))), dict(zip(labels, map(float, found))))


def choose_kind(reading: KindReading, complaint_min: float = COMPLAINT_MIN) -> tuple[str, float]:
    """Return the best-scoring kind and its confidence, passing over an unlikely complaint."""
    ranked = sorted(reading.scores, key=lambda kind: (-reading.scores[kind], kind))
    kind, confidence = ranked[0], reading.probabilities[ranked[0]]
    if kind == "pengaduan" and confidence < complaint_min and len(ranked) > 1:
        return ranked[1], reading.probabilities[ranked[1]]
    return kind, confidence


def choose_category(
    rule_category: str,
    rule_confidence: float,
    prediction: ModelPrediction,
    override: float = RULE_CATEGORY_OVERRIDE,
    scores: tuple[tuple[str, float], ...] = (),
    strong: float = DEFAULT_RULES.settings.category_strong,
) -> tuple[str, float, str]:
    """Return the category, its confidence and why: a rule match of at least `override`, else the model.

    `scores` are the rules' category scores: a category of at least `strong` also wins when
    the model's category has no keyword in the text.
    """
    weights = dict(scores)
    why = ""  # why the rules' category wins, if it does
    if rule_category != NO_CATEGORY and rule_confidence >= override:
        why = "a strong keyword match" if rule_confidence >= RULE_CATEGORY_OVERRIDE else "a keyword match"
    elif rule_category != NO_CATEGORY and weights.get(rule_category, 0.0) >= strong and not weights.get(prediction.category):
        why = f"a decisive keyword; no keyword names the model's {prediction.category}"
    if not why:
        return (
            prediction.category,
            prediction.category_confidence,
            f"decide: category={prediction.category} from the model",
        )
    model_agrees = dict(prediction.category_probabilities).get(rule_category, 0.0)
    return rule_category, max(rule_confidence, model_agrees), f"decide: category={rule_category} from {why}"


def decide(
    text: str,
    language: str,
    rule: Classification,
    prediction: ModelPrediction,
    model: Model | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Decision:
    """Return the final kind and category of a mention from the rule and model readings."""
    model = model or load_model()
    rules_first = language in RULES_FIRST_LANGUAGES
    if rules_first:
        kind, kind_confidence = rule.kind, rule.kind_confidence
        how = f"language={language}: the rules decide, the model learnt too little {language}"
    else:
        reading = read_kind(prediction, rule_signals(text, rule, rules), model)
        kind, kind_confidence = choose_kind(reading, model.complaint_min)
        how = f"rules said {rule.kind}"
    reasons: tuple[str, ...] = (f"decide: kind={kind} ({kind_confidence:.2f}; {how})",)
    if kind in KINDS_WITH_CATEGORY:
        override = 0.0 if rules_first else RULE_CATEGORY_OVERRIDE
        category, category_confidence, why = choose_category(
            rule.category, rule.category_confidence, prediction, override, rule.category_scores,
            rules.settings.category_strong,
        )
    else:
        category, category_confidence = NO_CATEGORY, 0.0
        why = f"decide: category={NO_CATEGORY}: kind {kind} takes no category"
    reasons += (why, *prediction.reasons, *rule.reasons)
    if language not in ("id", "en"):
        kind_confidence *= OTHER_LANGUAGE_FACTOR
        category_confidence *= OTHER_LANGUAGE_FACTOR
        reasons += (f"language={language}: model and rules know id and en; confidence halved",)
    return Decision(kind, category, kind_confidence, category_confidence, reasons)
