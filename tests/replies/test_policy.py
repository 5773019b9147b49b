"""Who gets which reply, and who gets nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from ingest.mention import Mention, ReferencedTweet
from replies.policy import ReplyFacts, ReplyPolicy, excluded_reply_users, plan_reply

ACCOUNT = "1700000000000000001"
AUTHOR = "2244994945"
MENTION = Mention(
    tweet_id="2126466096952200100",
    author_id=AUTHOR,
    author_username="warga",
    author_name="Warga",
    text="@lapor1708 jalan berlubang di depan SD 12 Padang",
    created_at=datetime(2026, 11, 28, tzinfo=timezone.utc),
    lang="in",
    mentioned_user_ids=(ACCOUNT, "555"),
    in_reply_to_user_id="777",
    reply_settings="everyone",
)
FACTS = ReplyFacts(link="new", kind="pengaduan", has_personal_data=False, answerable=True, opted_out=False,
                   author_replies_today=0)
RETWEET = replace(MENTION, referenced=(ReferencedTweet("retweeted", "1"),), text="RT @x: jalan rusak")

CASES = [
    # (name, mention, facts, policy, expected purpose, words in the reason)
    ("new complaint", MENTION, FACTS, ReplyPolicy(), "acknowledgement", "new complaint"),
    ("new aspiration", MENTION, replace(FACTS, kind="aspirasi"), ReplyPolicy(), "acknowledgement", "aspirasi"),
    ("complaint with personal data", MENTION, replace(FACTS, has_personal_data=True), ReplyPolicy(),
     "acknowledgement", "new complaint"),
    ("question", MENTION, replace(FACTS, link="not_complaint", kind="permintaan_informasi"), ReplyPolicy(),
     "information", "question"),
    ("question with personal data", MENTION,
     replace(FACTS, link="not_complaint", kind="permintaan_informasi", has_personal_data=True), ReplyPolicy(),
     "personal_data_warning", "personal data"),
    ("chit-chat with personal data", MENTION, replace(FACTS, link="not_complaint", kind="lainnya", has_personal_data=True),
     ReplyPolicy(), "personal_data_warning", "personal data"),
    ("thread continuation with personal data", MENTION, replace(FACTS, link="continuation", has_personal_data=True),
     ReplyPolicy(), "personal_data_warning", "continuation"),
    ("thanks, replies off", MENTION, replace(FACTS, link="not_complaint", kind="apresiasi"), ReplyPolicy(),
     None, "thanks replies are off"),
    ("thanks, replies on", MENTION, replace(FACTS, link="not_complaint", kind="apresiasi"),
     ReplyPolicy(thanks_replies=True), "thanks", "appreciation"),
    ("spam", MENTION, replace(FACTS, link="not_complaint", kind="spam"), ReplyPolicy(), None, "spam"),
    ("spam with personal data", MENTION, replace(FACTS, link="not_complaint", kind="spam", has_personal_data=True),
     ReplyPolicy(), None, "spam"),
    ("chit-chat", MENTION, replace(FACTS, link="not_complaint", kind="lainnya"), ReplyPolicy(), None, "lainnya"),
    ("retweet", RETWEET, replace(FACTS, link="support"), ReplyPolicy(), None, "retweet"),
    ("our own post", replace(MENTION, author_id=ACCOUNT), replace(FACTS, link="own"), ReplyPolicy(), None, "own"),
    ("continuation", MENTION, replace(FACTS, link="continuation"), ReplyPolicy(), None, "already acknowledged"),
    ("campaign copy", MENTION, replace(FACTS, link="campaign"), ReplyPolicy(), None, "collapsed for review"),
    ("related complaint", MENTION, replace(FACTS, link="related"), ReplyPolicy(), "acknowledgement", "new complaint"),
    ("repeat", MENTION, replace(FACTS, link="repeat"), ReplyPolicy(), "repeat_notice", "existing number"),
    ("repeat with personal data", MENTION, replace(FACTS, link="repeat", has_personal_data=True), ReplyPolicy(),
     "personal_data_warning", "repeat"),
    ("edited post", MENTION, replace(FACTS, link="same_tweet"), ReplyPolicy(), None, "already acknowledged"),
    ("opted out", MENTION, replace(FACTS, opted_out=True), ReplyPolicy(), None, "opted out"),
    ("too old", MENTION, replace(FACTS, answerable=False), ReplyPolicy(), None, "backfill window"),
    ("reply settings exclude us", replace(MENTION, reply_settings="following"), FACTS, ReplyPolicy(), None,
     "reply settings"),
    ("reply settings: mentioned users", replace(MENTION, reply_settings="mentionedUsers"), FACTS, ReplyPolicy(),
     "acknowledgement", "new complaint"),
    ("author over the daily limit", MENTION, replace(FACTS, author_replies_today=3), ReplyPolicy(), None, "limit 3"),
    ("author under a raised limit", MENTION, replace(FACTS, author_replies_today=3),
     ReplyPolicy(per_author_per_day=10), "acknowledgement", "new complaint"),
]


@pytest.mark.parametrize(("name", "mention", "facts", "policy", "purpose", "reason"), CASES, ids=[c[0] for c in CASES])
def test_reply_policy(name, mention, facts, policy, purpose, reason):
    plan = plan_reply(mention, facts, policy, ACCOUNT)
    assert plan.purpose == purpose
    assert reason in plan.reason
    assert plan.opt_out is False


@pytest.mark.parametrize("text", ["@lapor1708 STOP", "@lapor1708 berhenti", "@lapor1708 jangan balas lagi ya"])
def test_a_stop_request_gets_no_reply_and_is_recorded(text):
    plan = plan_reply(replace(MENTION, text=text), replace(FACTS, link="not_complaint", kind="lainnya"),
                      ReplyPolicy(), ACCOUNT)
    assert plan.purpose is None and plan.opt_out is True


def test_a_retweet_of_a_stop_request_is_not_an_opt_out():
    plan = plan_reply(replace(RETWEET, text="RT @x: stop"), FACTS, ReplyPolicy(), ACCOUNT)
    assert plan.opt_out is False


def test_third_parties_in_the_thread_are_not_notified():
    assert excluded_reply_users(MENTION, ACCOUNT) == ["555", "777"]
    assert excluded_reply_users(replace(MENTION, in_reply_to_user_id=AUTHOR), ACCOUNT) == ["555"]
