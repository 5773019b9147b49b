"""Turn stored tweets and users into X API v2 JSON, honouring fields and expansions.

Follows the X API v2 "Fields" and "Expansions" guides: objects carry only
their default fields unless more are asked for, expanded objects go to
`includes`, and an expansion that points at a missing tweet becomes a
partial error in `errors` next to `data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import entities as ent
from .problems import resource_not_found
from .timeline import Timeline, iso_time


@dataclass(frozen=True)
class Fields:
    """The fields and expansions one request asked for."""

    tweet: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    place: frozenset[str] = frozenset()
    media: frozenset[str] = frozenset()
    expansions: frozenset[str] = frozenset()


def _note(timeline: Timeline, tweet: dict[str, Any]) -> dict[str, Any] | None:
    if not tweet["note_text"]:
        return None
    note: dict[str, Any] = {"text": tweet["note_text"]}
    found = ent.entities(tweet["note_text"], tweet["links"], timeline.user_id)
    if found:
        note["entities"] = found
    return note


def _metrics(timeline: Timeline, tweet: dict[str, Any]) -> dict[str, int]:
    counts = timeline.counts(tweet["id"])
    return {"retweet_count": counts["retweeted"], "reply_count": counts["replied_to"],
            "like_count": tweet["likes"], "quote_count": counts["quoted"],
            "bookmark_count": 0, "impression_count": 37 + 11 * tweet["likes"]}


# tweet.fields the sandbox fills, in X's order; a None value leaves the field out
# (X omits in_reply_to_user_id, geo... when a tweet has none).
_TWEET_FIELDS: dict[str, Callable[[Timeline, dict[str, Any]], Any]] = {
    "author_id": lambda tl, t: t["author_id"],
    "conversation_id": lambda tl, t: t["conversation_id"],
    "created_at": lambda tl, t: iso_time(t["created_ms"]),
    "in_reply_to_user_id": lambda tl, t: t["in_reply_to_user_id"],
    "referenced_tweets": lambda tl, t: [dict(ref) for ref in t["referenced_tweets"]] or None,
    "lang": lambda tl, t: t["lang"],
    "entities": lambda tl, t: ent.entities(t["text"], t["links"], tl.user_id) or None,
    "geo": lambda tl, t: {"place_id": t["place_id"]} if t["place_id"] else None,
    "attachments": lambda tl, t: {"media_keys": list(t["media_keys"])} if t["media_keys"]
    else None,
    "reply_settings": lambda tl, t: t["reply_settings"],
    "note_tweet": _note,
    "possibly_sensitive": lambda tl, t: bool(t["possibly_sensitive"]),
    "public_metrics": _metrics,
}


def render_tweet(timeline: Timeline, tweet: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Return a v2 tweet object with the default fields plus those asked for."""
    out: dict[str, Any] = {"id": tweet["id"], "text": tweet["text"],
                           "edit_history_tweet_ids": list(tweet["edit_history"])}
    for name, value_of in _TWEET_FIELDS.items():
        if name in fields.tweet:
            value = value_of(timeline, tweet)
            if value is not None:
                out[name] = value
    return out


def render_user(user: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Return a v2 user object (id, name, username plus the fields asked for)."""
    out: dict[str, Any] = {"id": user["id"], "name": user["name"], "username": user["username"]}
    asked = fields.user
    if "created_at" in asked:
        out["created_at"] = iso_time(user["created_ms"])
    if "description" in asked:
        out["description"] = user["description"]
    if "location" in asked and user["location"]:
        out["location"] = user["location"]
    for key in ("verified", "protected"):
        if key in asked:
            out[key] = bool(user[key])
    if "profile_image_url" in asked:
        out["profile_image_url"] = (
            f"https://pbs.twimg.com/profile_images/{user['id']}/avatar_normal.jpg")
    if "public_metrics" in asked:
        out["public_metrics"] = {"followers_count": user["followers"], "following_count": 180,
                                 "tweet_count": 940, "listed_count": 3, "like_count": 1200}
    return out


def render_place(place: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Return a v2 place object (id, full_name plus the fields asked for)."""
    out = {"id": place["id"], "full_name": place["full_name"]}
    for key in ("contained_within", "country", "country_code", "geo", "name", "place_type"):
        if key in fields.place and key in place:
            out[key] = place[key]
    return out


def render_media(media: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Return a v2 media object (media_key, type plus the fields asked for)."""
    out = {"media_key": media["media_key"], "type": media["type"]}
    for key in ("url", "width", "height", "alt_text", "preview_image_url"):
        if key in fields.media and key in media:
            out[key] = media[key]
    return out


@dataclass
class _Includes:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)


def _add_user(timeline: Timeline, uid: str | None, fields: Fields, inc: _Includes) -> None:
    if uid and uid in timeline.users and uid not in inc.users:
        inc.users[uid] = render_user(timeline.users[uid], fields)


def _expand_references(timeline: Timeline, tweet: dict[str, Any], fields: Fields,
                       inc: _Includes) -> None:
    for ref in tweet["referenced_tweets"]:
        target = timeline.live(ref["id"])
        if target is None:
            inc.errors[ref["id"]] = resource_not_found("tweet", "referenced_tweets.id",
                                                       ref["id"])
            continue
        if "referenced_tweets.id" in fields.expansions:
            inc.tweets[ref["id"]] = render_tweet(timeline, target, fields)
        if "referenced_tweets.id.author_id" in fields.expansions:
            _add_user(timeline, target["author_id"], fields, inc)


def _expand(timeline: Timeline, tweet: dict[str, Any], fields: Fields, inc: _Includes) -> None:
    wanted = fields.expansions
    if "author_id" in wanted:
        _add_user(timeline, tweet["author_id"], fields, inc)
    if "in_reply_to_user_id" in wanted:
        _add_user(timeline, tweet["in_reply_to_user_id"], fields, inc)
    if "entities.mentions.username" in wanted:
        for name in ent.mentioned_usernames(timeline.full_text(tweet)):
            _add_user(timeline, timeline.user_id(name), fields, inc)
    if "geo.place_id" in wanted and tweet["place_id"] in timeline.places:
        inc.places[tweet["place_id"]] = render_place(timeline.places[tweet["place_id"]], fields)
    if "attachments.media_keys" in wanted:
        for key in tweet["media_keys"]:
            if key in timeline.media:
                inc.media[key] = render_media(timeline.media[key], fields)
    if "edit_history_tweet_ids" in wanted:
        for version in tweet["edit_history"]:
            if version != tweet["id"] and timeline.live(version):
                inc.tweets[version] = render_tweet(timeline, timeline.tweets[version], fields)
    if wanted & {"referenced_tweets.id", "referenced_tweets.id.author_id"}:
        _expand_references(timeline, tweet, fields, inc)


def render_page(timeline: Timeline, tweets: list[dict[str, Any]], fields: Fields,
                meta: dict[str, Any]) -> dict[str, Any]:
    """Return a timeline page: `data`, `includes`, partial `errors`, `meta`."""
    if not tweets:
        return {"meta": meta}
    inc = _Includes()
    for tweet in tweets:
        _expand(timeline, tweet, fields, inc)
    body: dict[str, Any] = {"data": [render_tweet(timeline, t, fields) for t in tweets]}
    includes = {name: list(getattr(inc, name).values())
                for name in ("users", "tweets", "places", "media") if getattr(inc, name)}
    if includes:
        body["includes"] = includes
    if inc.errors:
        body["errors"] = list(inc.errors.values())
    body["meta"] = meta
    return body
