"""Tweet text the way X stores it: t.co links, truncation, and `entities`.

Follows the X API v2 tweet object reference ("entities": mentions, hashtags,
urls with start/end as code-point offsets) and twitter-text's extraction rules.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from twitter_text import extract_urls_with_indices, parse_tweet

# twitter-text: "@" or fullwidth "＠", not glued to a word, 1-15 username characters.
_MENTION = re.compile(r"(?<![A-Za-z0-9_!@＠$#＃&*])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠])")
_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w*[^\W\d_]\w*)")
_TCO = re.compile(r"https://t\.co/[A-Za-z0-9]{10}")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

MAX_WEIGHTED_LENGTH = 280
RETWEET_TEXT_LIMIT = 140
ELLIPSIS = "…"


def tco_url(expanded_url: str) -> str:
    """Return a stable t.co-looking link for `expanded_url`."""
    number = int.from_bytes(hashlib.sha256(expanded_url.encode()).digest()[:8], "big")
    slug = ""
    for _ in range(10):
        number, digit = divmod(number, 62)
        slug += _BASE62[digit]
    return "https://t.co/" + slug


def _display_url(url: str) -> str:
    shown = re.sub(r"^https?://", "", url)
    shown = re.sub(r"^www\.", "", shown)
    return shown if len(shown) <= 26 else shown[:25] + ELLIPSIS


def shorten_urls(text: str) -> tuple[str, list[dict[str, str]]]:
    """Replace every URL with its t.co link, as X does when a post is created."""
    links: list[dict[str, str]] = []
    pieces: list[str] = []
    cursor = 0
    for found in extract_urls_with_indices(text):
        start, end = found["indices"]
        original = found["url"]
        if _TCO.fullmatch(original):
            continue
        expanded = original if "://" in original else "http://" + original
        short = tco_url(expanded)
        pieces += [text[cursor:start], short]
        cursor = end
        links.append({"url": short, "expanded_url": expanded,
                      "display_url": _display_url(original)})
    pieces.append(text[cursor:])
    return "".join(pieces), links


def weighted_length(text: str) -> int:
    """Return X's weighted length of `text` (URLs 23, emoji and CJK 2)."""
    return parse_tweet(text).weightedLength


def truncate(text: str, limit: int = MAX_WEIGHTED_LENGTH) -> str:
    """Cut `text` with an ellipsis so its weighted length fits `limit`."""
    if weighted_length(text) <= limit:
        return text
    cut = min(len(text), limit)
    while cut > 0 and weighted_length(text[:cut].rstrip() + ELLIPSIS) > limit:
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def retweet_text(author: str, original: str) -> str:
    """Return the `text` X gives a retweet: "RT @author: ..." cut at 140 characters."""
    text = f"RT @{author}: {original}"
    return text if len(text) <= RETWEET_TEXT_LIMIT else text[:RETWEET_TEXT_LIMIT - 1] + ELLIPSIS


def mentioned_usernames(text: str) -> list[str]:
    """Return the usernames @-mentioned in `text`, in order."""
    return [m.group(1) for m in _MENTION.finditer(text)]


def has_mention(text: str, handle: str) -> bool:
    """Tell whether `text` @-mentions `handle` (case-insensitive)."""
    return handle.lower() in (name.lower() for name in mentioned_usernames(text))


def strip_leading_mentions(text: str) -> str:
    """Drop the leading run of @mentions X would treat as reply metadata."""
    return re.sub(r"^(?:[@＠][A-Za-z0-9_]{1,15}\s+)+", "", text)


def entities(text: str, links: list[dict[str, str]],
             user_id: Callable[[str], str | None]) -> dict[str, Any]:
    """Compute the v2 `entities` object of `text`; empty kinds are left out."""
    by_url = {link["url"]: link for link in links}
    urls = [{"start": m.start(), "end": m.end(), **by_url[m.group()]}
            for m in _TCO.finditer(text) if m.group() in by_url]
    taken = [(u["start"], u["end"]) for u in urls]

    def free(m: re.Match[str]) -> bool:
        return not any(s <= m.start() < e for s, e in taken)

    found: dict[str, Any] = {}
    # X gives an entity (always with the user's id) only for accounts that exist.
    people = [{"start": m.start(), "end": m.end(), "username": m.group(1), "id": known}
              for m in filter(free, _MENTION.finditer(text))
              if (known := user_id(m.group(1))) is not None]
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)}
            for m in filter(free, _HASHTAG.finditer(text))]
    for key, value in (("mentions", people), ("hashtags", tags), ("urls", urls)):
        if value:
            found[key] = value
    return found
