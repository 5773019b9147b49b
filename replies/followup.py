"""Decide where a follow-up goes. Pure.

A follow-up answers our own newest reply in the complaint's thread, so the citizen sees it
under the acknowledgement and the one-reply-per-tweet rule holds (each tweet, ours
included, gets at most one reply from the bot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

UNSENT = ("queued", "sending")


@dataclass(frozen=True)
class ThreadReply:
    """A reply already in the complaint's thread, as the decision needs it."""

    status: str
    in_reply_to_tweet_id: str
    posted_tweet_id: str | None


@dataclass(frozen=True)
class FollowupTarget:
    """What to do with a follow-up now: reply (to `tweet_id`), wait, skip or dry_run."""

    action: str
    reason: str
    tweet_id: str | None = None


def followup_target(acknowledgement: str, thread: Sequence[ThreadReply], *, dry_run: bool) -> FollowupTarget:
    """Return where the next follow-up of a complaint goes, given its replies so far."""
    if any(reply.status in UNSENT for reply in thread):
        return FollowupTarget("wait", "an earlier reply in this thread is not sent yet")
    if acknowledgement in ("pending", "queued"):
        return FollowupTarget("wait", "the acknowledgement is not decided or sent yet")
    answered = {reply.in_reply_to_tweet_id for reply in thread}
    open_ends = [r.posted_tweet_id for r in thread if r.status == "posted" and r.posted_tweet_id
                 and r.posted_tweet_id not in answered]
    if open_ends and not dry_run:
        return FollowupTarget("reply", "under our newest reply in the thread", open_ends[-1])
    if open_ends or acknowledgement == "dry_run":
        return FollowupTarget("dry_run", "LAPOR_DRY_RUN: composed, not posted")
    return FollowupTarget("skip", f"no posted reply of ours to follow up under (acknowledgement {acknowledgement})")
