"""Retention: raw tweets emptied after raw_days, finished complaints' personal data masked after text_days."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from sqlmodel import select

from ingest.poll import PollConfig, poll_once
from ingest.store.forget import FORGOTTEN_TEXT, forget_tweet
from ingest.store.models import ComplaintRow, EventRow, MentionRow, NearDuplicateTextRow, QuarantineRow
from ingest.store.retention import enforce_retention
from ingest.x_client import XClient
from replies.compose import ComposeOptions
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, X_BASE, page, sample, tweet

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
NIK, PHONE = "1371015203880000", "0812-3456-7890"
TEXTS = [
    f"@lapor1708 Jalan rusak parah di Jl. Adinegoro Padang, NIK saya {NIK}, hubungi {PHONE}",
    f"@lapor1708 Sampah di TPS Jl. Veteran Padang belum diangkut lima hari, telp {PHONE}",
    f"@lapor1708 Lampu jalan di Gang Kenanga Air Tawar Padang mati seminggu, NIK {NIK}",
]
TWEETS = [tweet(f"21264660969522098{i:02d}", text, author_id=f"10000005{i:02d}",
                created_at=f"2026-11-28T00:{i:02d}:00.000Z") for i, text in enumerate(TEXTS)]
THANKS = tweet("2126466096952209900", f"@lapor1708 terima kasih min, wa saya {PHONE}", author_id="1000000599",
               created_at="2026-11-28T00:30:00.000Z")
BROKEN = {"id": "2126466096952209901", "text": f"@lapor1708 rusak {NIK}", "author_id": "x-1"}  # quarantined


@pytest.fixture
def stored(store, clock):
    x = XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
        api.get(MENTIONS_URL, json=page([BROKEN, THANKS, *reversed(TWEETS)]))
        poll_once(x, store, clock, PollConfig(account="lapor1708"))
    queue_replies(store, clock, QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}")))
    return store


def finish(store, tweet_id, status, at):
    with store.session() as session:
        complaint = session.exec(select(ComplaintRow).where(ComplaintRow.first_tweet_id == tweet_id)).one()
        complaint.status, complaint.closed_at, complaint.status_changed_at = status, at, at


def complaint_of(store, tweet_id):
    return store.read(lambda s: s.exec(select(ComplaintRow).where(ComplaintRow.first_tweet_id == tweet_id)).one())


def mention(store, tweet_id):
    return store.read(lambda s: s.get(MentionRow, tweet_id))


def test_raw_tweets_older_than_raw_days_are_emptied_and_newer_ones_kept(stored, clock):
    assert enforce_retention(stored, clock() + timedelta(days=29), raw_days=30, text_days=None).total == 0
    report = enforce_retention(stored, clock() + timedelta(days=31), raw_days=30, text_days=None)
    assert (report.raw_emptied, report.quarantine_emptied) == (4, 1)
    assert {m.raw_json for m in stored.read(lambda s: s.exec(select(MentionRow)).all())} == {"{}"}
    assert stored.read(lambda s: s.exec(select(QuarantineRow)).one()).raw_json == "{}"
    assert mention(stored, TWEETS[0]["id"]).text == TEXTS[0]  # the text stays until text_days
    assert enforce_retention(stored, clock() + timedelta(days=31), raw_days=30, text_days=None).total == 0


def test_a_mention_whose_reply_is_undecided_keeps_its_raw_tweet(stored, clock):
    with stored.session() as session:
        session.get(MentionRow, TWEETS[0]["id"]).reply_state = "pending"
    enforce_retention(stored, clock() + timedelta(days=31), raw_days=30, text_days=None)
    assert json.loads(mention(stored, TWEETS[0]["id"]).raw_json)["id"] == TWEETS[0]["id"]


def test_finished_complaints_past_text_days_are_masked_open_and_recent_ones_are_not(stored, clock):
    year = timedelta(days=365)
    finish(stored, TWEETS[0]["id"], "closed", clock())
    finish(stored, TWEETS[1]["id"], "closed", clock() + year)  # closed later: not yet due
    # TWEETS[2] stays open.
    report = enforce_retention(stored, clock() + year + timedelta(days=1), raw_days=None, text_days=365)
    closed = complaint_of(stored, TWEETS[0]["id"])
    assert NIK not in closed.text and PHONE not in closed.text and "[NIK]" in closed.text and "[TELEPON]" in closed.text
    assert "Jalan rusak parah" in closed.text and "text_masked" in json.loads(closed.flags_json)
    assert NIK not in stored.read(lambda s: s.get(NearDuplicateTextRow, closed.id)).text
    assert mention(stored, TWEETS[0]["id"]).text.count("[NIK]") == 1
    assert PHONE in complaint_of(stored, TWEETS[1]["id"]).text and NIK in complaint_of(stored, TWEETS[2]["id"]).text
    assert PHONE not in mention(stored, THANKS["id"]).text  # no complaint: masked a year after it was posted
    assert (report.complaints_masked, report.mentions_masked) == (1, 2)
    again = enforce_retention(stored, clock() + year + timedelta(days=1), raw_days=None, text_days=365)
    assert again.total == 0
    assert stored.read(lambda s: s.exec(select(EventRow).where(EventRow.kind == "retention")).all())


def test_a_run_is_bounded_and_the_next_run_continues(stored, clock):
    later = clock() + timedelta(days=31)
    first = enforce_retention(stored, later, raw_days=30, text_days=None, batch=2, max_batches=1)
    assert first.raw_emptied == 2 and first.more
    second = enforce_retention(stored, later, raw_days=30, text_days=None, batch=2, max_batches=5)
    assert second.raw_emptied == 2 and not second.more


def test_forgotten_rows_are_left_alone(stored, clock):
    forget_tweet(stored, TWEETS[0]["id"], clock(), "officer:budi")
    finish(stored, TWEETS[0]["id"], "rejected", clock())
    report = enforce_retention(stored, clock() + timedelta(days=400), raw_days=None, text_days=365)
    assert complaint_of(stored, TWEETS[0]["id"]).text == FORGOTTEN_TEXT and report.complaints_masked == 0


@pytest.mark.parametrize("days", [{"raw_days": 0}, {"text_days": -1}])
def test_retention_needs_at_least_one_day(store, clock, days):
    with pytest.raises(ValueError):
        enforce_retention(store, clock(), **days)
