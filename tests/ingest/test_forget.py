"""Forgetting a person on request: their tweets and personal data leave every table, the statistics stay."""

from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import String, Text, func, or_, select as sa_select
from sqlmodel import SQLModel, select

from ingest.poll import PollConfig, poll_once
from ingest.sla import SlaSettings
from ingest.store.forget import (
    FORGOTTEN_TEXT,
    NO_AUTHOR,
    ForgetError,
    forget_tweet,
    forget_user,
    forgotten_among,
    redact,
)
from ingest.store.models import (
    AuditRow,
    ComplaintRow,
    EventRow,
    LabelRow,
    MentionRow,
    NearDuplicateBandRow,
    NearDuplicateTextRow,
    OptOutRow,
    ReplyRow,
)
from ingest.store.stats import fetch_stats
from ingest.workdays import WorkCalendar
from ingest.x_client import XClient
from replies.compose import ComposeOptions
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, X_BASE, page, sample, tweet

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
ANI = "1000000501"  # page() names her @warga0501
HANDLE = "warga0501"
NIK, PHONE = "1371015203880000", "0812-3456-7890"
ROOT_TEXT = (f"@lapor1708 Jembatan gantung di Jorong Padang Tarok Kab. Agam rusak parah, papan lapuk. NIK saya {NIK}, "
             f"hubungi {PHONE}")
ROOT = tweet("2126466096952209801", ROOT_TEXT, author_id=ANI, created_at="2026-11-28T00:00:00.000Z")
EDITED = tweet("2126466096952209802", ROOT_TEXT + " (update: dua papan patah)", author_id=ANI,
               created_at="2026-11-28T00:05:00.000Z", edit_history_tweet_ids=[ROOT["id"], "2126466096952209802"])
THREAD = tweet("2126466096952209803", "@lapor1708 anak sekolah tiap hari lewat jembatan ini sambil pegangan tali",
               author_id=ANI, created_at="2026-11-28T00:20:00.000Z", conversation_id=ROOT["id"],
               in_reply_to_user_id=ANI, referenced_tweets=[{"type": "replied_to", "id": ROOT["id"]}])
RETWEET = tweet("2126466096952209804", f"RT @{HANDLE}: " + ROOT_TEXT, author_id="1000000502",
                created_at="2026-11-28T00:30:00.000Z", referenced_tweets=[{"type": "retweeted", "id": ROOT["id"]}])
REPLY = tweet("2126466096952209805", f"@{HANDLE} @lapor1708 Betul, kemarin ada murid terperosok di jembatan itu",
              author_id="1000000503", created_at="2026-11-28T00:40:00.000Z", conversation_id=ROOT["id"],
              in_reply_to_user_id=ANI, referenced_tweets=[{"type": "replied_to", "id": ROOT["id"]}])
OTHER = tweet("2126466096952209806", "@lapor1708 Sampah di TPS Jl. Veteran Padang belum diangkut lima hari, bau sekali",
              author_id="1000000504", created_at="2026-11-28T00:50:00.000Z")
ALL = [OTHER, REPLY, RETWEET, THREAD, EDITED, ROOT]  # newest first, as X pages them


@pytest.fixture
def x():
    return XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")


def poll(x, store, clock, tweets):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
        api.get(MENTIONS_URL, json=page(tweets))
        return poll_once(x, store, clock, PollConfig(account="lapor1708"))


@pytest.fixture
def stored(x, store, clock):
    """The thread above stored and its replies queued (nothing posted)."""
    poll(x, store, clock, ALL)
    queue_replies(store, clock, QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}")))
    return store


def found_anywhere(store, *needles: str) -> list[tuple[str, str, str]]:
    """Return (table, column, value) of every text cell in the database holding one of the needles."""
    hits = []
    with store.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text):
                    continue
                match = or_(*(func.lower(column).contains(n.lower(), autoescape=True) for n in needles))
                hits += [(table.name, column.name, str(v)) for v in session.execute(sa_select(column).where(match)).scalars()]
    return hits


def the_complaint(store, tweet_id=ROOT["id"]):
    return store.read(lambda s: s.exec(select(ComplaintRow).where(ComplaintRow.first_tweet_id == tweet_id)).one())


def count(store, model, *where):
    return store.read(lambda s: s.execute(sa_select(func.count()).select_from(model).where(*where)).scalar_one())


