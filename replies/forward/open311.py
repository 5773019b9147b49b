"""Open a service request on an agency's Open311 GeoReport v2 endpoint, and read its status back.

Follows GeoReport v2 (wiki.open311.org/GeoReport_v2): POST {base}/requests.json, form-encoded,
answers a JSON list holding `service_request_id` or, on endpoints that queue requests, a
`token` (resolved later through GET {base}/tokens/{token}.json); GET {base}/requests/{id}.json
answers a list with one request. Errors come as a list of {"code", "description"}.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from replies.forward.message import open311_description
from replies.forward.types import FAILED, RETRY, SENT, Delivery, ForwardItem, Open311Status
from replies.forward.webhook import excerpt, http_call, http_failure, network_failure, outcome_for_status, refuse_url

TOKEN_PREFIX = "token:"


class Open311Error(Exception):
    """An Open311 endpoint could not be read: network trouble, a non-2xx answer or a malformed body."""


def service_code_for(category: str, mapping: Mapping[str, str] | None) -> str:
    """Return the agency's service code for one of our category codes (the code itself when unmapped)."""
    return (mapping or {}).get(category) or category


def submit_request(
    base_url: str,
    api_key: str | None,
    service_code: str,
    item: ForwardItem,
    timeout: float = 10.0,
    session: requests.Session | None = None,
) -> Delivery:
    """Open a service request for `item`; SENT carries its id, or "token:<token>" when only a token came back."""
    refusal = refuse_url(base_url)
    if refusal:
        return Delivery(FAILED, error=refusal)
    form = request_form(api_key, service_code, item)
    try:
        status, headers, answer = http_call(session, "POST", _endpoint(base_url, "requests.json"), timeout, data=form)
    except requests.RequestException as exc:
        return network_failure(exc)
    if not 200 <= status < 300:
        return http_failure(status, headers, answer, None, detail=_errors_text(answer))
    return submission_outcome(answer)


def request_form(api_key: str | None, service_code: str, item: ForwardItem) -> dict[str, str]:
    """Return the POST Service Request fields for `item` (no personal fields: the citizen stays with LAPOR!)."""
    form = {"service_code": service_code, "description": open311_description(item)}
    if api_key:
        form["api_key"] = api_key
    if item.region_name:
        form["address_string"] = item.region_name
    return form


def submission_outcome(answer: bytes) -> Delivery:
    """Read a 2xx POST answer: an id or token is SENT, an error list is FAILED/RETRY, anything else RETRY."""
    first = _first_object(answer)
    if first is None:
        return Delivery(RETRY, error=f"Open311 answered 2xx with an unreadable body: {excerpt(answer) or '(empty)'}")
    if _text(first.get("service_request_id")):
        return Delivery(SENT, external_id=_text(first.get("service_request_id")))
    if _text(first.get("token")):
        return Delivery(SENT, external_id=TOKEN_PREFIX + _text(first.get("token")))
    if "code" in first or "description" in first:
        code = first.get("code")
        outcome = outcome_for_status(code) if isinstance(code, int) and not 200 <= code < 300 else FAILED
        return Delivery(outcome, error=f"Open311 refused the request: {_errors_text(answer)}")
    return Delivery(RETRY, error=f"Open311 answer has neither service_request_id nor token: {excerpt(answer)}")


def fetch_status(
    base_url: str, request_id: str, timeout: float = 10.0, session: requests.Session | None = None
) -> Open311Status:
    """Return the state of a service request; a "token:" id is first resolved to the request's id."""
    if request_id.startswith(TOKEN_PREFIX):
        request_id = _resolve_token(base_url, request_id[len(TOKEN_PREFIX) :], timeout, session)
    first = _get_first(base_url, f"requests/{quote(request_id, safe='')}.json", timeout, session)
    return parse_status(first, request_id)


def parse_status(found: Mapping[str, Any], request_id: str) -> Open311Status:
    """Return an Open311Status from one GET Service Request object, or raise Open311Error."""
    status = _text(found.get("status")).lower()
    if not status:
        raise Open311Error(f"Open311 request {request_id} has no status in the answer")
    return Open311Status(
        request_id=_text(found.get("service_request_id")) or request_id,
        status=status,
        status_notes=_text(found.get("status_notes")),
        agency_responsible=_text(found.get("agency_responsible")) or None,
        updated_at=_datetime(found.get("updated_datetime")),
    )


def _resolve_token(base_url: str, token: str, timeout: float, session: requests.Session | None) -> str:
    first = _get_first(base_url, f"tokens/{quote(token, safe='')}.json", timeout, session)
    request_id = _text(first.get("service_request_id"))
    if not request_id:
        raise Open311Error(f"Open311 token {token} has no service_request_id yet; ask again later")
    return request_id


def _get_first(base_url: str, path: str, timeout: float, session: requests.Session | None) -> dict[str, Any]:
    refusal = refuse_url(base_url)
    if refusal:
        raise Open311Error(f"Open311 base URL: {refusal}")
    url = _endpoint(base_url, path)
    try:
        status, _, answer = http_call(session, "GET", url, timeout)
    except requests.RequestException as exc:
        raise Open311Error(f"Open311 {url} cannot be reached: {network_failure(exc).error}") from exc
    if not 200 <= status < 300:
        raise Open311Error(f"Open311 {url} answered HTTP {status}: {_errors_text(answer)}")
    first = _first_object(answer)
    if first is None:
        raise Open311Error(f"Open311 {url} answered a malformed body: {excerpt(answer) or '(empty)'}")
    return first


def _first_object(answer: bytes) -> dict[str, Any] | None:
    """Return the first object of a GeoReport JSON list (a bare object is tolerated), or None."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        return None
    if isinstance(parsed, list):
        parsed = parsed[0] if parsed else None
    return parsed if isinstance(parsed, dict) else None


def _errors_text(answer: bytes) -> str:
    """Return GeoReport errors as "code: description; ...", or a plain excerpt of the body."""
    try:
        parsed = json.loads(answer)
    except ValueError:
        return excerpt(answer)
    entries = parsed if isinstance(parsed, list) else [parsed]
    said = [
        f"{entry.get('code', '?')}: {entry.get('description', '')}".strip()
        for entry in entries
        if isinstance(entry, dict) and ("code" in entry or "description" in entry)
    ]
    return excerpt("; ".join(said).encode("utf-8")) if said else excerpt(answer)


def _endpoint(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path}"


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return str(value).strip()


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(_text(value)) if _text(value) else None
    except ValueError:
        return None
