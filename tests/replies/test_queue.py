"""The queue job over a real store: opt-outs, follow-ups, the acknowledgement link setting."""

from __future__ import annotations

import pytest
import responses
from sqlmodel import select

from ingest.link import COMPLAINT_KINDS
from ingest.poll import PollConfig, poll_once
from ingest.store.followups import StatusChangeError, change_status, followups_of
from ingest.store.models import ComplaintRow, MentionRow, OptOutRow
from ingest.store.outbox import mention_row, opt_outs, record_opt_out, remove_opt_out
from replies.compose import ComposeOptions
from replies.post import send_replies
from replies import queue as queue_module
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, page, tweet
from tests.replies.helpers import COMPLAINT, CONFIG, MENTIONS_URL, URL, ingest, posts, replies, x_accepts

CITIZEN = "88"


def complaint(store, tweet_id):
    return store.read(lambda s: s.exec(select(ComplaintRow).where(ComplaintRow.first_tweet_id == tweet_id)).one())


def test_stop_cancels_what_is_unsent_and_silences_the_author_until_an_officer_undoes_it(api, x, store, clock):
    first = tweet("2126466096952201001", COMPLAINT, author_id=CITIZEN, created_at="2026-11-28T00:40:00.000Z")
    stop = tweet("2126466096952201002", "@lapor1708 stop", author_id=CITIZEN, created_at="2026-11-28T00:41:00.000Z")
    report = ingest(api, x, store, clock, [stop, first])
    assert report.opted_out == 1
    assert [r.status for r in replies(store)] == ["cancelled"]
    [row] = opt_outs(store)
    assert (row.author_id, row.tweet_id) == (CITIZEN, "2126466096952201002")
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    assert posts(api) == []
    later = tweet("2126466096952201003", "@lapor1708 got mampet di Jl. Veteran Padang", author_id=CITIZEN,
                  created_at="2026-11-28T00:50:00.000Z")
    assert ingest(api, x, store, clock, [later, stop, first]).queued == 0
    assert remove_opt_out(store, "88", clock()) is not None
    assert store.read(lambda s: s.get(OptOutRow, CITIZEN)) is None
    again = tweet("2126466096952201004", "@lapor1708 lampu jalan mati di Jl. Veteran", author_id=CITIZEN,
                  created_at="2026-11-28T00:55:00.000Z")
    assert ingest(api, x, store, clock, [again, later, stop, first]).queued == 1


def test_an_opt_out_between_queueing_and_sending_cancels_at_send_time(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952201101", COMPLAINT, author_id=CITIZEN)])
    with store.session() as session:
        record_opt_out(session, CITIZEN, "warga", None, clock())
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    assert posts(api) == [] and replies(store)[0].status == "cancelled"


def test_status_changes_follow_up_under_our_own_reply_once_each(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952201201", COMPLAINT, author_id=CITIZEN, entities={"mentions": [
        {"start": 0, "end": 10, "username": "lapor1708", "id": ACCOUNT_ID},
        {"start": 11, "end": 20, "username": "tetangga", "id": "555"}]})])
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    number = complaint(store, "2126466096952201201").tracking_number
    change_status(store, number, "verified", clock(), announce=True)
    change_status(store, number, "forwarded", clock(), announce=True, agency="Dinas PUPR Kota Padang")
    assert queue_replies(store, clock, CONFIG).followups == 1  # the second waits for the first to be posted
    send_replies(x, store, clock, dry_run=False)
    assert queue_replies(store, clock, CONFIG).followups == 1
    send_replies(x, store, clock, dry_run=False)
    ack, verified, forwarded = replies(store)
    assert verified.in_reply_to_tweet_id == ack.posted_tweet_id
    assert forwarded.in_reply_to_tweet_id == verified.posted_tweet_id
    assert number in verified.text and URL.format(tracking_number=number) in verified.text
    assert "Dinas PUPR Kota Padang" in forwarded.text
    assert [p["reply"]["exclude_reply_user_ids"] for p in posts(api)] == [["555"]] * 3
    # The same status again, or an unknown one, is refused; a status can be announced once only.
    with pytest.raises(StatusChangeError, match="already forwarded"):
        change_status(store, number, "forwarded", clock(), announce=True)
    with pytest.raises(StatusChangeError, match="unknown status"):
        change_status(store, number, "done", clock(), announce=True)
    change_status(store, number, "verified", clock(), announce=True)
    assert queue_replies(store, clock, CONFIG).followups == 0
    assert [f.state for f in followups_of(store, complaint(store, "2126466096952201201").id)] == ["queued", "queued"]


