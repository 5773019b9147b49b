"""Turn one X API v2 tweet object plus its page's `includes` into a Mention.

Shapes follow the X API v2 reference: the Tweet object (`id`, `text`, `author_id`,
`created_at`, `conversation_id`, `in_reply_to_user_id`, `referenced_tweets`, `lang`,
`entities`, `edit_history_tweet_ids`, `note_tweet`, `geo.place_id`, `attachments.media_keys`,
`reply_settings`) and the `includes.users` / `includes.places` expansions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ingest.errors import NormaliseError
from ingest.mention import Mention, Place, ReferencedTweet

# X posts are at most 25,000 characters (long posts); anything far beyond is not a post.
MAX_TEXT_CHARS = 30_000
_ID = re.compile(r"^[0-9]{1,20}$")
_REFERENCE_TYPES = frozenset({"replied_to", "quoted", "retweeted"})
# C0/C1 controls except tab and newline, plus lone surrogates that JSON lets through.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class Includes:
    """The expansions of one page, indexed by id."""

    users: Mapping[str, Mapping[str, Any]]
    places: Mapping[str, Mapping[str, Any]]

    @classmethod
    def from_payload(cls, includes: Any) -> Includes:
        """Index a page's `includes`, ignoring entries without an id."""
        includes = includes if isinstance(includes, Mapping) else {}
        return cls(users=_index(includes.get("users")), places=_index(includes.get("places")))


def _index(items: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, Sequence) or isinstance(items, str):
        return {}
    return {
        str(item["id"]): item
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("id"), str | int)
    }


def clean_text(text: str) -> str:
    """Return text in NFC with control characters and lone surrogates removed."""
    return unicodedata.normalize("NFC", _UNSAFE.sub("", text.replace("\r\n", "\n")))


def normalise_tweet(tweet: Any, includes: Includes) -> Mention:
    """Build a Mention from one tweet object; raise NormaliseError with the reason."""
    if not isinstance(tweet, Mapping):
        raise NormaliseError(f"tweet is a {type(tweet).__name__}, not an object")
    tweet_id = _tweet_id(tweet.get("id"), "id")
    author_id = _tweet_id(tweet.get("author_id"), "author_id")
    author = includes.users.get(author_id, {})
    return Mention(
        tweet_id=tweet_id,
        author_id=author_id,
        author_username=_optional_str(author.get("username")),
        author_name=_optional_clean(author.get("name")),
        text=_full_text(tweet),
        created_at=_created_at(tweet.get("created_at")),
        lang=_optional_str(tweet.get("lang")),
        conversation_id=_optional_id(tweet.get("conversation_id"), "conversation_id"),
        in_reply_to_user_id=_optional_id(tweet.get("in_reply_to_user_id"), "in_reply_to_user_id"),
        referenced=_referenced(tweet.get("referenced_tweets")),
        edit_history=_edit_history(tweet.get("edit_history_tweet_ids"), tweet_id),
        mentioned_usernames=_entity_values(tweet, "mentions", "username"),
        mentioned_user_ids=tuple(v for v in _entity_values(tweet, "mentions", "id") if v.isdigit()),
        urls=_entity_values(tweet, "urls", "expanded_url"),
        hashtags=_entity_values(tweet, "hashtags", "tag"),
        place=_place(tweet.get("geo"), includes),
        media_keys=_media_keys(tweet.get("attachments")),
        reply_settings=_optional_str(tweet.get("reply_settings")),
    )


def _tweet_id(value: Any, field: str) -> str:
    if isinstance(value, bool) or value is None:
        raise NormaliseError(f"{field} is missing")
    text = str(value)
    if not _ID.match(text):
        raise NormaliseError(f"{field} is not a numeric id: {text[:40]!r}")
    return text


def _optional_id(value: Any, field: str) -> str | None:
    return None if value is None else _tweet_id(value, field)


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_clean(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


def _full_text(tweet: Mapping[str, Any]) -> str:
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, Mapping) else None
    if not isinstance(text, str) or not text:
        text = tweet.get("text")
    if not isinstance(text, str):
        raise NormaliseError("text is missing")
    if len(text) > MAX_TEXT_CHARS:
        raise NormaliseError(f"text is {len(text):,} characters, more than {MAX_TEXT_CHARS:,}")
    return clean_text(text)


def _created_at(value: Any) -> datetime:
    if not isinstance(value, str):
        raise NormaliseError("created_at is missing")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NormaliseError(f"created_at is not a timestamp: {value[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _referenced(value: Any) -> tuple[ReferencedTweet, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise NormaliseError("referenced_tweets is not a list")
    refs = []
    for item in value:
        if not isinstance(item, Mapping) or item.get("type") not in _REFERENCE_TYPES:
            raise NormaliseError(f"referenced_tweets has an unknown entry: {str(item)[:60]}")
        refs.append(ReferencedTweet(type=item["type"], id=_tweet_id(item.get("id"), "referenced id")))
    return tuple(refs)


def _edit_history(value: Any, tweet_id: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        return (tweet_id,)
    return tuple(_tweet_id(item, "edit_history_tweet_ids") for item in value)


def _entity_values(tweet: Mapping[str, Any], kind: str, key: str) -> tuple[str, ...]:
    entities = tweet.get("entities")
    items = entities.get(kind) if isinstance(entities, Mapping) else None
    if not isinstance(items, list):
        return ()
    return tuple(
        clean_text(item[key])
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get(key), str)
    )


def _place(geo: Any, includes: Includes) -> Place | None:
    place_id = geo.get("place_id") if isinstance(geo, Mapping) else None
    if not isinstance(place_id, str):
        return None
    place = includes.places.get(place_id, {})
    return Place(
        id=place_id,
        full_name=_optional_clean(place.get("full_name")) or "",
        country_code=_optional_str(place.get("country_code")),
        place_type=_optional_str(place.get("place_type")),
    )


def _media_keys(attachments: Any) -> tuple[str, ...]:
    keys = attachments.get("media_keys") if isinstance(attachments, Mapping) else None
    if not isinstance(keys, list):
        return ()
    return tuple(key for key in keys if isinstance(key, str))
