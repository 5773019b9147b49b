"""Decide how a new mention relates to what is stored: a first pass of deduplication.

Pure: the store gathers the facts of a mention (`KnownFacts`, or an object that looks each fact
up when it is first read), this module decides. It reads a fact only when the rules before it
have not decided, and the cheap conditions first, so a lazy store asks the database little.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from ingest.mention import Mention

_NOISE = re.compile(r"@\w+|https?://\S+|[^\w\s]")

COMPLAINT_KINDS = frozenset({"pengaduan", "aspirasi"})


@dataclass(frozen=True)
class KnownFacts:
    """What the store knows that bears on one mention (complaint ids, or None)."""

    edited_complaint: int | None = None  # the complaint an earlier version of this post opened
    edited_known: bool = False  # an earlier version is stored (complaint or not)
    retweeted_complaint: int | None = None
    quoted_complaint: int | None = None
    thread_complaint: int | None = None  # the author's own complaint in this conversation
    recent_complaint: int | None = None  # the author's complaint opened within the continuation window
    repeated_complaint: int | None = None  # the author's open complaint this one restates
    repeat_reason: str = "the author restates one of their complaints word for word"
    related_complaint: int | None = None  # another author's complaint about very likely the same problem
    related_reason: str = ""
    campaign_complaint: int | None = None  # the first complaint of a burst of copies from many accounts
    campaign_reason: str = ""


class Facts(Protocol):
    """What `decide_link` reads: the fields of `KnownFacts`, however they are found."""

    @property
    def edited_complaint(self) -> int | None: ...
    @property
    def edited_known(self) -> bool: ...
    @property
    def retweeted_complaint(self) -> int | None: ...
    @property
    def quoted_complaint(self) -> int | None: ...
    @property
    def thread_complaint(self) -> int | None: ...
    @property
    def recent_complaint(self) -> int | None: ...
    @property
    def repeated_complaint(self) -> int | None: ...
    @property
    def repeat_reason(self) -> str: ...
    @property
    def related_complaint(self) -> int | None: ...
    @property
    def related_reason(self) -> str: ...
    @property
    def campaign_complaint(self) -> int | None: ...
    @property
    def campaign_reason(self) -> str: ...


@dataclass(frozen=True)
class Link:
    """How a mention is filed: `kind` names the relation, `complaint_id` its complaint."""

    # new | related | campaign | same_tweet | support | continuation | repeat | own | retweet | not_complaint
    kind: str
    reason: str
    complaint_id: int | None = None

    @property
    def opens_complaint(self) -> bool:
        """Return whether this mention becomes a complaint of its own (a related one too)."""
        return self.kind in ("new", "related")


def decide_link(
    mention: Mention, facts: Facts, kind: str, account_id: str, complaint_kinds: frozenset[str] = COMPLAINT_KINDS
) -> Link:
    """Return how `mention`, triaged as `kind`, is filed against what is known."""
    if mention.author_id == account_id:
        return Link("own", "posted by the bot's own account")
    if facts.edited_known:
        return Link("same_tweet", f"new version of edited post {mention.original_id}", facts.edited_complaint)
    if mention.retweet_of:
        if facts.retweeted_complaint is not None:
            return Link("support", f"retweet of complaint tweet {mention.retweet_of}", facts.retweeted_complaint)
        return Link("retweet", f"retweet of {mention.retweet_of}, which is not a complaint")
    complaint_like = kind in complaint_kinds
    if mention.quote_of and not complaint_like and facts.quoted_complaint is not None:
        return Link("support", f"quote of complaint tweet {mention.quote_of} with no new problem", facts.quoted_complaint)
    if mention.in_reply_to_user_id == mention.author_id and facts.thread_complaint is not None:
        return Link("continuation", "the author continues their own complaint thread", facts.thread_complaint)
    if kind == "lainnya" and facts.recent_complaint is not None:
        return Link("continuation", "the author adds a remark to the complaint they made minutes ago",
                    facts.recent_complaint)
    if facts.repeated_complaint is not None:
        return Link("repeat", facts.repeat_reason, facts.repeated_complaint)
    if complaint_like and facts.campaign_complaint is not None:
        return Link("campaign", f"classified as {kind}; {facts.campaign_reason}", facts.campaign_complaint)
    if complaint_like and facts.related_complaint is not None:
        return Link("related", f"classified as {kind}; {facts.related_reason}", facts.related_complaint)
    if complaint_like:
        return Link("new", f"classified as {kind}")
    return Link("not_complaint", f"classified as {kind}")


def fingerprint(text: str) -> str:
    """Return text reduced for exact-repeat checks: no handles, links, punctuation or case."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOISE.sub(" ", folded).split())
