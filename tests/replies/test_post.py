"""The outbox over X's HTTP answers: post once per tweet, record every outcome X can return."""

from __future__ import annotations

import pytest
import requests
import responses
from sqlmodel import select

from ingest.store.models import ComplaintRow, UsageRow
from ingest.store.outbox import ReplyDraft, queue_reply
from replies.compose import ComposeOptions
from replies.post import MAX_ATTEMPTS, POSTS_PER_WINDOW, resume_posting, send_replies, stop_posting
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, sample, tweet
from tests.replies.helpers import COMPLAINT, CONFIG, TWEETS_URL, URL, ingest, posts, replies, x_accepts

def test_a_complaint_gets_one_acknowledgement_to_its_own_tweet(api, x, store, clock):
    mention = tweet("2126466096952200100", COMPLAINT, entities={"mentions": [
        {"start": 0, "end": 10, "username": "lapor1708", "id": ACCOUNT_ID},
        {"start": 11, "end": 20, "username": "tetangga", "id": "555"}]})
    assert ingest(api, x, store, clock, [mention]).queued == 1
    x_accepts(api)
    report = send_replies(x, store, clock, dry_run=False)
    assert report.posted == 1
    body = posts(api)[0]
    assert body["reply"] == {"in_reply_to_tweet_id": "2126466096952200100", "exclude_reply_user_ids": ["555"]}
    assert "LPR-2611-00001" in body["text"] and "/status/LPR-2611-00001" in body["text"]
    [reply] = replies(store)
    assert reply.status == "posted" and reply.posted_tweet_id and reply.has_link
    complaint = store.read(lambda s: s.exec(select(ComplaintRow)).one())
    assert complaint.acknowledgement == "posted"
    # Later ticks post nothing more.
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    assert queue_replies(store, clock, CONFIG).queued == 0
    assert len(posts(api)) == 1


def test_questions_get_an_answer_spam_and_own_posts_nothing(api, x, store, clock):
    tweets = [
        tweet("2126466096952200103", "@lapor1708 slot gacor hari ini maxwin, daftar sekarang bit.ly/x", author_id="31"),
        tweet("2126466096952200102", "@lapor1708 bagaimana cara cek status laporan?", author_id="32"),
        tweet("2126466096952200101", "@lapor1708 jalan rusak di depan kantor", author_id=ACCOUNT_ID),
    ]
    report = ingest(api, x, store, clock, tweets)
    assert (report.queued, report.skipped) == (1, 2)
    [answer] = replies(store)
    assert answer.in_reply_to_tweet_id == "2126466096952200102" and answer.purpose == "information"
    assert answer.complaint_id is None and "Ref: " in answer.text


def test_reply_settings_that_exclude_us_skip_the_acknowledgement(api, x, store, clock):
    closed = tweet("2126466096952200104", COMPLAINT, reply_settings="following")
    assert ingest(api, x, store, clock, [closed]).queued == 0
    complaint = store.read(lambda s: s.exec(select(ComplaintRow)).one())
    assert complaint.acknowledgement == "skipped" and "reply settings" in complaint.acknowledgement_reason


def test_the_outbox_refuses_a_second_reply_to_the_same_tweet(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200105", COMPLAINT)])
    draft = ReplyDraft("2126466096952200105", "2244994945", "acknowledgement", "id", "another text", False, ())
    assert queue_reply(store, draft, clock()) is None
    assert len(replies(store)) == 1


def test_duplicate_content_on_a_first_attempt_is_a_failure_not_a_post(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200106", COMPLAINT)])
    api.post(TWEETS_URL, status=403, json=sample("problem_403_duplicate"))
    report = send_replies(x, store, clock, dry_run=False)
    assert (report.posted, report.failed) == (0, 1)
    [reply] = replies(store)
    assert reply.status == "failed" and "first attempt" in reply.last_error


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (403, sample("problem_403_not_mentioned"), "did not mention us"),
        (403, {"detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
               "type": "about:blank", "title": "Forbidden", "status": 403}, "deleted or is not visible"),
        (400, {"errors": [{"message": "Your Tweet text is too long."}], "title": "Invalid Request",
               "detail": "One or more parameters to your request was invalid.",
               "type": "https://api.twitter.com/2/problems/invalid-request"}, "280 weighted characters"),
    ],
)
def test_refusals_fail_for_good_with_the_reason_and_are_not_retried(api, x, store, clock, status, body, words):
    ingest(api, x, store, clock, [tweet("2126466096952200107", COMPLAINT)])
    api.post(TWEETS_URL, status=status, json=body)
    assert send_replies(x, store, clock, dry_run=False).failed == 1
    [reply] = replies(store)
    assert reply.status == "failed" and words in reply.last_error
    clock.advance(hours=1)
    send_replies(x, store, clock, dry_run=False)
    assert len(posts(api)) == 1


