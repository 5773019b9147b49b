"""Decide whether a complaint gets a public acknowledgement. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.mention import Mention

# reply_settings values under which X lets the mentioned account reply (X API v2 Tweet object).
REPLY_ALLOWED = frozenset({"everyone", "mentionedUsers"})


@dataclass(frozen=True)
class ReplyDecision:
    """Whether to reply, and why (kept in the event log)."""

    wanted: bool
    reason: str


def acknowledgement_decision(mention: Mention, *, answerable: bool, account_id: str) -> ReplyDecision:
    """Return whether the complaint opened by `mention` is acknowledged in public."""
    if mention.author_id == account_id:
        return ReplyDecision(False, "our own post")
    if not answerable:
        return ReplyDecision(False, "older than the first start's backfill window: stored, not answered")
    if mention.reply_settings is not None and mention.reply_settings not in REPLY_ALLOWED:
        return ReplyDecision(False, f"the author's reply settings ({mention.reply_settings}) exclude us")
    return ReplyDecision(True, "new complaint")


def excluded_reply_users(mention: Mention, account_id: str) -> list[str]:
    """Return the users in the thread who must not be notified: everyone but the author."""
    keep = {mention.author_id, account_id}
    others = [uid for uid in (*mention.mentioned_user_ids, mention.in_reply_to_user_id) if uid]
    return sorted(set(others) - keep)