def test_forgetting_a_user_leaves_no_handle_id_text_nik_or_phone_in_any_table(stored, clock):
    number = the_complaint(stored).tracking_number
    assert found_anywhere(stored, HANDLE, ANI, NIK, PHONE, "papan lapuk", "pegangan tali")  # before: everywhere

    report = forget_user(stored, f"@{HANDLE.upper()}", clock(), "officer:budi")

    assert found_anywhere(stored, HANDLE, ANI, NIK, PHONE, "papan lapuk", "pegangan tali") == []
    assert report.tracking_numbers == [number] and report.counts["mention"] >= 5
    complaint = the_complaint(stored)
    assert (complaint.text, complaint.author_id, complaint.author_username) == (FORGOTTEN_TEXT, NO_AUTHOR, None)
    assert complaint.category == "infrastruktur" and "forgotten" in json.loads(complaint.flags_json)
    assert count(stored, NearDuplicateBandRow, NearDuplicateBandRow.complaint_id == complaint.id) == 0
    # Other citizens keep their words, without her handle.
    reply = stored.read(lambda s: s.get(MentionRow, REPLY["id"]))
    assert reply.text.startswith("@[dihapus] @lapor1708 Betul") and reply.in_reply_to_user_id is None
    assert json.loads(reply.raw_json)["id"] == REPLY["id"]  # still a readable tweet
    assert stored.read(lambda s: s.get(MentionRow, OTHER["id"])).text == OTHER["text"]


def test_a_forgotten_complaint_still_counts_in_the_statistics(stored, clock):
    before = fetch_stats(stored, SlaSettings(), WorkCalendar(), clock())
    forget_user(stored, HANDLE, clock(), "officer:budi")
    after = fetch_stats(stored, SlaSettings(), WorkCalendar(), clock())
    assert (after.total, after.by_category, after.by_kind) == (before.total, before.by_category, before.by_kind)


def test_forgetting_is_logged_without_personal_data_and_a_second_run_changes_nothing(stored, clock):
    first = forget_user(stored, HANDLE, clock(), "officer:budi")
    second = forget_user(stored, HANDLE, clock(), "officer:budi")
    by_id = forget_user(stored, ANI, clock(), "officer:budi")
    assert first.total > 0 and second.total == 0 and by_id.total == 0
    logs = stored.read(lambda s: s.exec(select(AuditRow).where(AuditRow.action == "forget",
                                                               AuditRow.complaint_id.is_(None))).all())
    assert [(a.actor, a.field) for a in logs] == [("officer:budi", "user")] * 3
    assert logs[0].reason == first.summary() and logs[1].reason == "nothing left to remove"
    events = stored.read(lambda s: s.exec(select(EventRow).where(EventRow.kind == "forgotten")).all())
    assert len(events) == 3 and all("officer:budi" in e.message for e in events)
    assert count(stored, AuditRow, AuditRow.action == "forget", AuditRow.complaint_id == the_complaint(stored).id) == 1


def test_replies_keep_their_tweet_id_lose_their_text_and_unsent_ones_are_cancelled(stored, clock):
    ack = stored.read(lambda s: s.exec(select(ReplyRow).where(ReplyRow.in_reply_to_tweet_id == ROOT["id"])).one())
    assert ack.status == "queued"
    forget_user(stored, HANDLE, clock(), "officer:budi")
    ack = stored.read(lambda s: s.get(ReplyRow, ack.id))
    assert (ack.in_reply_to_tweet_id, ack.text, ack.status, ack.author_id) == (ROOT["id"], "", "cancelled", None)


def test_forgotten_tweets_are_not_stored_again_when_polled_again(x, stored, clock):
    forget_user(stored, HANDLE, clock(), "officer:budi")
    mentions = count(stored, MentionRow)
    stored.set_cursor("mentions", "1", clock())  # as if a backfill read the same page again
    poll(x, stored, clock, ALL)
    assert count(stored, MentionRow) == mentions
    assert found_anywhere(stored, HANDLE, NIK, "papan lapuk") == []
    with stored.session() as session:  # a later edit of a forgotten tweet (see forgotten_among's call site)
        assert forgotten_among(session, ["2126466096952209999", ROOT["id"]]) == {ROOT["id"]}


def test_forgetting_one_tweet_forgets_its_edits_and_retweets_but_keeps_the_rest(stored, clock):
    report = forget_tweet(stored, ROOT["id"], clock(), "officer:budi")
    assert found_anywhere(stored, NIK, PHONE, "papan lapuk") == []
    gone = {t["id"]: stored.read(lambda s, t=t: s.get(MentionRow, t["id"])) for t in (ROOT, EDITED, RETWEET, THREAD)}
    assert [gone[t["id"]].text == FORGOTTEN_TEXT for t in (ROOT, EDITED, RETWEET, THREAD)] == [True, True, True, False]
    assert gone[RETWEET["id"]].author_id == RETWEET["author_id"]  # the retweeter is not the one forgotten
    assert the_complaint(stored).text == FORGOTTEN_TEXT and report.tracking_numbers
    assert forget_tweet(stored, EDITED["id"], clock(), "officer:budi").total == 0


