"""Linking a mention to what is stored: the first pass of deduplication."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest.link import KnownFacts, decide_link, fingerprint
from ingest.mention import Mention, ReferencedTweet

ACCOUNT = "100"


def mention(**fields) -> Mention:
    base = dict(tweet_id="10", author_id="7", author_username="w", author_name="W", text="t",
                created_at=datetime(2026, 11, 28, tzinfo=timezone.utc), lang="in", conversation_id="10")
    return Mention(**(base | fields))


@pytest.mark.parametrize(
    ("m", "facts", "kind", "expected", "complaint"),
    [
        (mention(author_id=ACCOUNT), KnownFacts(), "pengaduan", "own", None),
        (mention(edit_history=("5", "10")), KnownFacts(edited_known=True, edited_complaint=3), "pengaduan", "same_tweet", 3),
        (mention(referenced=(ReferencedTweet("retweeted", "5"),)), KnownFacts(retweeted_complaint=4), "pengaduan", "support", 4),
        (mention(referenced=(ReferencedTweet("retweeted", "5"),)), KnownFacts(), "pengaduan", "retweet", None),
        (mention(referenced=(ReferencedTweet("quoted", "5"),)), KnownFacts(quoted_complaint=4), "lainnya", "support", 4),
        (mention(referenced=(ReferencedTweet("quoted", "5"),)), KnownFacts(quoted_complaint=4), "pengaduan", "new", None),
        (mention(in_reply_to_user_id="7", conversation_id="1"), KnownFacts(thread_complaint=2), "pengaduan", "continuation", 2),
        (mention(in_reply_to_user_id="8", conversation_id="1"), KnownFacts(thread_complaint=2), "pengaduan", "new", None),
        (mention(), KnownFacts(repeated_complaint=6), "pengaduan", "repeat", 6),
        (mention(), KnownFacts(), "aspirasi", "new", None),
        (mention(), KnownFacts(), "spam", "not_complaint", None),
        (mention(), KnownFacts(), "permintaan_informasi", "not_complaint", None),
    ],
)
def test_decide_link(m, facts, kind, expected, complaint):
    link = decide_link(m, facts, kind, ACCOUNT)
    assert (link.kind, link.complaint_id) == (expected, complaint)
    assert link.reason


def test_fingerprint_ignores_handles_links_case_and_punctuation_but_keeps_numbers():
    assert fingerprint("@lapor1708 Jalan RUSAK!! https://t.co/x") == fingerprint("jalan rusak @pemkot")
    assert fingerprint("rumah no 29") != fingerprint("rumah no 15")
