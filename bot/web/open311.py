"""Open311 GeoReport v2 read endpoints (public, no key): our categories as services, complaints as requests.

Follows https://wiki.open311.org/GeoReport_v2 (JSON format only):

    GET /open311/v2/services.json            one service per category (service_code = our category code)
    GET /open311/v2/requests.json            ?service_request_id=a,b  ?service_code=  ?start_date= ?end_date=
                                             ?status=open,closed; the last 90 days and 1,000 requests at most
    GET /open311/v2/requests/<id>.json       a list holding the one request (id = the tracking number)

Only complaints an officer verified appear (never merged duplicates), and never personal data:
the description is the masked text (empty when an officer marked personal data), without
handles; the address is the region's name. Errors are the spec's [{"code", "description"}].
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlmodel import col, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from bot.web.app import console
from bot.web.public import aware, masked_text, public_note
from ingest.store.models import ComplaintRow, ResponseRow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
WINDOW = timedelta(days=90)  # GeoReport v2 "Response Volume": 90 days or 1,000 requests
MAX_REQUESTS = 1000
DESCRIPTION_MAX = 4000  # the spec's limit on a request's description
CLOSED = ("closed", "rejected", "archived")


@bp.errorhandler(HTTPException)
def _error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    return jsonify([{"code": code, "description": error.description if code != 500 else ""}]), code


@bp.get("/services.json")
def services() -> Response:
    """List one service per category."""
    return jsonify([
        {"service_code": row["code"], "service_name": row["name_id"], "description": row["scope"],
         "metadata": False, "type": "realtime", "keywords": ", ".join((row["name_id"], row["name_en"])),
         "group": row["name_en"]}
        for row in _categories()
    ])


@bp.get("/requests.json")
def service_requests() -> Response:
    """List verified complaints, newest first, by the spec's filters."""
    args = request.args
    if ids := [part.strip().upper() for part in args.get("service_request_id", "").split(",") if part.strip()]:
        where: list[Any] = [col(ComplaintRow.tracking_number).in_(ids[:MAX_REQUESTS])]
    else:
        where = _filters(args)
    return jsonify(_requests(where))


@bp.get("/requests/<service_request_id>.json")
def one_request(service_request_id: str) -> Response:
    """Return the one request with this id, in a list (as the spec answers)."""
    found = _requests([ComplaintRow.tracking_number == service_request_id.strip().upper()])
    if not found:
        abort(404, description=f"no service request {service_request_id[:40]!r}")
    return jsonify(found)


def _filters(args: Any) -> list[Any]:
    now = console().now()
    end = _moment(args.get("end_date"), "end_date") or now
    start = _moment(args.get("start_date"), "start_date") or end - WINDOW
    if start > end:
        abort(400, description="start_date is after end_date")
    where: list[Any] = [ComplaintRow.created_at >= max(start, end - WINDOW), ComplaintRow.created_at <= end]
    if codes := [c.strip() for c in args.get("service_code", "").split(",") if c.strip()]:
        where.append(col(ComplaintRow.category).in_(codes))
    wanted = {s.strip().lower() for s in args.get("status", "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        abort(400, description="status: open, closed, or both comma-separated")
    if wanted == {"open"}:
        where.append(col(ComplaintRow.status).not_in(CLOSED))
    elif wanted == {"closed"}:
        where.append(col(ComplaintRow.status).in_(CLOSED))
    return where


def _moment(raw: str | None, name: str) -> datetime | None:
    if not raw or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        abort(400, description=f"{name}: a w3 date-time, e.g. 2026-11-01T00:00:00Z")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _requests(where: list[Any]) -> list[dict[str, Any]]:
    verified = (col(ComplaintRow.verified_at).is_not(None), ComplaintRow.status != "merged")

    def query(session: Any) -> tuple[list[ComplaintRow], dict[int, str]]:
        rows = list(session.exec(select(ComplaintRow).where(*verified, *where)
                                 .order_by(col(ComplaintRow.created_at).desc(), col(ComplaintRow.id).desc())
                                 .limit(MAX_REQUESTS)))
        notes: dict[int, str] = {}
        if rows:
            responses = session.exec(select(ResponseRow.complaint_id, ResponseRow.note).where(
                col(ResponseRow.complaint_id).in_([r.id for r in rows]), ResponseRow.public == True,  # noqa: E712
            ).order_by(col(ResponseRow.id)))
            notes = {complaint_id: note for complaint_id, note in responses if note.strip()}  # the latest wins
        return rows, notes

    rows, notes = console().store.read(query)
    names = {row["code"]: row["name_id"] for row in _categories()}
    return [_request_json(row, notes.get(row.id or 0), names.get(row.category, row.category)) for row in rows]


def _request_json(c: ComplaintRow, note: str | None, service_name: str) -> dict[str, Any]:
    closed = c.status in CLOSED
    updated = (c.closed_at or c.status_changed_at or c.updated_at) if closed else c.updated_at
    return {
        "service_request_id": c.tracking_number,
        "status": "closed" if closed else "open",
        "status_notes": public_note(note) if note else None,
        "service_name": service_name,
        "service_code": c.category,
        "description": masked_text(c)[:DESCRIPTION_MAX],
        "agency_responsible": c.agency if c.forwarded_at else None,
        "service_notice": None,
        "requested_datetime": _w3(c.created_at),
        "updated_datetime": _w3(updated),
        "expected_datetime": _w3(c.due_at) if c.due_stage == "respond" and c.due_at else None,
        "address": c.region_name,
        "address_id": c.region_code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _w3(moment: datetime) -> str:
    return aware(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=1)
def _categories() -> tuple[dict[str, str], ...]:
    table = resources.files("ingest").joinpath("rules/categories.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(table.splitlines()))
