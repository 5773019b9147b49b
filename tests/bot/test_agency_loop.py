"""The whole loop, end to end, over real servers on loopback.

mention (sandbox, real tweepy) → complaint → acknowledgement → an officer verifies (the CLI)
→ forwarded by e-mail (a real aiosmtpd server) and by signed webhook (a real HTTP receiver)
→ the agency responds through the signed inbound webhook → follow-up replies → the complaint
closes by itself after the configured working days, with a holiday in between. A second
agency's webhook keeps failing: retried, then dead-lettered where an officer sees it. Every
step is audited and nothing is forwarded or replied to twice.
"""

from __future__ import annotations

import json
import time as wall
from datetime import date, datetime, time, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlmodel import select

import bot.wiring as wiring
from bot.cli import main
from bot.inbound import start_inbound
from bot.sandbox import Sandbox
from bot.settings import load_settings
from ingest.store.audit import audit_trail
from ingest.store.models import ComplaintRow, FollowupRow, ForwardRow, ReplyRow, SlaBreachRow
from replies.forward.signing import signed_headers
from tests.forward.helpers import CATEGORY_CODES, Answer, Receiver, start_smtp

WIB = ZoneInfo("Asia/Jakarta")
GOOD_SECRET = "dinas-uji-webhook-secret"
BROKEN_SECRET = "dinas-rusak-webhook-secret"
CATEGORIES = CATEGORY_CODES


class Clock:
    """The bot's clock: real time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


def routing_file(folder: Path, webhook_good: str, webhook_broken: str) -> Path:
    defaults = "\n".join(f'{c} = "{"dinas-rusak" if c == "perhubungan" else "dinas-uji"}"' for c in CATEGORIES)
    text = f"""
province = "13"
fallback = "dinas-uji"

[defaults]
{defaults}

[[agencies]]
id = "dinas-uji"
name = "Dinas Uji Kota Padang"
categories = ["infrastruktur", "lingkungan"]
regions = []
forward_by = ["email", "webhook"]
[agencies.contact]
email = "pengaduan@dinas-uji.example.go.id"
webhook = "{webhook_good}"

[[agencies]]
id = "dinas-rusak"
name = "Dinas Rusak"
categories = ["perhubungan"]
regions = []
[agencies.contact]
webhook = "{webhook_broken}"
"""
    path = folder / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    return path


def next_working_day(day: date, holidays: set[date]) -> date:
    """The first working day after `day` (weekends and `holidays` off), counted by hand."""
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def deadline_by_hand(start: datetime, days: int, holidays: set[date]) -> datetime:
    """`days` working days after `start` (WIB); a start on a day off counts from the next working day's 00:00."""
    day, clock_time = start.date(), start.timetz()
    if day.weekday() >= 5 or day in holidays:
        day, clock_time = next_working_day(day, holidays), time(0, tzinfo=WIB)
    for _ in range(days):
        day = next_working_day(day, holidays)
    return datetime.combine(day, clock_time)


@pytest.fixture
def smtp():
    controller = start_smtp()
    yield controller
    controller.stop()


@pytest.fixture
def receivers():
    good, broken = Receiver(secret=GOOD_SECRET), Receiver(secret=BROKEN_SECRET)
    yield good, broken
    good.stop()
    broken.stop()


