"""The forward job over real loopback servers: digests, Open311 both ways, breach notices, recovery."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlmodel import select

from ingest.routing import load_routing
from ingest.sla import SlaSettings
from ingest.store.followups import followups_of
from ingest.store.models import ComplaintRow, ForwardRow, SlaBreachRow
from ingest.workdays import WorkCalendar
from replies.forward.deadlines import sla_tick
from replies.forward.outbox import ForwardConfig, forward_tick
from replies.forward.types import SmtpConfig
from tests.forward.helpers import CATEGORY_CODES, Answer, Receiver, start_smtp

SECRET = "uji-secret"
CATEGORIES = CATEGORY_CODES


def table(folder: Path, open311_url: str, webhook_url: str) -> Path:
    defaults = "\n".join(f'{c} = "digest-agency"' for c in CATEGORIES if c not in ("infrastruktur", "lingkungan"))
    path = folder / "agencies.toml"
    path.write_text(f"""
province = "13"
fallback = "digest-agency"

[defaults]
infrastruktur = "open311-agency"
lingkungan = "hook-agency"
{defaults}

[[agencies]]
id = "digest-agency"
name = "Dinas Ringkasan"
categories = ["sosial"]
regions = []
digest = true
[agencies.contact]
email = "ringkasan@dinas.example.go.id"

[[agencies]]
id = "open311-agency"
name = "Dinas PUPR (Open311)"
categories = ["infrastruktur"]
regions = []
open311_services = {{ infrastruktur = "pothole" }}
[agencies.contact]
open311 = "{open311_url}"

