"""Triage of a mention: language, kind, category, region, agency and flags, each with reasons.

Pure: combines the language rules, the keyword rules and the trained model (`ingest.decide`),
the gazetteer, the routing table and the flag detectors. `needs_review` is set when a decision is unsure or a sensitive flag is
raised (personal data, abusive language, urgency).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ingest.classify import DEFAULT_RULES, classify
from ingest.decide import decide
from ingest.flags import find_abuse, find_urgency
from ingest.language import detect_language, load_langdetect
from ingest.mention import Mention
from ingest.model import load_model, predict
from ingest.personal_data import PersonalDataSpan, find_personal_data
from ingest.region import Region, resolve_region
from ingest.routing import Route, RoutingTable, load_routing, route

# Below these the classifier is guessing: an officer should look.
REVIEW_BELOW = 0.5
CATEGORY_REVIEW_BELOW = 0.35
# Kinds that concern a public service somewhere, so a region and an agency mean something.
ROUTED_KINDS = frozenset({"pengaduan", "aspirasi", "permintaan_informasi"})
SENSITIVE_FLAGS = frozenset({"personal_data", "abusive", "urgent"})


@dataclass(frozen=True)
class Triage:
    """The bot's first reading of a mention and why."""

    language: str  # id | en | other
    kind: str
    category: str
    kind_confidence: float
    category_confidence: float
    region: Region | None
    agency: Route | None
    personal_data: tuple[PersonalDataSpan, ...]
    flags: tuple[str, ...]  # personal_data | abusive | urgent | low_confidence
    reasons: tuple[str, ...]
    needs_review: bool

    @property
    def has_personal_data(self) -> bool:
        """Return whether the text shows personal data."""
        return bool(self.personal_data)

    @property
    def urgent(self) -> bool:
        """Return whether the text reports danger to life or safety."""
        return "urgent" in self.flags


@lru_cache(maxsize=1)
def default_routing() -> RoutingTable:
    """Return the shipped routing table (loaded once)."""
    return load_routing()


def warm_up() -> None:
    """Load the rules, gazetteer, routing table, model and langdetect's profiles before the first mention.

    It also fills the per-word caches of the model and the keyword rules with the model's
    single words (about 7,000, 0.06 s): the first burst after a start is then triaged about
    8 % faster (benchmarks/pipeline_throughput.py runs on a fresh process).
    """
    default_routing()
    load_langdetect()
    model = load_model()
    for word in model.word_terms:
        if " " not in word:
            model.char_indices(word)
            DEFAULT_RULES.starts(word)
    triage_text("jalan rusak di Kota Padang, tolong diperbaiki", "in")


def triage_mention(mention: Mention, routing: RoutingTable | None = None) -> Triage:
    """Return the triage of one mention (X's language tag and place help)."""
    text, lang, place_name, place_type = triage_inputs(mention)
    return triage_text(text, lang, place_name=place_name, place_type=place_type, routing=routing)


def triage_inputs(mention: Mention) -> tuple[str, str | None, str | None, str | None]:
    """Return all a mention's triage depends on besides the routing table: text, X's tag, place name and type."""
    place = mention.place
    return mention.text, mention.lang, place.full_name if place else None, place.place_type if place else None


def triage_text(
    text: str,
    x_lang: str | None = None,
    *,
    place_name: str | None = None,
    place_type: str | None = None,
    routing: RoutingTable | None = None,
) -> Triage:
    """Return the triage of a text, as if it were a mention."""
    language = detect_language(text, x_lang)
    result = decide(text, language.code, classify(text, language.code), predict(text))
    personal = find_personal_data(text)
    region = resolve_region(text, place_name, place_type)
    agency = None
    if result.kind in ROUTED_KINDS:
        agency = route(result.category, region.code if region else None, routing or default_routing())
    hits = [hit for hit in (find_abuse(text), find_urgency(text)) if hit is not None]
    low = result.kind_confidence < REVIEW_BELOW or (
        result.kind in ROUTED_KINDS and result.category_confidence < CATEGORY_REVIEW_BELOW
    )
    flags = (("personal_data",) if personal else ()) + tuple(hit.name for hit in hits) + (
        ("low_confidence",) if low else ()
    )
    reasons = (f"language={language.code}: from {language.source}",) + tuple(result.reasons)
    reasons += tuple(f"region: {reason}" for reason in (region.reasons if region else ()))
    reasons += (f"agency: {agency.agency_name}: {agency.reason}",) if agency else ()
    reasons += (f"personal data: {', '.join(sorted({span.kind for span in personal}))}",) if personal else ()
    reasons += tuple(hit.reason for hit in hits)
    return Triage(
        language=language.code,
        kind=result.kind,
        category=result.category,
        kind_confidence=result.kind_confidence,
        category_confidence=result.category_confidence,
        region=region,
        agency=agency,
        personal_data=personal,
        flags=flags,
        reasons=reasons,
        needs_review=bool(SENSITIVE_FLAGS & set(flags)) or low,
    )
