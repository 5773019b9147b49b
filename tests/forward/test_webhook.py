"""Tests of posting signed webhooks to a real receiver on loopback."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
import requests

from replies.forward.message import webhook_body, webhook_payload
from replies.forward.signing import SignatureError, verify
from replies.forward.types import FAILED, RETRY, SENT
from replies.forward.webhook import outcome_for_status, post_webhook, receiver_id, retry_after_seconds
from tests.forward.helpers import NOW, SECRET, Answer, forward_item

BODY = webhook_body(webhook_payload(forward_item(), "complaint.forwarded", "dlv-42", NOW))


def post(receiver, session, **changes):
    """Post BODY to the receiver, signed now with SECRET unless `changes` say otherwise."""
    arguments = {"url": receiver.url + "/lapor", "secret": SECRET, "body": BODY, "delivery_id": "dlv-42"}
    return post_webhook(**(arguments | {"now": time.time(), "session": session} | changes))


def test_a_signed_body_is_delivered_and_verifies_on_the_receiver(receiver, session):
    delivery = post(receiver, session)
    assert delivery == delivery.__class__(SENT, external_id="rcv-1")
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("POST", "/lapor", BODY)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "lapor-bot"
    assert request.headers["X-Lapor-Delivery"] == "dlv-42"
    assert verify(SECRET, request.headers, request.body, time.time()) > 0


def test_the_recorded_signature_fails_for_an_altered_body(receiver, session):
    post(receiver, session)
    (request,) = receiver.requests
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, request.headers, request.body.replace(b"Padang", b"Bukittinggi"), time.time())


def test_a_receiver_refuses_an_altered_body_in_transit(receiver, session):
    post(receiver, session)
    signed = {name: value for name, value in receiver.requests[0].headers.items() if name.startswith("X-Lapor")}
    answer = session.post(receiver.url, data=BODY + b" ", headers=signed, timeout=5)
    assert answer.status_code == 401 and "does not match" in answer.json()["error"]


def test_an_old_timestamp_is_refused_by_the_receiver(receiver, session):
    delivery = post(receiver, session, now=time.time() - 3600)
    assert delivery.outcome == FAILED
    assert delivery.error.startswith("HTTP 401") and "replay or skew" in delivery.error


def test_a_wrong_secret_is_refused_by_the_receiver(receiver, session):
    delivery = post(receiver, session, secret="not-the-agency-secret")
    assert delivery.outcome == FAILED and "does not match" in delivery.error


@pytest.mark.parametrize(
    ("answer", "outcome", "external_id"),
    [
        (Answer(201, {"id": "tiket-9"}), SENT, "tiket-9"),
        (Answer(200, {"id": 1234}), SENT, "1234"),
        (Answer(202, b"diterima"), SENT, None),
        (Answer(200, {"status": "ok"}), SENT, None),
        (Answer(200, ["id"]), SENT, None),
        (Answer(204), SENT, None),
    ],
)
def test_2xx_is_sent_with_the_receivers_id_if_any(receiver, session, answer, outcome, external_id):
    receiver.script(answer)
    delivery = post(receiver, session)
    assert (delivery.outcome, delivery.external_id, delivery.error) == (outcome, external_id, None)


@pytest.mark.parametrize(
    ("answer", "outcome", "retry_after"),
    [
        (Answer(500, b"Internal Server Error"), RETRY, None),
        (Answer(502), RETRY, None),
        (Answer(503, headers={"Retry-After": "120"}), RETRY, 120.0),
        (Answer(429, {"error": "too many"}, {"Retry-After": "30"}), RETRY, 30.0),
        (Answer(408), RETRY, None),
        (Answer(425), RETRY, None),
        (Answer(400, {"error": "field category unknown"}), FAILED, None),
        (Answer(404), FAILED, None),
        (Answer(410, headers={"Retry-After": "30"}), FAILED, None),
        (Answer(301, headers={"Location": "https://new.example.go.id/hook"}), FAILED, None),
    ],
)
def test_failures_map_to_retry_or_failed(receiver, session, answer, outcome, retry_after):
    receiver.script(answer)
    delivery = post(receiver, session)
    assert (delivery.outcome, delivery.retry_after, delivery.external_id) == (outcome, retry_after, None)
    assert delivery.error.startswith(f"HTTP {answer.status}")


def test_a_refusal_says_what_the_receiver_answered(receiver, session):
    receiver.script(Answer(422, b"kategori\n tidak   dikenal " + b"x" * 500))
    error = post(receiver, session).error
    assert error.startswith("HTTP 422: kategori tidak dikenal xxx")
    assert len(error) < 240


def test_a_redirect_is_not_followed(receiver, session):
    receiver.script(Answer(302, headers={"Location": receiver.url + "/elsewhere"}))
    delivery = post(receiver, session)
    assert delivery.outcome == FAILED and "not followed" in delivery.error
    assert len(receiver.requests) == 1


def test_a_refused_connection_is_retried(closed_port, session):
    delivery = post_webhook(f"http://127.0.0.1:{closed_port}/", SECRET, BODY, "d", time.time(), session=session)
    assert delivery.outcome == RETRY and "network error" in delivery.error


def test_a_slow_receiver_times_out_and_is_retried(receiver, session):
    receiver.script(Answer(200, delay=0.6))
    delivery = post(receiver, session, timeout=0.2)
    assert delivery.outcome == RETRY and "timed out" in delivery.error


@pytest.mark.parametrize(
    "url", ["ftp://example.go.id/hook", "file:///etc/passwd", "example.go.id/hook", "http:///nohost", ""]
)
def test_non_http_urls_are_refused_without_a_request(url, receiver, session):
    delivery = post_webhook(url, SECRET, BODY, "d", time.time(), session=session)
    assert delivery.outcome == FAILED
    assert receiver.requests == []


def test_an_empty_secret_is_refused(receiver, session):
    delivery = post(receiver, session, secret="")
    assert delivery.outcome == FAILED and "sign" in delivery.error
    assert receiver.requests == []


def test_without_a_session_the_default_client_is_used(receiver):
    assert post(receiver, None).outcome == SENT


def test_a_large_answer_is_read_only_in_part(receiver, session):
    receiver.script(Answer(400, b"y" * 5_000_000))
    delivery = post(receiver, session)
    assert delivery.outcome == FAILED and len(delivery.error) < 240


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, SENT), (299, SENT), (100, FAILED), (304, FAILED), (401, FAILED), (403, FAILED), (408, RETRY),
     (425, RETRY), (429, RETRY), (500, RETRY), (599, RETRY)],
)  # fmt: skip
def test_outcome_for_status(status, outcome):
    assert outcome_for_status(status) == outcome


def test_retry_after_as_an_http_date():
    now = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc).timestamp()
    later = format_datetime(datetime(2026, 11, 28, 2, 1, 30, tzinfo=timezone.utc), usegmt=True)
    assert retry_after_seconds({"Retry-After": later}, now) == 90.0
    assert retry_after_seconds({"Retry-After": later}, None) is None
    assert retry_after_seconds(requests.structures.CaseInsensitiveDict({"retry-after": "7"}), now) == 7.0
    assert retry_after_seconds({"Retry-After": "soon"}, now) is None


@pytest.mark.parametrize("answer", [b"", b"not json", b"\xff\xfe", b'{"id": ""}', b'{"id": true}', b'{"id": {"x": 1}}'])
def test_receiver_id_ignores_what_is_not_an_id(answer):
    assert receiver_id(answer) is None
