"""Build reply texts. Pure: no clock, no network, no database.

Every text comes from `replies.templates`, is chosen deterministically (the same complaint
always gets the same wording, different complaints get different wordings) and fits X's
280 weighted characters. No function here takes the citizen's text, so no reply can echo it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from twitter_text import extract_urls, extract_urls_with_indices, parse_tweet

from replies import templates

# X's limit for one post, in weighted characters (X counting-characters reference).
MAX_WEIGHTED_LENGTH = 280
# Operator-supplied agency names are cut to this many characters in public texts.
MAX_AGENCY_CHARS = 70
FOLLOWUP_STATUSES = tuple(templates.FOLLOWUP)


class ComposeError(ValueError):
    """No variant of a reply fits X's length limit (a template or setting is too long)."""


@dataclass(frozen=True)
class Reply:
    """A reply text ready for the outbox."""

    purpose: str  # acknowledgement | repeat_notice | information | personal_data_warning | thanks | followup:<status>
    language: str  # id | en
    text: str

    @property
    def has_link(self) -> bool:
        """Return whether X will treat the text as carrying a link (priced higher)."""
        return bool(extract_urls(self.text)) or "://" in self.text


@dataclass(frozen=True)
class ComposeOptions:
    """Settings that shape texts."""

    followup_url: str  # contains {tracking_number}
    ack_link: bool = True  # False: acknowledgements and answers carry no link at all


@lru_cache(maxsize=1)
def category_names() -> dict[str, dict[str, str]]:
    """Return each category code's plain name per language, from the shipped categories table."""
    table = resources.files("ingest").joinpath("rules/categories.csv").read_text(encoding="utf-8")
    return {
        row["code"]: {"id": row["name_id"], "en": row["name_en"]}
        for row in csv.DictReader(table.splitlines())
    }


def weighted_length(text: str) -> int:
    """Return the length X counts for a post (URLs 23, emoji and CJK 2).

    ASCII text weighs one per character, so only its links need twitter-text (whose emoji
    scan costs about a millisecond per reply).
    """
    if text.isascii():
        links = extract_urls_with_indices(text)
        return len(text) - sum(end - start for start, end in (link["indices"] for link in links)) + 23 * len(links)
    return parse_tweet(text).weightedLength


def reply_language(language: str) -> str:
    """Return the language a reply is written in: English only for English mentions."""
    return "en" if language == "en" else "id"


def reply_reference(tweet_id: str) -> str:
    """Return a short code unique to one mention, for replies that carry no tracking number."""
    digest = hashlib.sha256(f"lapor-reply:{tweet_id}".encode()).digest()
    return base64.b32encode(digest).decode("ascii")[:7]


def compose_acknowledgement(
    tracking_number: str,
    kind: str,
    category: str,
    language: str,
    options: ComposeOptions,
    *,
    personal_data: bool = False,
) -> Reply:
    """Return the acknowledgement of a new complaint or aspiration."""
    lang = reply_language(language)
    values = _complaint_values(tracking_number, kind, category, lang, options)
    if personal_data:
        link = templates.LINK_CLAUSE[lang].format(**values) if options.ack_link else ""
        values |= {"link": link, "channel": templates.CHANNEL[lang][options.ack_link]}
        variants = templates.ACKNOWLEDGEMENT_PERSONAL_DATA[lang]
    elif options.ack_link:
        variants = templates.ACKNOWLEDGEMENT[lang]
    else:
        variants = templates.ACKNOWLEDGEMENT_NO_LINK[lang]
    return Reply("acknowledgement", lang, _fit(variants, values, tracking_number))


def compose_followup(
    status: str,
    tracking_number: str,
    kind: str,
    language: str,
    options: ComposeOptions,
    *,
    agency: str | None = None,
) -> Reply:
    """Return the follow-up telling the citizen their complaint reached `status`."""
    if status not in templates.FOLLOWUP:
        raise ComposeError(f"no follow-up text for status {status!r}")
    lang = reply_language(language)
    values = _complaint_values(tracking_number, kind, "lainnya", lang, options)
    values["agency"] = _agency(agency, lang)
    purpose = f"followup:{status}"
    return Reply(purpose, lang, _fit(templates.FOLLOWUP[status][lang], values, tracking_number + purpose))


def compose_repeat_notice(
    tracking_number: str, kind: str, tweet_id: str, language: str, options: ComposeOptions
) -> Reply:
    """Return the answer to an author restating an open complaint: its existing number."""
    lang = reply_language(language)
    values = _complaint_values(tracking_number, kind, "lainnya", lang, options)
    values["link"] = templates.LINK_CLAUSE[lang].format(**values) if options.ack_link else ""
    values["reference"] = reply_reference(tweet_id)
    return Reply("repeat_notice", lang, _fit(templates.REPEAT_NOTICE[lang], values, values["reference"]))


def compose_information(tweet_id: str, language: str, options: ComposeOptions) -> Reply:
    """Return the answer to a question: where to get information, how to report."""
    return _plain("information", templates.INFORMATION, tweet_id, language, options)


def compose_personal_data_warning(tweet_id: str, language: str, options: ComposeOptions) -> Reply:
    """Return the warning for a mention that shows personal data (never repeating it)."""
    return _plain("personal_data_warning", templates.PERSONAL_DATA_WARNING, tweet_id, language, options)


def compose_thanks(tweet_id: str, language: str, options: ComposeOptions) -> Reply:
    """Return the answer to appreciation."""
    return _plain("thanks", templates.THANKS, tweet_id, language, options)


def _plain(
    purpose: str, variants: templates.Variants, tweet_id: str, language: str, options: ComposeOptions
) -> Reply:
    lang = reply_language(language)
    reference = reply_reference(tweet_id)
    values = {"reference": reference, "channel": templates.CHANNEL[lang][options.ack_link]}
    return Reply(purpose, lang, _fit(variants[lang], values, reference))


def _complaint_values(
    tracking_number: str, kind: str, category: str, lang: str, options: ComposeOptions
) -> dict[str, str]:
    names = category_names().get(category) or category_names()["lainnya"]
    noun = templates.NOUN[lang].get(kind, templates.NOUN[lang]["pengaduan"])
    return {
        "tracking_number": tracking_number,
        "category": names[lang],
        "noun": noun,
        "noun_cap": noun[:1].upper() + noun[1:],
        "url": options.followup_url.format(tracking_number=tracking_number),
    }


def _agency(name: str | None, lang: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        return templates.SOME_AGENCY[lang]
    return name if len(name) <= MAX_AGENCY_CHARS else name[: MAX_AGENCY_CHARS - 1].rstrip() + "…"


def _fit(variants: tuple[str, ...], values: dict[str, str], key: str) -> str:
    """Return the variant `key` picks, or the next one that fits X's limit."""
    first = _pick(key, len(variants))
    for offset in range(len(variants)):
        text = variants[(first + offset) % len(variants)].format(**values)
        if weighted_length(text) <= MAX_WEIGHTED_LENGTH:
            return text
    raise ComposeError(f"no variant fits {MAX_WEIGHTED_LENGTH} weighted characters (values: {sorted(values)})")


def _pick(key: str, count: int) -> int:
    """Return a stable variant index for `key`."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % count
