"""Tests of the Open311 GeoReport v2 adapter against a fake endpoint on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import pytest

from replies.forward.open311 import Open311Error, fetch_status, service_code_for, submit_request
from replies.forward.types import FAILED, RETRY, SENT, Open311Status
from tests.forward.helpers import MASKED_TEXT, Answer, forward_item

# Shaped like the GeoReport v2 examples (wiki.open311.org/GeoReport_v2).
CREATED = [{"service_request_id": "638344", "service_notice": "Akan ditinjau dalam 2 hari kerja", "account_id": None}]
QUEUED = [{"token": "12345"}]
REQUEST = [
    {
        "service_request_id": "638344",
        "status": "closed",
        "status_notes": "Lubang sudah ditambal.",
        "service_name": "Jalan rusak",
        "service_code": "PU-JALAN",
        "description": "…",
        "agency_responsible": "Dinas PUPR Kota Padang",
        "requested_datetime": "2026-11-28T09:00:00+07:00",
        "updated_datetime": "2026-11-30T14:15:00+07:00",
    }
]


def submit(open311, session, **changes):
    """Submit the standard item to the fake endpoint."""
    arguments = {"base_url": open311.url + "/open311/v2/", "api_key": "kunci-api", "service_code": "PU-JALAN"}
    return submit_request(**(arguments | {"item": forward_item(), "session": session} | changes))


def form_of(open311) -> dict[str, str]:
    (request,) = open311.requests
    return {name: values[0] for name, values in parse_qs(request.body.decode(), strict_parsing=True).items()}


def test_submit_posts_the_georeport_form(open311, session):
    open311.script(Answer(201, CREATED))
    delivery = submit(open311, session)
    assert delivery.outcome == SENT and delivery.external_id == "638344"
    (request,) = open311.requests
    assert (request.method, request.path) == ("POST", "/open311/v2/requests.json")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = form_of(open311)
    assert form["api_key"] == "kunci-api"
    assert form["service_code"] == "PU-JALAN"
    assert form["address_string"] == "Kota Padang"
    assert form["description"].startswith(MASKED_TEXT)
    assert "Nomor LAPOR!: LPR-2611-00012" in form["description"]
    assert set(form) == {"api_key", "service_code", "description", "address_string"}


def test_submit_without_api_key_or_region_leaves_them_out(open311, session):
    open311.script(Answer(200, CREATED))
    submit(open311, session, api_key=None, item=forward_item(region_name=None, region_code=None))
    assert set(form_of(open311)) == {"service_code", "description"}


def test_a_numeric_request_id_becomes_text(open311, session):
    open311.script(Answer(200, [{"service_request_id": 638344}]))
    assert submit(open311, session).external_id == "638344"


def test_a_token_only_answer_is_sent_with_a_token_id(open311, session):
    open311.script(Answer(200, QUEUED))
    delivery = submit(open311, session)
    assert (delivery.outcome, delivery.external_id) == (SENT, "token:12345")


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"<html>Maintenance</html>"),
        Answer(200, b""),
        Answer(200, []),
        Answer(200, [{"note": "ok"}]),
        Answer(200, "42"),
    ],
    ids=["html", "empty", "empty-list", "no-id", "number"],
)
def test_a_2xx_with_an_unreadable_body_is_retried(open311, session, answer):
    open311.script(answer)
    delivery = submit(open311, session)
    assert delivery.outcome == RETRY and delivery.external_id is None
    assert "Open311" in delivery.error


@pytest.mark.parametrize(
    ("answer", "outcome", "said"),
    [
        (
            Answer(400, [{"code": 400, "description": "service_code PU-JALAN was not found"}]),
            FAILED,
            "400: service_code PU-JALAN was not found",
        ),
        (Answer(403, [{"code": 403, "description": "Invalid api_key"}]), FAILED, "403: Invalid api_key"),
        (Answer(404, b"Not Found"), FAILED, "Not Found"),
        (Answer(500, [{"code": 500, "description": "database unavailable"}]), RETRY, "database unavailable"),
        (Answer(503, headers={"Retry-After": "60"}), RETRY, "HTTP 503"),
        (Answer(429, headers={"Retry-After": "15"}), RETRY, "HTTP 429"),
        (Answer(200, [{"code": 403, "description": "Invalid api_key"}]), FAILED, "Invalid api_key"),
        (Answer(200, [{"code": 503, "description": "try later"}]), RETRY, "try later"),
    ],
)
def test_errors_map_like_the_webhook_and_say_the_georeport_description(open311, session, answer, outcome, said):
    open311.script(answer)
    delivery = submit(open311, session)
    assert delivery.outcome == outcome and said in delivery.error


def test_retry_after_is_passed_on(open311, session):
    open311.script(Answer(503, headers={"Retry-After": "60"}))
    assert submit(open311, session).retry_after == 60.0


def test_a_refused_connection_is_retried(closed_port, session):
    delivery = submit_request(f"http://127.0.0.1:{closed_port}", None, "x", forward_item(), session=session)
    assert delivery.outcome == RETRY


def test_a_non_http_base_url_is_refused(open311, session):
    assert submit_request("ftp://open311.example.go.id", None, "x", forward_item(), session=session).outcome == FAILED
    assert open311.requests == []


def test_fetch_status_reads_the_request(open311, session):
    open311.script(Answer(200, REQUEST))
    status = fetch_status(open311.url + "/open311/v2", "638344", session=session)
    assert status == Open311Status(
        request_id="638344",
        status="closed",
        status_notes="Lubang sudah ditambal.",
        agency_responsible="Dinas PUPR Kota Padang",
        updated_at=datetime(2026, 11, 30, 14, 15, tzinfo=timezone(timedelta(hours=7))),
    )
    (request,) = open311.requests
    assert (request.method, request.path) == ("GET", "/open311/v2/requests/638344.json")


def test_fetch_status_tolerates_missing_optional_fields(open311, session):
    open311.script(Answer(200, [{"service_request_id": "9", "status": "Open", "updated_datetime": "kemarin"}]))
    status = fetch_status(open311.url, "9", session=session)
    assert status == Open311Status("9", "open", "", None, None)


def test_fetch_status_escapes_the_id(open311, session):
    open311.script(Answer(200, REQUEST))
    fetch_status(open311.url, "a/b c", session=session)
    assert open311.requests[0].path == "/requests/a%2Fb%20c.json"


def test_fetch_status_resolves_a_token_first(open311, session):
    open311.script(Answer(200, [{"service_request_id": "638344", "token": "12345"}]), Answer(200, REQUEST))
    status = fetch_status(open311.url, "token:12345", session=session)
    assert status.request_id == "638344" and status.status == "closed"
    assert [request.path for request in open311.requests] == ["/tokens/12345.json", "/requests/638344.json"]


def test_fetch_status_of_an_unresolved_token_raises(open311, session):
    open311.script(Answer(200, [{"token": "12345"}]))
    with pytest.raises(Open311Error, match="no service_request_id yet"):
        fetch_status(open311.url, "token:12345", session=session)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(200, b"{not json"), "malformed"),
        (Answer(200, []), "malformed"),
        (Answer(200, ["closed"]), "malformed"),
        (Answer(200, [{"service_request_id": "638344"}]), "no status"),
        (Answer(404, [{"code": 404, "description": "request not found"}]), "HTTP 404: 404: request not found"),
        (Answer(500, b"oops"), "HTTP 500: oops"),
    ],
)
def test_fetch_status_raises_a_clear_error_on_bad_answers(open311, session, answer, message):
    open311.script(answer)
    with pytest.raises(Open311Error, match=message):
        fetch_status(open311.url, "638344", session=session)


def test_fetch_status_raises_on_network_errors(closed_port, session):
    with pytest.raises(Open311Error, match="cannot be reached"):
        fetch_status(f"http://127.0.0.1:{closed_port}", "1", session=session)


def test_fetch_status_refuses_a_non_http_base_url():
    with pytest.raises(Open311Error, match="only http and https"):
        fetch_status("gopher://open311.example.go.id", "1")


@pytest.mark.parametrize(
    ("category", "mapping", "code"),
    [
        ("infrastruktur", None, "infrastruktur"),
        ("infrastruktur", {}, "infrastruktur"),
        ("infrastruktur", {"infrastruktur": "PU-JALAN"}, "PU-JALAN"),
        ("kesehatan", {"infrastruktur": "PU-JALAN"}, "kesehatan"),
        ("infrastruktur", {"infrastruktur": ""}, "infrastruktur"),
    ],
)
def test_service_code_for(category, mapping, code):
    assert service_code_for(category, mapping) == code
