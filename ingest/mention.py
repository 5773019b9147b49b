"""The plain values a tweet becomes once it leaves the X edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReferencedTweet:
    """A tweet this one replies to, quotes or retweets (X's `referenced_tweets`)."""

    type: str  # "replied_to" | "quoted" | "retweeted"
    id: str


@dataclass(frozen=True)
class Place:
    """X's place object, when the author tagged one."""

    id: str
    full_name: str
    country_code: str | None = None
    place_type: str | None = None  # city | admin | country | poi | neighborhood


@dataclass(frozen=True)
class Mention:
    """One post that mentions the account, as the rest of the bot sees it."""

    tweet_id: str
    author_id: str
    author_username: str | None
    author_name: str | None
    text: str
    created_at: datetime
    lang: str | None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    referenced: tuple[ReferencedTweet, ...] = ()
    edit_history: tuple[str, ...] = ()
    mentioned_usernames: tuple[str, ...] = ()
    mentioned_user_ids: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    place: Place | None = None
    media_keys: tuple[str, ...] = ()
    reply_settings: str | None = None

    def referenced_id(self, kind: str) -> str | None:
        """Return the id of the tweet referenced as `kind`, if any."""
        return next((ref.id for ref in self.referenced if ref.type == kind), None)

    @property
    def retweet_of(self) -> str | None:
        """Return the retweeted tweet's id, if this is a retweet."""
        return self.referenced_id("retweeted")

    @property
    def quote_of(self) -> str | None:
        """Return the quoted tweet's id, if this is a quote."""
        return self.referenced_id("quoted")

    @property
    def reply_to(self) -> str | None:
        """Return the id of the tweet this replies to, if any."""
        return self.referenced_id("replied_to")

    @property
    def original_id(self) -> str:
        """Return the id of the first version of an edited post (itself if never edited)."""
        return self.edit_history[0] if self.edit_history else self.tweet_id
