"""The agencies' status webhook, over real HTTP on loopback against a real SQLite file."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.inbound import MAX_BODY, InboundServer, add_command, parse_delivery, start_inbound
from bot.settings import Settings
from ingest.store.audit import audit_trail
from ingest.store.followups import followups_of
from ingest.store.models import ComplaintRow
from ingest.store.store import Store, open_store
from replies.forward.signing import signed_headers
from tests.fakes import FakeClock

SECRET = "s3cret-dinkes-0123456789"
OTHER_SECRET = "s3cret-dinas-pu-987654321"
SECRETS = {"dinkes-sumbar": SECRET, "dinas-pu-padang": OTHER_SECRET}
NUMBER = "LPR-2611-00012"


@pytest.fixture
def server(store: Store, clock: FakeClock) -> Iterator[InboundServer]:
    """Serve the webhook on a free loopback port."""
    running = start_inbound(store, SECRETS, "127.0.0.1", 0, clock)
    yield running
    running.stop()


@pytest.fixture
def complaint(store: Store, clock: FakeClock) -> ComplaintRow:
    """Store a complaint forwarded to dinkes-sumbar."""
    return _complaint(store, clock, NUMBER, "dinkes-sumbar")


def _complaint(store: Store, clock: FakeClock, number: str, agency_id: str) -> ComplaintRow:
    row = ComplaintRow(
        tracking_number=number, first_tweet_id=f"19{number[-5:]}", author_id="2244994945",
        text="Puskesmas tutup sejak pagi", kind="pengaduan", category="kesehatan", language="id",
        acknowledgement="posted", acknowledgement_reason="", created_at=clock(), updated_at=clock(),
        status="forwarded", agency_id=agency_id, agency="Dinas Kesehatan", forwarded_at=clock(),
    )
    with store.session() as session:
        session.add(row)
    return row


def _delivery(status: str = "responded", delivery_id: str = "d-1", **fields: Any) -> dict[str, Any]:
    return {"delivery_id": delivery_id, "tracking_number": NUMBER, "status": status,
            "note": "Puskesmas buka kembali besok pukul 08.00", **fields}


def _post(server: InboundServer, clock: FakeClock, payload: Any, *, agency: str = "dinkes-sumbar",
          secret: str = SECRET, timestamp: int | None = None, body: bytes | None = None) -> requests.Response:
    raw = json.dumps(payload).encode() if body is None else body
    signed_at = int(clock().timestamp()) if timestamp is None else timestamp
    headers = {"Content-Type": "application/json", **signed_headers(secret, signed_at, raw)}
    return requests.post(f"{server.url}/agencies/{agency}/responses", data=raw, headers=headers, timeout=5)


# --- recording --------------------------------------------------------------------------------
def test_responded_moves_the_complaint_audits_it_and_owes_a_followup(server, clock, store, complaint):
    answer = _post(server, clock, _delivery())
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"recorded": True, "tracking_number": NUMBER, "status": "responded",
                             "message": "forwarded -> responded"}
    assert store.complaint(NUMBER).status == "responded"
    actions = [(a.actor, a.action, a.value) for a in audit_trail(store, complaint.id)]
    assert ("webhook:dinkes-sumbar", "respond", "responded") in actions
    assert [f.status for f in followups_of(store, complaint.id)] == ["responded"]


def test_a_replayed_delivery_answers_200_and_changes_nothing(server, clock, store, complaint):
    assert _post(server, clock, _delivery()).json()["recorded"] is True
    clock.advance(minutes=2)
    again = _post(server, clock, _delivery())
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert again.json()["status"] == "responded"
    assert [f.status for f in followups_of(store, complaint.id)] == ["responded"]


def test_closed_from_forwarded_passes_through_responded(server, clock, store, complaint):
    answer = _post(server, clock, _delivery("closed"))
    assert answer.status_code == 200
    assert answer.json()["status"] == "closed"
    assert [f.status for f in followups_of(store, complaint.id)] == ["responded", "closed"]


def test_a_move_the_lifecycle_refuses_is_a_conflict(server, clock, complaint):
    assert _post(server, clock, _delivery("closed")).status_code == 200
    answer = _post(server, clock, _delivery("not_ours", delivery_id="d-2"))
    assert answer.status_code == 409
    assert answer.json()["error"] == "conflict"
    assert "only a forwarded complaint can be sent back" in answer.json()["message"]


def test_another_agencys_complaint_looks_like_a_missing_one(server, clock, store, complaint):
    _complaint(store, clock, "LPR-2611-00013", "dinas-pu-padang")
    theirs = _post(server, clock, _delivery(tracking_number="LPR-2611-00013"))
    missing = _post(server, clock, _delivery(tracking_number="LPR-2611-00099"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == {"error": "not_found", "message": "no complaint LPR-2611-00013 for agency dinkes-sumbar"}
    assert missing.json()["message"] == "no complaint LPR-2611-00099 for agency dinkes-sumbar"
    assert store.complaint("LPR-2611-00013").status == "forwarded"


# --- authentication ---------------------------------------------------------------------------
def test_an_altered_body_is_refused(server, clock, store, complaint):
    raw = json.dumps(_delivery()).encode()
    headers = signed_headers(SECRET, int(clock().timestamp()), raw)
    answer = requests.post(f"{server.url}/agencies/dinkes-sumbar/responses", headers=headers, timeout=5,
                           data=raw.replace(b"responded", b"closed\x20\x20\x20"))
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized", "message": "the signature does not match the body"}
    assert store.complaint(NUMBER).status == "forwarded"


def test_a_stale_timestamp_is_refused(server, clock, complaint):
    answer = _post(server, clock, _delivery(), timestamp=int(clock().timestamp()) - 301)
    assert answer.status_code == 401
    assert "away from our clock" in answer.json()["message"]


def test_an_unknown_agency_fails_exactly_like_a_bad_signature(server, clock, complaint):
    wrong_secret = _post(server, clock, _delivery(), secret="not-the-secret")
    unknown = _post(server, clock, _delivery(), agency="dinas-rahasia", secret="not-the-secret")
    unsigned = requests.post(f"{server.url}/agencies/dinas-rahasia/responses", json=_delivery(), timeout=5)
    assert wrong_secret.status_code == unknown.status_code == unsigned.status_code == 401
    assert unknown.content == wrong_secret.content
    assert SECRET not in unknown.text and SECRET not in wrong_secret.text
    assert "missing" in unsigned.json()["message"]


def test_one_agencys_secret_does_not_sign_for_another(server, clock, complaint):
    assert _post(server, clock, _delivery(), secret=OTHER_SECRET).status_code == 401


# --- malformed requests -----------------------------------------------------------------------
@pytest.mark.parametrize("body, complaint_about", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe{}", "not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b"[" * 5000 + b"]" * 5000, "not JSON"),
    (json.dumps({"tracking_number": NUMBER, "status": "responded", "note": ""}).encode(), "delivery_id"),
    (json.dumps(_delivery(delivery_id="")).encode(), "delivery_id must not be empty"),
    (json.dumps(_delivery(delivery_id="x" * 101)).encode(), "delivery_id is longer than 100"),
    (json.dumps(_delivery(note="x" * 5001)).encode(), "note is longer than 5000"),
    (json.dumps({**_delivery(), "note": None}).encode(), "note is missing or not a string"),
    (json.dumps(_delivery(status="archived")).encode(), "status must be one of"),
    (json.dumps(_delivery(tracking_number=12)).encode(), "tracking_number is missing"),
    (json.dumps(_delivery(tracking_number="12")).encode(), "tracking_number must look like"),
    (json.dumps(_delivery(public="yes")).encode(), "public must be true or false"),
])
def test_a_malformed_body_is_a_bad_request(server, clock, complaint, body, complaint_about):
    answer = _post(server, clock, None, body=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_request"
    assert complaint_about in answer.json()["message"]


def test_a_body_over_64_kib_is_refused_unread(server, clock, complaint):
    answer = _post(server, clock, None, body=b" " * (MAX_BODY + 1))
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"


def test_a_body_without_content_length_is_refused(server, complaint):
    chunked = requests.post(f"{server.url}/agencies/dinkes-sumbar/responses", timeout=5,
                            data=iter([json.dumps(_delivery()).encode()]))
    assert chunked.status_code == 411


def test_the_note_and_public_flag_are_read(complaint):
    body = json.dumps(_delivery(note="  ada catatan ", public=False, tracking_number=" lpr-2611-00012")).encode()
    delivery = parse_delivery(body)
    assert (delivery.tracking_number, delivery.note, delivery.public) == (NUMBER, "  ada catatan ", False)
    assert parse_delivery(json.dumps(_delivery()).encode()).public is True


# --- the rest of the surface ------------------------------------------------------------------
def test_healthz_and_unknown_paths_and_methods(server):
    health = requests.get(f"{server.url}/healthz", timeout=5)
    assert (health.status_code, health.json()) == (200, {"ok": True})
    assert requests.get(f"{server.url}/agencies/dinkes-sumbar/responses", timeout=5).status_code == 405
    assert requests.post(f"{server.url}/healthz", data=b"{}", timeout=5).status_code == 405
    missing = requests.post(f"{server.url}/agencies/dinkes-sumbar/replies", data=b"{}", timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


@pytest.mark.sqlite_only
def test_an_unavailable_database_answers_503_with_retry_after(db_url, clock, complaint):
    locked = open_store(db_url, lock_timeout=0.05)
    running = start_inbound(locked, SECRETS, "127.0.0.1", 0, clock)
    writer = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.05)
    try:
        writer.execute("BEGIN IMMEDIATE")
        answer = _post(running, clock, _delivery())
    finally:
        writer.rollback()
        writer.close()
        running.stop()
        locked.close()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.json()["error"] == "unavailable"


def test_one_log_line_per_request_without_the_note_or_secret(server, clock, complaint, caplog):
    with caplog.at_level(logging.INFO, logger="bot.inbound"):
        _post(server, clock, _delivery(note="rahasia warga 0812"))
        _post(server, clock, _delivery(), agency="dinas-rahasia", secret="wrong")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.inbound"]
    assert len(lines) == 2
    assert "agency=dinkes-sumbar" in lines[0] and f"tracking={NUMBER}" in lines[0] and "-> 200 recorded" in lines[0]
    assert "agency=dinas-rahasia" in lines[1] and "-> 401 unauthorized" in lines[1]
    assert not any("rahasia warga" in line or SECRET in line for line in lines)


def test_the_inbound_command_serves_until_sigint(db_url, caplog):
    parser = argparse.ArgumentParser()
    add_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["inbound", "--host", "127.0.0.1", "--port", "0"])
    settings = Settings(database_url=db_url, agency_secrets=SECRETS, inbound_port=8709)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    with caplog.at_level(logging.INFO, logger="bot.inbound"):
        assert args.handler(settings, args) == 0
    started = next(r.getMessage() for r in caplog.records if "webhook on" in r.getMessage())
    assert "http://127.0.0.1:" in started and ":8709" not in started and "2 agencies" in started
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
