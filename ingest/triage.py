"""First-pass triage of a mention: language, kind, category and flags, with reasons.

Pure: combines the language, classification and personal-data rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.classify import classify
from ingest.language import detect_language
from ingest.mention import Mention
from ingest.personal_data import find_personal_data

# Below this the rule layer is guessing: an officer should look.
REVIEW_BELOW = 0.5


@dataclass(frozen=True)
class Triage:
    """The bot's first reading of a mention and why."""

    language: str  # id | en | other
    kind: str
    category: str
    kind_confidence: float
    category_confidence: float
    reasons: tuple[str, ...]
    has_personal_data: bool
    needs_review: bool


def triage_mention(mention: Mention) -> Triage:
    """Return the triage of one mention."""
    language = detect_language(mention.text, mention.lang)
    result = classify(mention.text, language.code)
    personal = find_personal_data(mention.text)
    reasons = (f"language={language.code}: from {language.source}",) + tuple(result.reasons)
    if personal:
        reasons += (f"personal data: {', '.join(sorted({span.kind for span in personal}))}",)
    low = result.kind_confidence < REVIEW_BELOW
    return Triage(
        language=language.code,
        kind=result.kind,
        category=result.category,
        kind_confidence=result.kind_confidence,
        category_confidence=result.category_confidence,
        reasons=reasons,
        has_personal_data=bool(personal),
        needs_review=bool(personal) or low,
    )