def test_without_the_ack_link_the_first_follow_up_brings_it(api, x, store, clock):
    config = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions(URL, ack_link=False))
    ingest(api, x, store, clock, [tweet("2126466096952201301", COMPLAINT)], config=config)
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    number = complaint(store, "2126466096952201301").tracking_number
    change_status(store, number, "verified", clock(), announce=True)
    queue_replies(store, clock, config)
    send_replies(x, store, clock, dry_run=False)
    ack, followup = (p["text"] for p in posts(api))
    assert "http" not in ack and number in ack
    assert URL.format(tracking_number=number) in followup


def test_follow_ups_are_skipped_when_there_is_no_public_thread_and_composed_in_dry_runs(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952201401", COMPLAINT, reply_settings="following", author_id="1"),
                                  tweet("2126466096952201402", COMPLAINT + " juga", author_id="2")])
    dry = QueueConfig(account_id=ACCOUNT_ID, compose=CONFIG.compose, dry_run=True)
    send_replies(x, store, clock, dry_run=True)
    for tweet_id in ("2126466096952201401", "2126466096952201402"):
        change_status(store, complaint(store, tweet_id).tracking_number, "verified", clock(), announce=True)
    queue_replies(store, clock, dry)
    [skipped] = followups_of(store, complaint(store, "2126466096952201401").id)
    [dry_run] = followups_of(store, complaint(store, "2126466096952201402").id)
    assert skipped.state == "skipped" and "skipped" in skipped.reason
    assert dry_run.state == "dry_run" and complaint(store, "2126466096952201402").tracking_number in dry_run.text
    assert posts(api) == []


def test_two_queue_runs_never_queue_a_reply_twice(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952201501", COMPLAINT)])
    with store.session() as session:  # make the mention undecided again, as a racing worker would see it
        session.get(MentionRow, "2126466096952201501").reply_state = "pending"
    report = queue_replies(store, clock, CONFIG)
    assert report.queued == 0 and len(replies(store)) == 1
    assert mention_row(store, "2126466096952201501").reply_state == "skipped"


def test_a_mention_another_worker_settles_meanwhile_keeps_its_decision_and_the_rest_are_queued(
    api, x, store, clock, monkeypatch
):
    texts = ("lampu jalan di Gang Melati Kota Padang mati sejak Senin",
             "sampah menumpuk di pasar Lubuk Buaya tidak diangkut seminggu",
             "air PDAM di Kec. Kuranji tidak mengalir tiga hari")
    tweets = [tweet(str(2126466096952201801 + n), f"@lapor1708 {text}", author_id=str(81 + n))
              for n, text in enumerate(texts)]
    api.upsert(responses.GET, MENTIONS_URL, json=page(tweets))
    poll_once(x, store, clock, PollConfig(account="lapor1708"))
    taken = tweets[1]["id"]
    real = queue_module.mentions_awaiting_reply

    def read_then_race(store_):
        rows = real(store_)
        with store_.session() as session:  # another worker settles one of them after our read
            row = session.get(MentionRow, taken)
            if row is not None and row.reply_state == "pending":
                row.reply_state, row.reply_reason = "skipped", "settled by the other worker"
        return rows

    monkeypatch.setattr(queue_module, "mentions_awaiting_reply", read_then_race)
    report = queue_replies(store, clock, CONFIG)
    assert report.queued == 2
    assert sorted(r.in_reply_to_tweet_id for r in replies(store)) == sorted(t["id"] for t in tweets if t["id"] != taken)
    assert mention_row(store, taken).reply_reason == "settled by the other worker"


def test_questions_open_complaints_only_when_configured(api, x, store, clock):
    question = tweet("2126466096952201601", "@lapor1708 bagaimana cara mengurus akta kelahiran anak?")
    api.upsert(responses.GET, MENTIONS_URL, json=page([question]))
    config = PollConfig(account="lapor1708", complaint_kinds=COMPLAINT_KINDS | {"permintaan_informasi"})
    poll_once(x, store, clock, config)
    assert queue_replies(store, clock, CONFIG).queued == 1
    [reply] = replies(store)
    assert reply.purpose == "acknowledgement" and complaint(store, question["id"]).tracking_number in reply.text


def test_a_related_complaint_of_another_citizen_gets_its_own_acknowledgement(api, x, store, clock):
    text = "@lapor1708 lampu jalan di Gang Kenanga RT 03 Kel. Air Tawar Padang mati sudah seminggu"
    report = ingest(api, x, store, clock, [tweet("2126466096952201702", text + " min", author_id="72"),
                                           tweet("2126466096952201701", text, author_id="71")])
    assert report.queued == 2
    numbers = [complaint(store, t).tracking_number for t in ("2126466096952201701", "2126466096952201702")]
    assert [r.in_reply_to_tweet_id for r in replies(store)] == ["2126466096952201701", "2126466096952201702"]
    assert all(number in reply.text for number, reply in zip(numbers, replies(store)))