def test_forgetting_a_continuation_cuts_it_out_of_a_complaint_that_stays(stored, clock):
    forget_tweet(stored, THREAD["id"], clock(), "officer:budi")
    complaint = the_complaint(stored)
    assert "pegangan tali" not in complaint.text and "Jembatan gantung" in complaint.text
    indexed = stored.read(lambda s: s.get(NearDuplicateTextRow, complaint.id))
    assert "pegangan" not in indexed.text and "jembatan" in indexed.text


def test_a_tweet_never_stored_gets_a_tombstone_so_no_poll_stores_it(x, store, clock):
    report = forget_tweet(store, ROOT["id"], clock(), "officer:budi")
    assert report.counts == {"mention": 1}
    poll(x, store, clock, [ROOT])
    row = store.read(lambda s: s.get(MentionRow, ROOT["id"]))
    assert (row.text, row.link, row.reply_state) == (FORGOTTEN_TEXT, "forgotten", "skipped")
    assert count(store, ComplaintRow) == 0


def test_an_opt_out_is_kept_without_the_username_and_labels_are_dropped(x, stored, clock):
    stop = tweet("2126466096952209807", "@lapor1708 berhenti", author_id=ANI, created_at="2026-11-28T01:00:00.000Z")
    poll(x, stored, clock, [stop])
    queue_replies(stored, clock, QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}")))
    complaint = the_complaint(stored)
    with stored.session() as session:
        session.add(LabelRow(complaint_id=complaint.id, tweet_id=ROOT["id"], field="category", previous="lainnya",
                             value="infrastruktur", actor="officer:budi", at=clock()))
    forget_user(stored, HANDLE, clock(), "officer:budi")
    opt_out = stored.read(lambda s: s.get(OptOutRow, ANI))
    assert opt_out is not None and opt_out.author_username is None
    assert count(stored, LabelRow) == 0


@pytest.mark.parametrize(
    ("text", "handles", "ids", "expected"),
    [
        ("@warga0501 @lapor1708 betul", ["warga0501"], [], "@[dihapus] @lapor1708 betul"),
        ("RT @Warga0501: jalan rusak", ["warga0501"], [], "RT @[dihapus]: jalan rusak"),
        ('{"username": "warga0501"}', ["warga0501"], [], '{"username": "[dihapus]"}'),
        ("@warga05012 is someone else", ["warga0501"], [], "@warga05012 is someone else"),
        ("@budi and budi the word", ["budi"], [], "@[dihapus] and budi the word"),  # short: only with @
        ('{"in_reply_to_user_id": "1000000501", "id": "21000000501"}', [], ["1000000501"],
         '{"in_reply_to_user_id": "0", "id": "21000000501"}'),
    ],
)
def test_redact_replaces_handles_and_ids_as_whole_tokens(text, handles, ids, expected):
    assert redact(text, handles, ids) == expected


@pytest.mark.parametrize("bad", ["", "12ab", "1" * 21])
def test_a_tweet_id_must_be_digits(store, clock, bad):
    with pytest.raises(ForgetError):
        forget_tweet(store, bad, clock(), "officer:budi")


@pytest.mark.parametrize("bad", ["@", "bad name", "@a-b"])
def test_a_user_must_be_a_handle_or_an_id(store, clock, bad):
    with pytest.raises(ForgetError):
        forget_user(store, bad, clock(), "officer:budi")


def test_a_later_edit_of_a_forgotten_tweet_is_not_stored(x, store, clock):
    poll(x, store, clock, [ROOT])
    forget_tweet(store, ROOT["id"], clock(), "officer:budi")
    poll(x, store, clock, [EDITED])
    assert store.read(lambda s: s.get(MentionRow, EDITED["id"])) is None
    assert the_complaint(store).text == FORGOTTEN_TEXT


def test_a_forgotten_complaint_gets_no_follow_up_on_a_status_change(store, clock):
    from ingest.store.followups import change_status, followups_of
    from ingest.store.forget import forget_tweet
    from ingest.store.models import ComplaintRow
    from replies.compose import ComposeOptions
    from replies.policy import ReplyPolicy
    from replies.queue import QueueConfig, queue_replies

    with store.session() as session:
        session.add(ComplaintRow(tracking_number="LPR-2611-00001", first_tweet_id="500", author_id="42", text="jalan",
                                 kind="pengaduan", category="infrastruktur", language="id", acknowledgement="posted",
                                 acknowledgement_reason="test", created_at=clock.now, updated_at=clock.now))
    forget_tweet(store, "500", clock.now, "officer:rina")
    change_status(store, "LPR-2611-00001", "verified", clock.now, announce=True)
    config = QueueConfig(account_id="1", compose=ComposeOptions(followup_url="https://x.example/{tracking_number}"),
                         policy=ReplyPolicy(), dry_run=False)
    queue_replies(store, clock, config)
    complaint = store.complaint("LPR-2611-00001")
    [followup] = followups_of(store, complaint.id)
    assert (followup.state, followup.reason) == ("skipped", "the author asked to be forgotten")
