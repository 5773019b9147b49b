"""The sandbox's world: users, tweets, places, media and the account's own posts.

Everything is plain JSON-ready dicts so the whole timeline can be saved and
loaded as one file. Tweet ids are snowflakes as X makes them (X API v2
reference, "Twitter IDs"): milliseconds since the Twitter epoch shifted left
by 22 bits plus a sequence number, so ids grow with creation time.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timezone
from typing import Any

from . import entities as ent
from .problems import NOT_ENGAGED, REPLY_TARGET_GONE

TWITTER_EPOCH_MS = 1288834974657
STATE_VERSION = 1
# Reply settings under which a mentioned account may answer; "following",
# "subscribers" and "verified" shut the account out (it is not followed).
OPEN_REPLY_SETTINGS = frozenset({"everyone", "mentionedUsers"})


def snowflake(ms: int, sequence: int = 0) -> int:
    """Return the X-style id for a post made at `ms` (Unix milliseconds)."""
    return ((ms - TWITTER_EPOCH_MS) << 22) + sequence


def user_id_for(username: str) -> str:
    """Return a stable 19-digit user id for `username`."""
    digest = int(hashlib.sha256(username.lower().encode()).hexdigest()[:15], 16)
    return str(1_200_000_000_000_000_000 + digest % 700_000_000_000_000_000)


def addressed(text: str, account: str) -> str:
    """Return `text` with a leading @account unless it already mentions the account."""
    return text if ent.has_mention(text, account) else f"@{account} {text}"


def iso_time(ms: int) -> str:
    """Format Unix milliseconds as X does: 2026-11-28T01:02:03.000Z."""
    moment = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Timeline:
    """All users and tweets the sandbox knows, with X's rules for them."""

    def __init__(self, account: str, created_ms: int | None = None) -> None:
        self.account = account
        self.users: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.places: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self._by_name: dict[str, str] = {}
        self.account_id = self.ensure_user(
            account, name="LAPOR!", created_ms=created_ms,
            description="Layanan Aspirasi dan Pengaduan Online Rakyat (SP4N-LAPOR!). "
                        "Akun sandbox untuk pengujian bot.",
            verified=True, followers=412_000)

    # -- users ---------------------------------------------------------------

    def ensure_user(self, username: str, *, name: str | None = None, created_ms: int | None = None,
                    description: str = "", location: str = "", verified: bool = False,
                    followers: int = 0) -> str:
        """Return the id of `username`, creating the user if new."""
        known = self._by_name.get(username.lower())
        if known:
            return known
        uid = user_id_for(username)
        if created_ms is None:
            # A stable sign-up time between 2017 and 2024.
            created_ms = 1_500_000_000_000 + int(uid) % 220_000_000_000
        self.users[uid] = {
            "id": uid, "username": username, "name": name or username,
            "created_ms": created_ms, "description": description, "location": location,
            "verified": verified, "protected": False, "followers": followers,
        }
        self._by_name[username.lower()] = uid
        return uid

    def user_id(self, username: str) -> str | None:
        """Return the id of a known `username` (case-insensitive), else None."""
        return self._by_name.get(username.lower())

    # -- creating and changing tweets ---------------------------------------

    def _new_id(self, ms: int) -> str:
        candidate = snowflake(ms)
        while str(candidate) in self.tweets:
            candidate += 1
        return str(candidate)

    def new_media_key(self, ms: int) -> str:
        """Return an unused media key ("3_" + snowflake, as X's photos)."""
        candidate = snowflake(ms)
        while f"3_{candidate}" in self.media:
            candidate += 1
        return f"3_{candidate}"

    @staticmethod
    def _text_fields(full_text: str) -> dict[str, Any]:
        # A post over 280 weighted characters is a long post ("note tweet"):
        # `text` holds a truncated copy, `note_tweet.text` the whole.
        short, links = ent.shorten_urls(full_text)
        if ent.weighted_length(full_text) > ent.MAX_WEIGHTED_LENGTH:
            return {"text": ent.truncate(short), "note_text": short, "links": links}
        return {"text": short, "note_text": None, "links": links}

    def _retweet_fields(self, original_id: str) -> dict[str, Any]:
        # A retweet's text is "RT @author: " + the original, cut at 140 characters.
        original = self.tweets[original_id]
        author = self.users[original["author_id"]]["username"]
        return {"text": ent.retweet_text(author, original["text"]), "note_text": None,
                "links": list(original["links"]), "lang": original["lang"],
                "referenced_tweets": [{"type": "retweeted", "id": original_id}]}

    def add_tweet(self, *, author_id: str, text: str, created_ms: int, lang: str | None = "in",
                  reply_to: str | None = None, quote_of: str | None = None,
                  retweet_of: str | None = None, note_text: str | None = None,
                  reply_settings: str = "everyone", place_id: str | None = None,
                  media_keys: list[str] | None = None, possibly_sensitive: bool = False,
                  likes: int = 0) -> dict[str, Any]:
        """Store a new tweet and return it; references must name known tweets."""
        for ref in (reply_to, quote_of, retweet_of):
            if ref is not None and ref not in self.tweets:
                raise ValueError(f"unknown tweet id {ref}")
        tid = self._new_id(created_ms)
        tweet: dict[str, Any] = {
            "id": tid, "author_id": author_id, "created_ms": created_ms, "lang": lang,
            "conversation_id": tid, "in_reply_to_user_id": None, "referenced_tweets": [],
            "reply_settings": reply_settings, "place_id": place_id,
            "media_keys": list(media_keys or []), "edit_history": [tid], "deleted": False,
            "possibly_sensitive": possibly_sensitive, "likes": likes,
        }
        if retweet_of is not None:
            tweet.update(self._retweet_fields(retweet_of))
        else:
            tweet.update(self._text_fields(note_text if note_text is not None else text))
        if reply_to is not None:
            parent = self.tweets[reply_to]
            tweet["conversation_id"] = parent["conversation_id"]
            tweet["in_reply_to_user_id"] = parent["author_id"]
            tweet["referenced_tweets"].append({"type": "replied_to", "id": reply_to})
        if quote_of is not None:
            tweet["referenced_tweets"].append({"type": "quoted", "id": quote_of})
        self.tweets[tid] = tweet
        return tweet

    def delete(self, tweet_id: str) -> None:
        """Delete a tweet with all its versions."""
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            raise ValueError(f"unknown tweet id {tweet_id}")
        for version in tweet["edit_history"]:
            self.tweets[version]["deleted"] = True

    def edit(self, tweet_id: str, new_text: str, created_ms: int) -> str:
        """Make a new version of a live tweet; return the new version's id."""
        old = self.live(tweet_id)
        if old is None or not self.is_latest(old):
            raise ValueError(f"tweet {tweet_id} is deleted or not the newest version")
        if any(ref["type"] == "retweeted" for ref in old["referenced_tweets"]):
            raise ValueError(f"tweet {tweet_id} is a retweet and cannot be edited")
        new = copy.deepcopy(old)
        new["id"] = self._new_id(created_ms)
        new["created_ms"] = created_ms
        new.update(self._text_fields(new_text))
        history = old["edit_history"] + [new["id"]]
        self.tweets[new["id"]] = new
        for version in history:
            self.tweets[version]["edit_history"] = list(history)
        return new["id"]

    # -- reading -------------------------------------------------------------

    def live(self, tweet_id: str) -> dict[str, Any] | None:
        """Return the tweet if it exists and is not deleted."""
        tweet = self.tweets.get(tweet_id)
        return tweet if tweet is not None and not tweet["deleted"] else None

    @staticmethod
    def is_latest(tweet: dict[str, Any]) -> bool:
        """Tell whether `tweet` is the newest version of its post."""
        return tweet["edit_history"][-1] == tweet["id"]

    def full_text(self, tweet: dict[str, Any]) -> str:
        """Return the untruncated text (the note text of a long post)."""
        return tweet["note_text"] or tweet["text"]

    def visible(self) -> list[dict[str, Any]]:
        """Return every live, newest-version tweet, newest first."""
        shown = [t for t in self.tweets.values() if not t["deleted"] and self.is_latest(t)]
        return sorted(shown, key=lambda t: int(t["id"]), reverse=True)

    def mentions_of(self, username: str) -> list[dict[str, Any]]:
        """Return the visible tweets that @-mention `username`, newest first."""
        return [t for t in self.visible() if ent.has_mention(self.full_text(t), username)]

    def counts(self, tweet_id: str) -> dict[str, int]:
        """Count live replies, quotes and retweets of `tweet_id`."""
        found = {"replied_to": 0, "quoted": 0, "retweeted": 0}
        for other in self.tweets.values():
            if other["deleted"] or not self.is_latest(other):
                continue
            for ref in other["referenced_tweets"]:
                if ref["id"] == tweet_id:
                    found[ref["type"]] += 1
        return found

    # -- the account's posts -------------------------------------------------

    def reply_refusal(self, target_id: str) -> str | None:
        """Return X's refusal `detail` for replying to `target_id`, or None if allowed."""
        target = self.live(target_id)
        if target is None:
            return REPLY_TARGET_GONE
        if target["author_id"] == self.account_id:
            return None
        kinds = {ref["type"]: ref["id"] for ref in target["referenced_tweets"]}
        if "retweeted" in kinds:
            return NOT_ENGAGED
        quoted = self.tweets.get(kinds.get("quoted", ""))
        engaged = ent.has_mention(self.full_text(target), self.account) or (
            quoted is not None and quoted["author_id"] == self.account_id)
        if not engaged or target["reply_settings"] not in OPEN_REPLY_SETTINGS:
            return NOT_ENGAGED
        return None

    def is_duplicate(self, text: str) -> bool:
        """Tell whether the account already posted exactly this text."""
        short, _ = ent.shorten_urls(text.strip())
        return any(t["author_id"] == self.account_id and not t["deleted"]
                   and self.full_text(t).strip() == short for t in self.tweets.values())

    def record_post(self, tweet: dict[str, Any], text: str, exclude: list[str]) -> dict[str, Any]:
        """Remember a tweet created through POST /2/tweets and return its record."""
        replied = [r["id"] for r in tweet["referenced_tweets"] if r["type"] == "replied_to"]
        post = {"id": tweet["id"], "text": text,
                "in_reply_to_tweet_id": replied[0] if replied else None,
                "exclude_reply_user_ids": list(exclude),
                "created_at": iso_time(tweet["created_ms"])}
        self.posts.append(post)
        return post

    # -- persistence ---------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the whole timeline as JSON-ready data."""
        return {"version": STATE_VERSION, "account": self.account,
                "users": list(self.users.values()), "tweets": list(self.tweets.values()),
                "places": list(self.places.values()), "media": list(self.media.values()),
                "posts": list(self.posts)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        """Rebuild a timeline saved by `to_dict`; raise KeyError/TypeError if malformed."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported state version {data.get('version')!r}")
        timeline = cls.__new__(cls)
        timeline.account = data["account"]
        timeline.users = {u["id"]: u for u in data["users"]}
        timeline.tweets = {t["id"]: t for t in data["tweets"]}
        timeline.places = {p["id"]: p for p in data["places"]}
        timeline.media = {m["media_key"]: m for m in data["media"]}
        timeline.posts = list(data["posts"])
        timeline._by_name = {u["username"].lower(): u["id"] for u in timeline.users.values()}
        timeline.account_id = timeline._by_name[timeline.account.lower()]
        return timeline
