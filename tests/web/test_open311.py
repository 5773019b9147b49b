"""Open311 GeoReport v2 read endpoints: shaped per the spec, public, verified complaints only, masked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ingest.store.models import ResponseRow
from tests.web.agency_helpers import NIK, PHONE, add_complaint, app_for, forwarded, number

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
W3 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def client(store, clock):
    return app_for(store, clock).test_client()


def respond(store, row, note, public):
    with store.session() as session:
        session.add(ResponseRow(complaint_id=row.id, agency_id=row.agency_id, status="in_progress", note=note,
                                public=public, source="console", actor="agency:dpupr-sumbar/x", at=row.forwarded_at))


def test_services_one_per_category(client):
    answer = client.get("/open311/v2/services.json")
    services = answer.get_json()
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert len(services) == 16
    first = next(s for s in services if s["service_code"] == "infrastruktur")
    assert set(first) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert first["metadata"] is False and first["type"] == "realtime"
    assert first["service_name"] == "Infrastruktur dan Pekerjaan Umum"


def test_requests_list_only_verified_complaints_shaped_per_spec(client, store):
    forwarded(store, 1)
    add_complaint(store, 2)  # awaiting verification
    add_complaint(store, 3, status="merged", verified_at=store.complaint(number(1)).verified_at)
    add_complaint(store, 4, status="rejected")  # rejected without being verified
    requests = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in requests] == [number(1)]
    request = requests[0]
    assert set(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "infrastruktur"
    assert request["agency_responsible"].startswith("Dinas Pekerjaan Umum")
    assert request["address"] == "Kota Padang" and request["zipcode"] is None
    assert W3.match(request["requested_datetime"]) and W3.match(request["updated_datetime"])


def test_descriptions_are_masked_or_empty(client, store):
    forwarded(store, 1, text=f"@lapor1708 NIK {NIK} hp {PHONE} jalan rusak")
    forwarded(store, 2, text="Rumah saya Jl. Melati 3", personal_data_marked=True)
    body = client.get("/open311/v2/requests.json").get_data(as_text=True)
    assert NIK not in body and PHONE not in body and "Melati" not in body and "lapor1708" not in body
    by_id = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").get_json()}
    assert by_id[number(1)]["description"] == "NIK [NIK] hp [TELEPON] jalan rusak"
    assert by_id[number(2)]["description"] == ""
    for secret in ("warga_padang", "2244994945", "1861000000000000001"):
        assert secret not in body


def test_status_notes_are_the_latest_public_response(client, store):
    row = forwarded(store, 1)
    respond(store, row, "Sedang disurvei", public=True)
    respond(store, row, "Internal saja", public=False)
    request = client.get(f"/open311/v2/requests/{number(1)}.json").get_json()[0]
    assert request["status_notes"] == "Sedang disurvei"


def test_closed_rejected_and_archived_are_closed(client, store):
    forwarded(store, 1, status="closed", closed_at=store_time(store))
    forwarded(store, 2, status="rejected")
    forwarded(store, 3)
    statuses = {r["service_request_id"]: r["status"] for r in client.get("/open311/v2/requests.json").get_json()}
    assert statuses == {number(1): "closed", number(2): "closed", number(3): "open"}
    closed = client.get("/open311/v2/requests.json?status=closed").get_json()
    assert {r["service_request_id"] for r in closed} == {number(1), number(2)}
    opened = client.get("/open311/v2/requests.json?status=open").get_json()
    assert [r["service_request_id"] for r in opened] == [number(3)]


def store_time(store):
    from tests.fakes import START

    return START - timedelta(hours=1)


def test_filters_by_ids_service_code_and_dates(client, store, clock):
    forwarded(store, 1)
    forwarded(store, 2, agency_id="dinkes-sumbar", category="kesehatan")
    forwarded(store, 3, created_at=clock() - timedelta(days=200))
    default = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").get_json()}
    assert default == {number(1), number(2)}  # the last 90 days
    by_ids = client.get(f"/open311/v2/requests.json?service_request_id={number(3)},{number(2).lower()}").get_json()
    assert {r["service_request_id"] for r in by_ids} == {number(2), number(3)}
    by_code = client.get("/open311/v2/requests.json?service_code=kesehatan").get_json()
    assert [r["service_request_id"] for r in by_code] == [number(2)]
    old = (clock() - timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (clock() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ranged = client.get(f"/open311/v2/requests.json?start_date={old}&end_date={end}").get_json()
    assert [r["service_request_id"] for r in ranged] == [number(3)]


@pytest.mark.parametrize("query", ["start_date=yesterday", "status=pending", "end_date=2026-13-01T00:00:00Z"])
def test_bad_filters_are_400_in_the_spec_error_shape(client, query):
    answer = client.get(f"/open311/v2/requests.json?{query}")
    assert answer.status_code == 400
    [error] = answer.get_json()
    assert error["code"] == 400 and error["description"]


def test_one_request_is_a_list_and_unknown_or_unverified_is_404(client, store):
    forwarded(store, 1)
    add_complaint(store, 2)
    assert [r["service_request_id"] for r in client.get(f"/open311/v2/requests/{number(1)}.json").get_json()] == [
        number(1)]
    for n in (2, 9):
        answer = client.get(f"/open311/v2/requests/{number(n)}.json")
        assert answer.status_code == 404 and answer.get_json()[0]["code"] == 404


def test_no_sign_in_or_token_needed(client, store):
    forwarded(store, 1)
    answer = client.get("/open311/v2/requests.json")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
