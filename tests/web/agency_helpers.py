"""Helpers for the agency, status, API, Open311 and admin tests: users, an app over a store, complaints."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bot.settings import load_settings
from bot.web.app import Console, create_app
from bot.web.passwords import hash_password
from ingest.routing import load_routing
from ingest.store.models import ComplaintRow
from ingest.store.store import Store
from ingest.store.users import add_token, add_user, user_by_name
from ingest.workdays import WorkCalendar
from tests.fakes import START

NIK = "1371012345678901"
PHONE = "081234567890"


def number(n: int) -> str:
    """Return the tracking number of test complaint `n`."""
    return f"LPR-2611-{n:05d}"


def make_user(store: Store, username: str, role: str, agency_id: str | None = None) -> tuple[str, str]:
    """Create a console user; return (username, password)."""
    password = f"pw-{username}-0123456789"
    add_user(store, username, username.title(), hash_password(password), role, START, agency_id=agency_id)
    return username, password


def make_token(store: Store, username: str) -> str:
    """Return a new API token for an existing user."""
    user = user_by_name(store, username)
    assert user is not None and user.id is not None
    token = secrets.token_urlsafe(32)
    add_token(store, user.id, "test", token, START)
    return token


def app_for(store: Store, clock: Any, settings_env: dict[str, str] | None = None) -> Flask:
    """Return the console app over `store`, with the shipped routing table and `clock`."""
    console = Console(settings=load_settings(settings_env or {}), store=store, routing=load_routing(),
                      calendar=WorkCalendar(), now=clock)
    app = create_app(console, secret_key="x" * 40, secure_cookies=False)
    app.config["TESTING"] = True
    return app


def csrf(client: FlaskClient) -> str:
    """Return the CSRF token of the client's session (made if there is none yet)."""
    with client.session_transaction() as session:
        if not session.get("csrf"):
            session["csrf"] = secrets.token_urlsafe(16)
        return str(session["csrf"])


def login(client: FlaskClient, username: str, password: str) -> None:
    """Sign the client in."""
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def add_complaint(store: Store, n: int, **fields: Any) -> ComplaintRow:
    """Insert complaint `n` (awaiting verification unless `fields` say otherwise)."""
    created = fields.pop("created_at", START - timedelta(days=2))
    values: dict[str, Any] = {
        "tracking_number": number(n), "first_tweet_id": str(1861000000000000000 + n), "author_id": "2244994945",
        "author_username": "warga_padang", "text": f"Jalan berlubang di depan pasar nomor {n}", "kind": "pengaduan",
        "category": "infrastruktur", "language": "id", "acknowledgement": "posted",
        "acknowledgement_reason": "acknowledged", "created_at": created, "updated_at": created,
        "region_code": "13.71", "region_name": "Kota Padang", **fields,
    }
    with store.session() as session:
        row = ComplaintRow(**values)
        session.add(row)
        session.flush()
        return row


def forwarded(store: Store, n: int, agency_id: str = "dpupr-sumbar", at: datetime | None = None,
              **fields: Any) -> ComplaintRow:
    """Insert complaint `n` forwarded to `agency_id`."""
    moment = at or START - timedelta(days=1)
    values = {"status": "forwarded", "agency_id": agency_id, "agency": load_routing().agency(agency_id).name,
              "verified_at": moment - timedelta(hours=2), "forwarded_at": moment, "status_changed_at": moment}
    return add_complaint(store, n, **{**values, **fields})
