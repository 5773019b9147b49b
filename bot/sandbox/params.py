"""Query-parameter checks with X's 400 "Invalid Request" answers.

Allowed names and values follow the X API v2 reference for
GET /2/users/:id/mentions, GET /2/tweets/search/recent and GET /2/users/me
(classic `tweet.fields` names, which the API still accepts).
"""

from __future__ import annotations

import re
import string
from datetime import datetime, timezone

from .problems import invalid_request
from .render import Fields

TWEET_FIELDS = frozenset("""
    article attachments author_id card_uri community_id context_annotations conversation_id
    created_at display_text_range edit_controls edit_history_tweet_ids entities geo id
    in_reply_to_user_id lang media_metadata non_public_metrics note_tweet organic_metrics
    possibly_sensitive promoted_metrics public_metrics referenced_tweets reply_settings
    scopes source text withheld""".split())
USER_FIELDS = frozenset("""
    affiliation connection_status created_at description entities id location
    most_recent_tweet_id name pinned_tweet_id profile_banner_url profile_image_url protected
    public_metrics receives_your_dm subscription_type url username verified verified_type
    withheld""".split())
PLACE_FIELDS = frozenset(
    "contained_within country country_code full_name geo id name place_type".split())
MEDIA_FIELDS = frozenset("""
    alt_text duration_ms height media_key non_public_metrics organic_metrics preview_image_url
    promoted_metrics public_metrics type url variants width""".split())
POLL_FIELDS = frozenset("duration_minutes end_datetime id options voting_status".split())
TWEET_EXPANSIONS = frozenset("""
    attachments.media_keys attachments.media_source_tweet attachments.poll_ids author_id
    edit_history_tweet_ids entities.mentions.username geo.place_id in_reply_to_user_id
    entities.note.mentions.username referenced_tweets.id referenced_tweets.id.author_id""".split())
USER_EXPANSIONS = frozenset({"pinned_tweet_id", "affiliation.user_id", "most_recent_tweet_id"})

_FIELD_PARAMS = {"tweet.fields": TWEET_FIELDS, "user.fields": USER_FIELDS,
                 "place.fields": PLACE_FIELDS, "media.fields": MEDIA_FIELDS,
                 "poll.fields": POLL_FIELDS}
_COMMON = frozenset(_FIELD_PARAMS) | {"expansions"}
MENTIONS_PARAMS = _COMMON | {"since_id", "until_id", "max_results", "pagination_token",
                             "start_time", "end_time"}
SEARCH_PARAMS = _COMMON | {"query", "since_id", "until_id", "max_results", "next_token",
                           "start_time", "end_time", "sort_order"}
ME_PARAMS = frozenset({"expansions", "tweet.fields", "user.fields"})

_ID = re.compile(r"[0-9]{1,19}")
_TOKEN_DIGITS = string.digits + string.ascii_lowercase


def check_names(params: dict[str, str], allowed: frozenset[str]) -> None:
    """Refuse any query parameter the endpoint does not take."""
    for name, value in params.items():
        if name not in allowed:
            raise invalid_request(name, value, f"The query parameter [{name}] is not one of "
                                               f"[{','.join(sorted(allowed))}]")


def _values(params: dict[str, str], name: str, allowed: frozenset[str]) -> frozenset[str]:
    raw = params.get(name)
    if raw is None:
        return frozenset()
    chosen = raw.split(",")
    for item in chosen:
        if item not in allowed:
            raise invalid_request(name, item, f"The `{name}` query parameter value [{item}] "
                                              f"is not one of [{','.join(sorted(allowed))}]")
    return frozenset(chosen)


def fields(params: dict[str, str], expansions: frozenset[str]) -> Fields:
    """Parse the *.fields and `expansions` parameters."""
    return Fields(tweet=_values(params, "tweet.fields", TWEET_FIELDS),
                  user=_values(params, "user.fields", USER_FIELDS),
                  place=_values(params, "place.fields", PLACE_FIELDS),
                  media=_values(params, "media.fields", MEDIA_FIELDS),
                  expansions=_values(params, "expansions", expansions))


def tweet_id(params: dict[str, str], name: str) -> int | None:
    """Parse an id parameter such as `since_id`."""
    raw = params.get(name)
    if raw is None:
        return None
    if not _ID.fullmatch(raw):
        raise invalid_request(name, raw, f"The `{name}` query parameter value [{raw}] does "
                                         f"not match ^[0-9]{{1,19}}$")
    return int(raw)


def max_results(params: dict[str, str], low: int, high: int) -> int:
    """Parse `max_results` (default 10) and check it lies in [low, high]."""
    raw = params.get("max_results", "10")
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_request("max_results", raw, f"The `max_results` query parameter value "
                                                  f"[{raw}] is not between {low} and {high}")
    return int(raw)


def timestamp_ms(params: dict[str, str], name: str) -> int | None:
    """Parse an ISO 8601 time parameter such as `start_time` into Unix ms."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_request(name, raw, f"The `{name}` query parameter value [{raw}] is not "
                                         f"a valid RFC 3339 date-time (e.g. 2026-11-28T01:02:03Z)")
    return int(moment.astimezone(timezone.utc).timestamp() * 1000)


def encode_token(last_id: str) -> str:
    """Return an opaque pagination token meaning "older than `last_id`"."""
    number, digits = int(last_id), ""
    while number:
        number, digit = divmod(number, 36)
        digits = _TOKEN_DIGITS[digit] + digits
    return "7140d" + digits


def page_token(params: dict[str, str], name: str) -> int | None:
    """Parse a token made by `encode_token`; return the id to page below."""
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.startswith("7140d") or not raw[5:] or set(raw[5:]) - set(_TOKEN_DIGITS):
        raise invalid_request(name, raw, f"The `{name}` query parameter value [{raw}] is "
                                         f"not valid")
    return int(raw[5:], 36)
