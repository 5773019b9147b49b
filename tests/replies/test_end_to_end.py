"""Replies end to end: the sandbox over real HTTP, real tweepy, a real SQLite file, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.sandbox import Sandbox
from bot.settings import load_settings
from bot.wiring import build_bot, utc_now
from ingest.personal_data import find_personal_data
from ingest.store.models import ComplaintRow, MentionRow, ReplyRow
from ingest.store.store import open_store
from replies.post import send_replies
from tests.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[2]
DUPLICATE = {"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank",
             "title": "Forbidden", "status": 403}
NOT_MENTIONED = {"detail": "Reply to this conversation is not allowed because you have not been mentioned or "
                           "otherwise engaged by the author of the post you are replying to.",
                 "type": "about:blank", "title": "Forbidden", "status": 403}
TOO_LONG = {"errors": [{"message": "Your Tweet text is too long."}], "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"}


def bot_for(sandbox, db_url, **env):
    settings = load_settings({"X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url, **env})
    return build_bot(settings)


def rows(store, model, *where):
    return store.read(lambda s: list(s.exec(select(model).where(*where))))


def targets(sandbox):
    return [p["in_reply_to_tweet_id"] for p in sandbox.posts]


def slow_posts(sandbox, seconds):
    """Make the sandbox answer POST /2/tweets late, after it has recorded the post."""
    real = sandbox.handle

    def handle(request):
        answer = real(request)
        if request.method == "POST":
            time.sleep(seconds)
        return answer

    sandbox.handle = handle


def test_a_mixed_batch_gets_exactly_the_replies_it_should_once(db_url):
    with Sandbox() as sandbox:
        complaint_author = "ferdi_lubukbasung"  # his PJU complaint is in the samples
        stop = sandbox.add_mention("@lapor1708 stop", author=complaint_author)
        nik_question = sandbox.add_mention("@lapor1708 kapan KTP saya jadi? NIK 1371015203880001 hp 0812 7788 9900",
                                           author="tanya_ktp")
        bot = bot_for(sandbox, db_url, LAPOR_THANKS_REPLIES="true")
        try:
            bot.poll()
            bot.send()
            store = bot.store
            posted = {r.in_reply_to_tweet_id: r for r in rows(store, ReplyRow, ReplyRow.status == "posted")}
            # Exactly one post per reply row, and never two to one tweet.
            assert sorted(targets(sandbox)) == sorted(posted)
            never = {sandbox.sample_id(key) for key in ("own_account", "spam_slot_gacor", "retweet_banjir",
                                                         "old_pju_bukittinggi", "reply_settings_following",
                                                         "thread_lanjut_1", "thread_lanjut_2", "pju_agam")} | {stop}
            assert not never & set(targets(sandbox))
            # Every answerable complaint was acknowledged under its own tweet, with its number.
            for complaint in rows(store, ComplaintRow):
                if complaint.acknowledgement == "posted":
                    assert complaint.tracking_number in posted[complaint.first_tweet_id].text
            ack_of_stopper = rows(store, ReplyRow, ReplyRow.in_reply_to_tweet_id == sandbox.sample_id("pju_agam"))
            assert [r.status for r in ack_of_stopper] == ["cancelled"]
            assert posted[sandbox.sample_id("terima_kasih")].purpose == "thanks"
            # The author who tweeted the same broken traffic light again is told its number.
            notice = posted[sandbox.sample_id("lampu_lalin_mati_ulang")]
            original = next(c for c in rows(store, ComplaintRow) if c.first_tweet_id == sandbox.sample_id("lampu_lalin_mati"))
            assert notice.purpose == "repeat_notice" and original.tracking_number in notice.text
            assert posted[nik_question].purpose == "personal_data_warning"
            assert posted[sandbox.sample_id("tourist_english")].language == "en"
            # No reply repeats personal data found in any mention.
            secrets = {m.text[s.start:s.end] for m in rows(store, MentionRow) for s in find_personal_data(m.text)}
            assert secrets
            for post in sandbox.posts:
                assert not any(secret in post["text"] for secret in secrets)
            # Running again, polling again: nothing new is posted.
            count = len(sandbox.posts)
            bot.send()
            bot.poll()
            bot.send()
            assert len(sandbox.posts) == count
        finally:
            bot.close()


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        ("not_mentioned", "failed", "did not mention us"),
        ("deleted", "failed", "deleted or is not visible"),
        ("too_long", "failed", "280 weighted characters"),
        ("duplicate_first_attempt", "failed", "first attempt"),
        ("server_error_then_ok", "posted", None),
        ("connection_reset_then_ok", "posted", None),
        ("rate_limited", "queued", "rate limit"),
        ("daily_cap", "posted", None),  # the last post the cap allows; the rest wait for its reset
    ],
)
def test_every_x_outcome_ends_in_its_recorded_state(db_url, fault, status, error):
    limits = {"create_user_24h": 1} if fault == "daily_cap" else None
    with Sandbox(samples=False, rate_limits=limits) as sandbox:
        tweet_id = sandbox.add_mention("Jalan berlubang di depan SDN 05 Padang sudah sebulan, bahaya untuk anak",
                                       author="rina")
        other = sandbox.add_mention("Lampu jalan di Jl. Veteran Padang mati semua sejak Senin", author="budi")
        bot = bot_for(sandbox, db_url)
        try:
            bot.poll()
            _script(sandbox, fault, tweet_id)
            bot.send()
            if fault.endswith("_then_ok"):
                _later_send(bot, minutes=30)
            [reply] = rows(bot.store, ReplyRow, ReplyRow.in_reply_to_tweet_id == tweet_id)
            assert reply.status == status
            if error:
                assert error in (reply.last_error or "")
            assert targets(sandbox).count(tweet_id) == (1 if status == "posted" else 0)
            if fault in ("rate_limited", "daily_cap"):
                assert bot.store.get_state("pause.create") is not None
                assert other not in targets(sandbox)
                [waiting] = rows(bot.store, ReplyRow, ReplyRow.in_reply_to_tweet_id == other)
                assert waiting.status == "queued"
        finally:
            bot.close()


def _script(sandbox, fault, tweet_id):
    if fault == "not_mentioned":
        sandbox.script_fault("/2/tweets", 403, body=NOT_MENTIONED)
    elif fault == "deleted":
        sandbox.delete_tweet(tweet_id)
    elif fault == "too_long":
        sandbox.script_fault("/2/tweets", 400, body=TOO_LONG)
    elif fault == "duplicate_first_attempt":
        sandbox.script_fault("/2/tweets", 403, body=DUPLICATE)
    elif fault == "server_error_then_ok":
        sandbox.script_fault("/2/tweets", 503, times=1)
    elif fault == "connection_reset_then_ok":
        sandbox.script_fault("/2/tweets", 0, times=1)
    elif fault == "rate_limited":
        sandbox.script_rate_limit("/2/tweets", reset_in=600)


def _later_send(bot, minutes):
    clock = FakeClock(utc_now() + timedelta(minutes=minutes))
    send_replies(bot.x, bot.store, clock, dry_run=False, jitter=lambda: 0.0)


def _env(tmp_path, sandbox, db_url):
    return {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
            "X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url, "LAPOR_LOG_LEVEL": "WARNING"}


def test_a_bot_killed_mid_send_and_restarted_posts_nothing_twice(tmp_path, db_url):
    with Sandbox(samples=False) as sandbox:
        for n in range(12):
            sandbox.add_mention(f"Jalan rusak parah di gang {n} Kel. Lubuk Buaya Padang, mohon diperbaiki",
                                author=f"warga_{n}")
        slow_posts(sandbox, 0.3)
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--once"], cwd=tmp_path,
                                env=_env(tmp_path, sandbox, db_url), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while len(sandbox.posts) < 4 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            # The post just recorded is waiting for its answer: the worst moment to die.
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
        killed_at = len(sandbox.posts)
        assert 4 <= killed_at < 12
        store = open_store(db_url)
        try:
            in_doubt = rows(store, ReplyRow, ReplyRow.status == "sending")
            assert len(in_doubt) == 1  # X has it, we never heard
            sandbox.handle = Sandbox.handle.__get__(sandbox)
            clock = FakeClock(utc_now() + timedelta(minutes=6))  # past the sending lease
            x = bot_for(sandbox, db_url).x
            send_replies(x, store, clock, dry_run=False)
            replies = rows(store, ReplyRow)
            assert {r.status for r in replies} == {"posted"} and len(replies) == 12
            assert len(sandbox.posts) == 12 and len(set(targets(sandbox))) == 12
            [doubted] = [r for r in replies if r.id == in_doubt[0].id]
            assert "earlier attempt" in doubted.last_error
        finally:
            store.close()


def test_two_bot_processes_sending_from_one_sqlite_file_never_post_a_reply_twice(tmp_path, db_url):
    with Sandbox(samples=False) as sandbox:
        for n in range(40):
            sandbox.add_mention(f"Got mampet dan banjir kecil di gang {n} Kel. Air Tawar Padang, mohon dibersihkan",
                                author=f"warga_{n}")
        bot = bot_for(sandbox, db_url)
        try:
            bot.poll()
        finally:
            bot.close()
        slow_posts(sandbox, 0.05)  # long enough for both processes to be sending at once
        env = _env(tmp_path, sandbox, db_url)
        procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "replies", "send"], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [proc.communicate(timeout=120) for proc in procs]
        assert [proc.returncode for proc in procs] == [0, 0], outputs
        assert all("posted" in out for out, _ in outputs)
        posted_by = [int(out.split(":")[1].split()[0]) for out, _ in outputs]
        assert sum(posted_by) == 40 and min(posted_by) > 0, posted_by  # both worked, neither doubled
        assert len(sandbox.posts) == 40 and len(set(targets(sandbox))) == 40
        store = open_store(db_url)
        try:
            assert {r.status for r in rows(store, ReplyRow)} == {"posted"}
        finally:
            store.close()
