"""Decide which reply, if any, a mention gets. Pure.

Who gets what (the README's reply policy mirrors this):
- a new complaint or aspiration: an acknowledgement (with a personal-data warning inside it
  when the post shows personal data);
- the author telling an open complaint again: its existing tracking number (a repeat notice);
- a question: where to get the information (no complaint is opened unless configured);
- appreciation: thanks, only with LAPOR_THANKS_REPLIES=true;
- any other mention that shows personal data (a question included): a warning;
- nothing for: copies in a campaign (many accounts, near-identical text, minutes apart),
  our own posts, retweets, spam, chit-chat, thread continuations and edits of
  a complaint already acknowledged, users who opted out (or are opting out now), mentions
  older than the first start's backfill window, posts whose reply settings exclude us, and
  an author who already got the day's quota of replies.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.mention import Mention
from replies.optout import is_opt_out_request

# reply_settings values under which X lets the mentioned account reply (X API v2 Tweet object).
REPLY_ALLOWED = frozenset({"everyone", "mentionedUsers"})
ACKNOWLEDGEMENT = "acknowledgement"
REPEAT_NOTICE = "repeat_notice"
INFORMATION = "information"
PERSONAL_DATA_WARNING = "personal_data_warning"
THANKS = "thanks"


@dataclass(frozen=True)
class ReplyPolicy:
    """The operator's reply settings."""

    thanks_replies: bool = False
    per_author_per_day: int = 3


@dataclass(frozen=True)
class ReplyFacts:
    """What the store knows about a mention when its reply is decided."""

    link: str  # how ingest filed it: new | continuation | repeat | support | retweet | own | …
    kind: str
    has_personal_data: bool
    answerable: bool
    opted_out: bool
    author_replies_today: int


@dataclass(frozen=True)
class ReplyPlan:
    """The decision for one mention: a reply purpose or None, and why."""

    purpose: str | None
    reason: str
    opt_out: bool = False  # the mention asks for no more replies: record it


def plan_reply(mention: Mention, facts: ReplyFacts, policy: ReplyPolicy, account_id: str) -> ReplyPlan:
    """Return which reply `mention` gets, if any, and why."""
    refusal = _refusal(mention, facts, account_id)
    if refusal is not None:
        return refusal
    plan = _purpose(facts, policy)
    if plan.purpose is not None and facts.author_replies_today >= policy.per_author_per_day:
        return ReplyPlan(None, f"the author already got {facts.author_replies_today} replies in 24 hours "
                               f"(limit {policy.per_author_per_day}): {plan.purpose} not sent")
    return plan


def _refusal(mention: Mention, facts: ReplyFacts, account_id: str) -> ReplyPlan | None:
    if mention.author_id == account_id or facts.link == "own":
        return ReplyPlan(None, "our own post")
    if mention.retweet_of:
        return ReplyPlan(None, "a retweet: retweets get no reply")
    if is_opt_out_request(mention.text):
        return ReplyPlan(None, "the author asks for no more automated replies: opted out", opt_out=True)
    if facts.opted_out:
        return ReplyPlan(None, "the author opted out of automated replies")
    if not facts.answerable:
        return ReplyPlan(None, "older than the first start's backfill window: stored, not answered")
    if mention.reply_settings is not None and mention.reply_settings not in REPLY_ALLOWED:
        return ReplyPlan(None, f"the author's reply settings ({mention.reply_settings}) exclude us")
    if facts.kind == "spam":
        return ReplyPlan(None, "spam gets no reply")
    return None


def _purpose(facts: ReplyFacts, policy: ReplyPolicy) -> ReplyPlan:
    if facts.link in ("new", "related"):
        return ReplyPlan(ACKNOWLEDGEMENT, f"new complaint ({facts.kind})")
    if facts.link == "campaign":
        return ReplyPlan(None, "one of many near-identical mentions from many accounts: collapsed for review")
    if facts.link == "repeat" and not facts.has_personal_data:
        return ReplyPlan(REPEAT_NOTICE, "the author restates an open complaint: told its existing number")
    if facts.link in ("continuation", "repeat", "same_tweet", "support"):
        if facts.has_personal_data:
            return ReplyPlan(PERSONAL_DATA_WARNING, f"{facts.link} of an acknowledged complaint that shows personal data")
        return ReplyPlan(None, f"{facts.link} of a complaint already acknowledged")
    if facts.has_personal_data:
        # The warning also points to the private channels: it answers a question too.
        return ReplyPlan(PERSONAL_DATA_WARNING, f"{facts.kind} that shows personal data")
    if facts.kind == "permintaan_informasi":
        return ReplyPlan(INFORMATION, "a question: pointed to the information channels")
    if facts.kind == "apresiasi":
        if policy.thanks_replies:
            return ReplyPlan(THANKS, "appreciation")
        return ReplyPlan(None, "appreciation (thanks replies are off)")
    return ReplyPlan(None, f"{facts.kind}: nothing to answer")


def excluded_reply_users(mention: Mention, account_id: str) -> list[str]:
    """Return the users in the thread who must not be notified: everyone but the author."""
    keep = {mention.author_id, account_id}
    others = [uid for uid in (*mention.mentioned_user_ids, mention.in_reply_to_user_id) if uid]
    return sorted(set(others) - keep)