[[agencies]]
id = "hook-agency"
name = "Dinas Webhook"
categories = ["lingkungan"]
regions = []
[agencies.contact]
webhook = "{webhook_url}"
""", encoding="utf-8")
    return path


@pytest.fixture
def smtp():
    controller = start_smtp()
    yield controller
    controller.stop()


@pytest.fixture
def servers():
    open311, hook = Receiver(), Receiver(secret=SECRET)
    yield open311, hook
    open311.stop()
    hook.stop()


@pytest.fixture
def config(tmp_path, smtp, servers):
    open311, hook = servers
    return ForwardConfig(
        routing=load_routing(table(tmp_path, open311.url + "/v2", hook.url + "/hook")),
        status_url="https://lapor.example.go.id/status/{tracking_number}",
        smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, security="none", sender="LAPOR! <lapor@example.go.id>"),
        officer_email="petugas@example.go.id", secrets={"hook-agency": SECRET}, open311_keys={"open311-agency": "k"},
        max_attempts=3, digest_hour=7,
    )


def add_complaint(store, number: int, *, agency: str, category: str, status: str = "verified",
                  created: datetime, text: str = "Keluhan warga") -> str:
    tracking = f"LPR-2611-{number:05d}"
    with store.session() as session:
        session.add(ComplaintRow(
            tracking_number=tracking, first_tweet_id=str(1000 + number), author_id="42", text=text,
            kind="pengaduan", category=category, language="id", status=status, agency_id=agency, agency=agency,
            acknowledgement="posted", acknowledgement_reason="test", created_at=created, updated_at=created,
            verified_at=created if status != "awaiting_verification" else None,
        ))
    return tracking


def forwards_of(store, agency_id):
    return store.read(lambda s: list(s.exec(select(ForwardRow).where(ForwardRow.agency_id == agency_id))))


def test_a_digest_agency_gets_one_mail_a_day_listing_everything(store, clock, config, smtp):
    numbers = [add_complaint(store, n, agency="digest-agency", category="sosial", created=clock.now,
                             text=f"Bansos belum cair nomor {n}") for n in (1, 2, 3)]
    forward_tick(store, clock, config)
    assert smtp.handler.envelopes == []  # 08:00 WIB: the digest hour (07:00) has passed today
    assert {f.status for f in forwards_of(store, "digest-agency")} == {"queued"}
    clock.advance(hours=22)  # 06:00 WIB the next day
    forward_tick(store, clock, config)
    assert smtp.handler.envelopes == []
    clock.advance(hours=1, minutes=1)
    forward_tick(store, clock, config)
    forward_tick(store, clock, config)
    assert len(smtp.handler.envelopes) == 1
    mail = message_from_bytes(smtp.handler.envelopes[0].content, policy=policy.default)
    body = mail.get_body(("plain",)).get_content()
    assert all(number in body for number in numbers)
    assert mail["To"] == "ringkasan@dinas.example.go.id"
    rows = forwards_of(store, "digest-agency")
    assert {r.status for r in rows} == {"sent"} and len({r.external_id for r in rows}) == 1
    assert {store.complaint(n).status for n in numbers} == {"forwarded"}


def test_open311_request_then_its_status_comes_back_as_responses(store, clock, config, servers):
    open311, _ = servers
    number = add_complaint(store, 1, agency="open311-agency", category="infrastruktur", created=clock.now,
                           text="Jalan berlubang di depan pasar, HP saya 0812-3456-7890")
    open311.script(Answer(201, [{"service_request_id": "SR-77"}]))
    forward_tick(store, clock, config)
    post = open311.requests[0]
    form = {k: v[0] for k, v in parse_qs(post.body.decode()).items()}
    assert post.path == "/v2/requests.json" and form["service_code"] == "pothole" and form["api_key"] == "k"
    assert "0812-3456-7890" not in form["description"] and number in form["description"]
    row = forwards_of(store, "open311-agency")[0]
    assert (row.status, row.external_id) == ("sent", "SR-77")
    assert store.complaint(number).status == "forwarded"

    forward_tick(store, clock, config)  # too soon to ask again
    assert len(open311.requests) == 1
    clock.advance(minutes=16)
    open311.script(Answer(200, [{"service_request_id": "SR-77", "status": "open",
                                 "status_notes": "Tim dijadwalkan Senin"}]))
    forward_tick(store, clock, config)
    assert open311.requests[-1].path == "/v2/requests/SR-77.json"
    assert store.complaint(number).status == "in_progress"
    clock.advance(minutes=16)
    open311.script(Answer(200, [{"service_request_id": "SR-77", "status": "closed",
                                 "status_notes": "Sudah ditambal"}]))
    forward_tick(store, clock, config)
    complaint = store.complaint(number)
    assert complaint.status == "responded"
    assert [f.status for f in followups_of(store, complaint.id)] == ["forwarded", "responded"]
    asked = len(open311.requests)
    clock.advance(minutes=16)
    forward_tick(store, clock, config)
    assert len(open311.requests) == asked  # a responded complaint is not polled again


def test_a_late_verification_is_notified_once(store, clock, config, smtp):
    number = add_complaint(store, 1, agency="hook-agency", category="lingkungan", status="awaiting_verification",
                           created=clock.now - timedelta(days=10))
    calendar, sla = WorkCalendar(), SlaSettings()
    for _ in range(2):
        report = sla_tick(store, clock.now, config, calendar, sla)
        forward_tick(store, clock, config)
        clock.advance(minutes=5)
    assert len(store.read(lambda s: s.exec(select(SlaBreachRow)).all())) == 1
    assert len(smtp.handler.envelopes) == 1
    mail = message_from_bytes(smtp.handler.envelopes[0].content, policy=policy.default)
    assert mail["To"] == "petugas@example.go.id" and number in mail["Subject"]
    assert report.breaches == []  # the second tick found nothing new


def test_without_smtp_mail_waits_without_using_up_attempts(store, clock, config):
    from dataclasses import replace

    add_complaint(store, 1, agency="digest-agency", category="sosial", created=clock.now)
    no_mail = replace(config, smtp=None)
    clock.advance(days=1)
    report = forward_tick(store, clock, no_mail)
    clock.advance(days=1)
    report = forward_tick(store, clock, no_mail)
    row = forwards_of(store, "digest-agency")[0]
    assert (row.status, row.attempts) == ("queued", 0)
    assert any("LAPOR_SMTP_HOST" in problem for problem in report.problems)


def test_a_worker_dying_mid_delivery_resends_a_webhook_with_the_same_id_but_not_open311(
        store, clock, config, servers):
    open311, hook = servers
    add_complaint(store, 1, agency="hook-agency", category="lingkungan", created=clock.now)
    add_complaint(store, 2, agency="open311-agency", category="infrastruktur", created=clock.now)
    from replies.forward.outbox import queue_verified
    from ingest.store.forwards import claim_forward

    queue_verified(store, clock.now, config)
    for row in store.read(lambda s: list(s.exec(select(ForwardRow)))):
        assert claim_forward(store, row.id, clock.now)  # then the worker is killed
    clock.advance(minutes=11)
    forward_tick(store, clock, config)
    assert len(hook.requests) == 1 and open311.requests == []
    delivered = json.loads(hook.requests[0].body)
    assert hook.requests[0].headers["X-Lapor-Delivery"] == delivered["delivery_id"]
    rows = {r.agency_id: r for r in store.read(lambda s: list(s.exec(select(ForwardRow))))}
    assert rows["hook-agency"].status == "sent"
    assert rows["open311-agency"].status == "dead" and "in doubt" in rows["open311-agency"].last_error
    assert store.complaint("LPR-2611-00002").needs_review is True


def test_forwarding_stops_for_a_complaint_that_was_rejected_meanwhile(store, clock, config, servers):
    _, hook = servers
    number = add_complaint(store, 1, agency="hook-agency", category="lingkungan", created=clock.now)
    from replies.forward.outbox import queue_verified

    queue_verified(store, clock.now, config)
    with store.session() as session:
        complaint = session.exec(select(ComplaintRow).where(ComplaintRow.tracking_number == number)).one()
        complaint.status = "rejected"
    forward_tick(store, clock, config)
    assert hook.requests == []
    assert forwards_of(store, "hook-agency")[0].status == "cancelled"