def test_mention_to_closed_complaint_through_every_channel_once(tmp_path, monkeypatch, smtp, receivers):
    good, broken = receivers
    broken.default = Answer(503, {"error": "down for maintenance"})
    clock = Clock()
    monkeypatch.setattr(wiring, "utc_now", clock)
    monkeypatch.chdir(tmp_path)
    # The first working day after today (WIB) becomes a local holiday: the close clock must skip it.
    holiday = next_working_day(datetime.now(WIB).date(), set())
    holidays_file = tmp_path / "holidays.csv"
    holidays_file.write_text(f"{holiday.isoformat()}, holiday, Cuti bersama daerah (test)\n", encoding="utf-8")
    env = {
        "LAPOR_DATABASE_URL": f"sqlite:///{tmp_path / 'lapor.db'}",
        "LAPOR_ROUTING_FILE": str(routing_file(tmp_path, good.url + "/hook", broken.url + "/hook")),
        "LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(smtp.port), "LAPOR_SMTP_SECURITY": "none",
        "LAPOR_SMTP_FROM": "LAPOR! Sumbar <lapor@sumbarprov.example.go.id>",
        "LAPOR_AGENCY_SECRET_DINAS_UJI": GOOD_SECRET, "LAPOR_AGENCY_SECRET_DINAS_RUSAK": BROKEN_SECRET,
        "LAPOR_FORWARD_MAX_ATTEMPTS": "3", "LAPOR_SLA_CLOSE_DAYS": "2", "LAPOR_HOLIDAYS_FILE": str(holidays_file),
        "LAPOR_OFFICER_EMAIL": "petugas@sumbarprov.example.go.id",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with Sandbox(samples=False) as sandbox:
        monkeypatch.setenv("X_API_BASE_URL", sandbox.url)
        road = sandbox.add_mention("Jalan berlubang besar di Jl. Sudirman Kota Padang sudah sebulan, motor sering "
                                   "jatuh. Mohon segera diperbaiki", author="warga_padang")
        lights = sandbox.add_mention("Lampu lalu lintas di simpang Jl. Khatib Sulaiman Kota Padang mati sejak "
                                     "kemarin, macet parah", author="pengendara_padang")
        bot = wiring.build_bot(load_settings(dict(__import__("os").environ)))
        inbound = start_inbound(bot.store, bot.settings.agency_secrets, "127.0.0.1", 0, clock)
        try:
            store = bot.store
            bot.poll()
            bot.send()
            complaints = {c.first_tweet_id: c for c in store.read(lambda s: list(s.exec(select(ComplaintRow))))}
            road_number = complaints[road].tracking_number
            lights_number = complaints[lights].tracking_number
            assert complaints[road].agency_id == "dinas-uji"
            assert complaints[lights].agency_id == "dinas-rusak"
            assert {p["in_reply_to_tweet_id"] for p in sandbox.posts} == {road, lights}  # two acknowledgements

            # An officer verifies both from the command line.
            assert main(["review", "verify", road_number, "--as", "siti", "--note", "foto cocok"]) == 0
            assert main(["review", "verify", lights_number, "--as", "siti"]) == 0

            bot.forward()
            # E-mail: one readable message in Indonesian, with the tracking number and the tweet's link.
            assert len(smtp.handler.envelopes) == 1
            envelope = smtp.handler.envelopes[0]
            assert envelope.rcpt_tos == ["pengaduan@dinas-uji.example.go.id"]
            mail = message_from_bytes(envelope.content, policy=policy.default)
            assert road_number in mail["Subject"]
            body = mail.get_body(("plain",)).get_content()
            assert road_number in body and f"status/{road}" in body and "Jalan berlubang" in body
            # Webhook: one signed delivery (the receiver checked the signature, or it would have said 401).
            delivered = [json.loads(r.body) for r in good.requests]
            assert [d["complaint"]["tracking_number"] for d in delivered] == [road_number]
            assert delivered[0]["event"] == "complaint.forwarded"
            assert store.complaint(road_number).status == "forwarded"
            # The broken agency answered 503: queued again, not yet dead.
            assert len(broken.requests) == 1
            assert store.complaint(lights_number).status == "verified"

            bot.send()  # the follow-ups: verified, then forwarded, threaded under our own replies
            bot.send()
            followups = [p for p in sandbox.posts if p["in_reply_to_tweet_id"] not in (road, lights)]
            assert len(followups) >= 2

            # The agency answers through the signed inbound webhook; a replay of it changes nothing.
            answer = json.dumps({"delivery_id": "resp-1", "tracking_number": road_number, "status": "responded",
                                 "note": "Lubang sudah ditambal pada hari ini."}).encode()
            url = f"{inbound.url}/agencies/dinas-uji/responses"
            for _ in range(2):
                headers = {"Content-Type": "application/json", **signed_headers(GOOD_SECRET, int(wall.time()), answer)}
                reply = requests.post(url, data=answer, headers=headers, timeout=10)
                assert reply.status_code == 200, reply.text
            assert reply.json()["recorded"] is False
            responded = store.complaint(road_number)
            assert responded.status == "responded"
            bot.send()
            bot.send()

            # The broken webhook: retried until the attempts run out, then dead-lettered, visibly.
            for _ in range(4):
                clock.offset += timedelta(hours=3)
                bot.forward()
            assert len(broken.requests) == 3
            dead = store.read(lambda s: s.exec(select(ForwardRow).where(ForwardRow.agency_id == "dinas-rusak")).one())
            assert dead.status == "dead" and "503" in (dead.last_error or "")
            assert store.complaint(lights_number).needs_review is True
            assert main(["forwards", "list", "--status", "dead"]) == 0

            # Auto-close: two working days after the response, with the local holiday skipped.
            responded_wib = responded.responded_at.astimezone(WIB)
            deadline = deadline_by_hand(responded_wib, 2, {holiday})
            assert deadline > deadline_by_hand(responded_wib, 2, set())  # the holiday lies in between
            clock.offset = deadline - datetime.now(timezone.utc) - timedelta(minutes=5)
            bot.sla()
            assert store.complaint(road_number).status == "responded"
            clock.offset += timedelta(minutes=10)
            bot.sla()
            assert store.complaint(road_number).status == "closed"
            bot.send()
            bot.send()
            bot.forward()
            bot.sla()

            # Nothing twice: one e-mail and one webhook delivery for the road, one reply per tweet,
            # one follow-up per status.
            assert len(smtp.handler.envelopes) >= 1
            road_mails = [e for e in smtp.handler.envelopes
                          if road_number in message_from_bytes(e.content, policy=policy.default)["Subject"]
                          and "pengaduan@dinas-uji" in e.rcpt_tos[0]]
            assert len(road_mails) == 1
            assert len([r for r in good.requests if road_number in r.body.decode()]) == 1
            targets = [p["in_reply_to_tweet_id"] for p in sandbox.posts]
            assert len(targets) == len(set(targets))
            road_id = store.complaint(road_number).id
            statuses = store.read(lambda s: [f.status for f in s.exec(
                select(FollowupRow).where(FollowupRow.complaint_id == road_id))])
            assert sorted(statuses) == ["closed", "forwarded", "responded", "verified"]
            posted = store.read(lambda s: [r.purpose for r in s.exec(
                select(ReplyRow).where(ReplyRow.complaint_id == road_id, ReplyRow.status == "posted"))])
            assert sorted(posted) == ["acknowledgement", "followup:closed", "followup:forwarded",
                                      "followup:responded", "followup:verified"]

            # Every step audited, by whom.
            trail = [(a.actor, a.action, a.value) for a in audit_trail(store, road_id)]
            assert ("officer:siti", "status", "verified") in trail
            assert ("bot", "status", "forwarded") in trail
            assert ("webhook:dinas-uji", "status", "responded") in trail
            assert ("bot:sla", "status", "closed") in trail
            assert [a for a in trail if a[1] == "forwarded"]  # the deliveries themselves
            lights_trail = [(a.actor, a.action) for a in audit_trail(store, store.complaint(lights_number).id)]
            assert ("bot", "forward_dead") in lights_trail
            assert store.read(lambda s: s.exec(select(SlaBreachRow)).all()) == []  # nothing was late
        finally:
            inbound.stop()
            bot.close()
