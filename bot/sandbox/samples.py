"""Load samples.json into a timeline, anchoring "minutes_ago" at the sandbox clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .timeline import Timeline, addressed

SAMPLES_PATH = Path(__file__).with_name("samples.json")
_MINUTE_MS = 60_000


def read_samples(path: Path = SAMPLES_PATH) -> dict[str, Any]:
    """Return the parsed sample file."""
    return json.loads(path.read_text(encoding="utf-8"))


def _media(timeline: Timeline, created_ms: int, items: list[dict[str, Any]]) -> list[str]:
    keys = []
    for item in items:
        key = timeline.new_media_key(created_ms)
        timeline.media[key] = {"media_key": key, "type": item.get("type", "photo"),
                               "url": f"https://pbs.twimg.com/media/S{key[2:]}.jpg",
                               "width": item.get("width", 1280), "height": item.get("height", 960),
                               "alt_text": item.get("alt_text", "")}
        keys.append(key)
    return keys


def _resolve(ids: dict[str, str], entry: dict[str, Any], field: str) -> str | None:
    key = entry.get(field)
    if key is None:
        return None
    if key not in ids:
        raise ValueError(f"samples.json: {entry['key']}.{field} names {key!r}, which is not "
                         f"an earlier sample")
    return ids[key]


def _add(timeline: Timeline, entry: dict[str, Any], ids: dict[str, str],
         places: dict[str, str], now_ms: int) -> None:
    author = entry["author"]
    author_id = timeline.ensure_user(author["username"], name=author.get("name"),
                                     description=author.get("description", ""),
                                     location=author.get("location", ""))
    created_ms = now_ms - int(entry["minutes_ago"] * _MINUTE_MS)
    retweet_of = _resolve(ids, entry, "retweet_of")
    text, note = entry.get("text", ""), entry.get("note_text")
    if entry.get("mention", True) and retweet_of is None:
        text = addressed(text, timeline.account)
        note = addressed(note, timeline.account) if note else None
    tweet = timeline.add_tweet(
        author_id=author_id, text=text, note_text=note, created_ms=created_ms,
        lang=entry.get("lang", "in"), reply_to=_resolve(ids, entry, "reply_to"),
        quote_of=_resolve(ids, entry, "quote_of"), retweet_of=retweet_of,
        reply_settings=entry.get("reply_settings", "everyone"),
        place_id=places[entry["place"]] if "place" in entry else None,
        media_keys=_media(timeline, created_ms, entry.get("media", [])),
        possibly_sensitive=entry.get("possibly_sensitive", False), likes=entry.get("likes", 0))
    tweet["sample_key"] = entry["key"]
    ids[entry["key"]] = tweet["id"]
    for edit in entry.get("edits", []):
        new_text = addressed(edit["text"], timeline.account)
        edited_ms = now_ms - int(edit["minutes_ago"] * _MINUTE_MS)
        ids[entry["key"]] = timeline.edit(ids[entry["key"]], new_text, edited_ms)


def load_samples(timeline: Timeline, now_ms: int, path: Path = SAMPLES_PATH) -> dict[str, str]:
    """Add every sample to `timeline`; return sample key -> newest tweet id."""
    data = read_samples(path)
    places = {}
    for place in data.get("places", []):
        record = {k: v for k, v in place.items() if k != "key"}
        timeline.places[record["id"]] = record
        places[place["key"]] = record["id"]
    for user in data.get("users", []):
        timeline.ensure_user(user["username"], name=user.get("name"),
                             description=user.get("description", ""),
                             location=user.get("location", ""),
                             verified=user.get("verified", False),
                             followers=user.get("followers", 0))
    ids: dict[str, str] = {}
    for entry in data["mentions"]:
        if entry["key"] in ids:
            raise ValueError(f"samples.json: key {entry['key']!r} is used twice")
        _add(timeline, entry, ids, places, now_ms)
    for entry in data["mentions"]:
        if entry.get("deleted"):
            timeline.delete(ids[entry["key"]])
    return ids