def test_server_error_requeues_and_retries_later(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200108", COMPLAINT)])
    api.post(TWEETS_URL, status=503, json=sample("problem_503"))
    report = send_replies(x, store, clock, dry_run=False, jitter=lambda: 0.0)
    assert report.status == "unavailable" and replies(store)[0].status == "queued"
    assert replies(store)[0].in_doubt  # a 503 may still have posted it
    assert send_replies(x, store, clock, dry_run=False).status == "paused"
    clock.advance(minutes=2)
    api.remove(responses.POST, TWEETS_URL)
    x_accepts(api)
    assert send_replies(x, store, clock, dry_run=False).posted == 1
    assert replies(store)[0].attempts == 2


def test_server_errors_are_retried_a_bounded_number_of_times(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200115", COMPLAINT)])
    api.post(TWEETS_URL, status=500, json={"title": "Internal Server Error", "status": 500})
    for _ in range(MAX_ATTEMPTS * 3):
        send_replies(x, store, clock, dry_run=False, jitter=lambda: 0.0)
        clock.advance(minutes=20)
    [reply] = replies(store)
    assert reply.status == "failed" and f"gave up after {MAX_ATTEMPTS} attempts" in reply.last_error
    assert len(posts(api)) == MAX_ATTEMPTS


def test_timeout_then_duplicate_proves_the_first_try_landed(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200109", COMPLAINT)])
    api.post(TWEETS_URL, body=requests.ReadTimeout("no answer"))
    send_replies(x, store, clock, dry_run=False, jitter=lambda: 0.0)
    clock.advance(minutes=2)
    api.replace(responses.POST, TWEETS_URL, status=403, json=sample("problem_403_duplicate"))
    send_replies(x, store, clock, dry_run=False)
    [reply] = replies(store)
    assert reply.status == "posted" and "earlier attempt" in reply.last_error
    texts = {p["text"] for p in posts(api)}
    assert len(texts) == 1  # the retry sent the very same text


def test_rate_limit_on_posting_pauses_the_sender_until_the_reset(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200110", COMPLAINT, author_id="41"),
                                  tweet("2126466096952200111", COMPLAINT + " lagi", author_id="42")])
    reset = int(clock().timestamp()) + 600
    api.post(TWEETS_URL, status=429, json=sample("problem_429"), headers={"x-rate-limit-reset": str(reset)})
    report = send_replies(x, store, clock, dry_run=False)
    assert report.status == "rate_limited" and len(posts(api)) == 1
    assert {r.status for r in replies(store)} == {"queued"}
    assert not any(r.in_doubt for r in replies(store))  # a 429 posted nothing
    clock.advance(minutes=5)
    assert send_replies(x, store, clock, dry_run=False).status == "paused"
    clock.advance(minutes=6)
    api.remove(responses.POST, TWEETS_URL)
    x_accepts(api)
    assert send_replies(x, store, clock, dry_run=False).posted == 2


def test_a_spent_24_hour_cap_on_a_429_pauses_posting_until_its_reset(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200116", COMPLAINT)])
    day_reset = int(clock().timestamp()) + 20 * 3600
    api.post(TWEETS_URL, status=429, json=sample("problem_429"), headers={
        "x-rate-limit-remaining": "40", "x-rate-limit-reset": str(int(clock().timestamp()) + 300),
        "x-user-limit-24hour-limit": "100", "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(day_reset)})
    report = send_replies(x, store, clock, dry_run=False)
    assert report.status == "daily_cap"
    clock.advance(hours=19)
    assert send_replies(x, store, clock, dry_run=False).status == "paused"
    clock.advance(hours=1, seconds=2)
    api.remove(responses.POST, TWEETS_URL)
    x_accepts(api)
    assert send_replies(x, store, clock, dry_run=False).posted == 1


def test_the_last_post_of_the_24_hour_cap_pauses_posting_before_x_refuses(api, x, store, clock):
    ingest(api, x, store, clock, [tweet(f"21264660969522002{n:02d}", f"{COMPLAINT} {n}", author_id=f"5{n}")
                                  for n in range(3, 0, -1)])
    day_reset = int(clock().timestamp()) + 3 * 3600
    x_accepts(api, headers={"x-app-limit-24hour-remaining": "0", "x-app-limit-24hour-reset": str(day_reset),
                            "x-user-limit-24hour-remaining": "50"})
    report = send_replies(x, store, clock, dry_run=False)
    assert (report.posted, report.status) == (1, "daily_cap")
    assert send_replies(x, store, clock, dry_run=False).status == "paused"
    assert len(posts(api)) == 1


def test_crash_mid_post_is_retried_only_after_the_lease(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200112", COMPLAINT)])
    [reply] = replies(store)
    assert store.claim_reply(reply.id, clock())  # the process died right after this
    x_accepts(api)
    clock.advance(minutes=1)
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    clock.advance(minutes=5)
    send_replies(x, store, clock, dry_run=False)
    [reply] = replies(store)
    assert reply.status == "posted" and reply.in_doubt and len(posts(api)) == 1


def test_dry_run_composes_and_stores_but_never_posts(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200113", COMPLAINT)])
    report = send_replies(x, store, clock, dry_run=True)
    assert report.dry_run == 1 and posts(api) == []
    [reply] = replies(store)
    assert reply.status == "dry_run" and "LPR-2611-00001" in reply.text


def test_posting_stays_within_the_window_budget(api, x, store, clock):
    tweets = [tweet(f"21264660969522{n:05d}", f"{COMPLAINT} nomor {n}", author_id=f"9{n}")
              for n in range(POSTS_PER_WINDOW + 5, 0, -1)]
    ingest(api, x, store, clock, tweets)
    x_accepts(api)
    assert send_replies(x, store, clock, dry_run=False).posted == POSTS_PER_WINDOW
    assert send_replies(x, store, clock, dry_run=False).posted == 0
    clock.advance(minutes=16)
    assert send_replies(x, store, clock, dry_run=False).posted == 5


@pytest.mark.parametrize(
    "text",
    [
        "@lapor1708 KTP saya belum jadi, NIK 3171012345678901 hp 0812-3456-7890 tolong dibantu",
        "@lapor1708 jalan rusak depan rumah, hubungi saya di +62 812 3456 7890 atau budi.s@example.com",
        "@lapor1708 kapan KK saya jadi? NIK 3171 0123 4567 8901",
    ],
)
def test_personal_data_is_never_echoed(api, x, store, clock, text):
    ingest(api, x, store, clock, [tweet("2126466096952200114", text)])
    [reply] = replies(store)
    digits = "".join(ch for ch in reply.text if ch.isdigit())
    for secret in ("3171012345678901", "81234567890", "budi.s@example.com", "0123"):
        assert secret not in reply.text and secret not in digits
    assert "data pribadi" in reply.text


def test_an_author_gets_at_most_the_daily_number_of_replies(api, x, store, clock):
    tweets = [tweet(f"21264660969522005{n:02d}", f"@lapor1708 lampu jalan mati di gang {n} Padang", author_id="77")
              for n in range(5, 0, -1)]
    report = ingest(api, x, store, clock, tweets)
    assert (report.queued, report.skipped) == (3, 2)
    skipped = store.read(lambda s: list(s.exec(select(ComplaintRow).where(ComplaintRow.acknowledgement == "skipped"))))
    assert len(skipped) == 2 and all("limit 3" in c.acknowledgement_reason for c in skipped)
    clock.advance(hours=25)
    later = ingest(api, x, store, clock, [tweet("2126466096952200600", "@lapor1708 got mampet di gang 9", author_id="77")])
    assert later.queued == 1


def test_operator_stop_and_the_posting_setting_keep_replies_queued(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200700", COMPLAINT)])
    x_accepts(api)
    assert send_replies(x, store, clock, dry_run=False, posting_enabled=False).status == "stopped"
    stop_posting(store, "wrong texts being sent", clock())
    report = send_replies(x, store, clock, dry_run=False)
    assert report.status == "stopped" and "wrong texts" in report.message
    assert posts(api) == [] and replies(store)[0].status == "queued"
    resume_posting(store, clock())
    assert send_replies(x, store, clock, dry_run=False).posted == 1


def test_posts_and_reads_are_counted_for_the_spend_estimate(api, x, store, clock):
    ingest(api, x, store, clock, [tweet("2126466096952200801", COMPLAINT, author_id="61"),
                                  tweet("2126466096952200800", "@lapor1708 mau tanya syarat bikin KTP?", author_id="62")])
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    [usage] = store.read(lambda s: list(s.exec(select(UsageRow))))
    # Both carry a link: the follow-up URL, and lapor.go.id in the answer (a bare domain is a link).
    assert (usage.reads, usage.posts_with_link, usage.posts) == (2, 2, 0)


def test_without_the_ack_link_posts_are_counted_at_the_plain_price(api, x, store, clock):
    no_link = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions(URL, ack_link=False))
    ingest(api, x, store, clock, [tweet("2126466096952200801", COMPLAINT, author_id="61"),
                                  tweet("2126466096952200800", "@lapor1708 mau tanya syarat bikin KTP?", author_id="62")],
           config=no_link)
    x_accepts(api)
    send_replies(x, store, clock, dry_run=False)
    [usage] = store.read(lambda s: list(s.exec(select(UsageRow))))
    assert (usage.posts_with_link, usage.posts) == (0, 2)
