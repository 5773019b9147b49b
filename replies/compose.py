"""Build reply texts. Pure: no clock, no network, no database."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from twitter_text import parse_tweet

from replies import templates

# X's limit for one post, in weighted characters (X counting-characters reference).
MAX_WEIGHTED_LENGTH = 280


@dataclass(frozen=True)
class Acknowledgement:
    """The first public answer to a complaint."""

    text: str
    language: str


@lru_cache(maxsize=1)
def category_names() -> dict[str, dict[str, str]]:
    """Return each category code's plain name per language, from the shipped categories table."""
    table = resources.files("ingest").joinpath("rules/categories.csv").read_text(encoding="utf-8")
    return {
        row["code"]: {"id": row["name_id"], "en": row["name_en"]}
        for row in csv.DictReader(table.splitlines())
    }


def weighted_length(text: str) -> int:
    """Return the length X counts for a post (URLs 23, emoji and CJK 2)."""
    return parse_tweet(text).weightedLength


def reply_language(language: str) -> str:
    """Return the language a reply is written in: English only for English mentions."""
    return "en" if language == "en" else "id"


def compose_acknowledgement(
    tracking_number: str,
    category: str,
    language: str,
    followup_url: str,
    *,
    personal_data: bool = False,
) -> Acknowledgement:
    """Return the acknowledgement for a complaint, chosen by its tracking number."""
    lang = reply_language(language)
    names = category_names().get(category) or category_names()["lainnya"]
    values = {
        "tracking_number": tracking_number,
        "category": names[lang],
        "url": followup_url.format(tracking_number=tracking_number),
    }
    warning = templates.PERSONAL_DATA_WARNING[lang] if personal_data else ""
    variants = templates.ACKNOWLEDGEMENT[lang]
    text = variants[_pick(tracking_number, len(variants))].format(**values) + warning
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        text = templates.ACKNOWLEDGEMENT_SHORT[lang].format(**values) + warning
    return Acknowledgement(text=text, language=lang)


def _pick(key: str, count: int) -> int:
    """Return a stable variant index for `key` (the same complaint always gets the same text)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % count
