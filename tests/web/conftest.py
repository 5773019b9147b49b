"""Helpers for the console's tests: a store, users, an app over them, signing in, complaints.

Each helper is a plain function (importable) and a fixture of the same name (so a test can
just ask for it):

    web_store                                   a migrated store on a temporary SQLite file
    make_user(store, username, role, agency_id=None) -> (username, password)
    app_for(store, clock) -> Flask app          the real app over `store`, its clock `clock`
    login(client, username, password) -> response of the sign-in POST (a 302 when it worked)
    add_complaint(store, n, **fields) -> ComplaintRow
        complaint LPR-2611-<n:05d> with its first mention; `fields` override the complaint's
        columns, and reasons=[...], kind_confidence=, category_confidence= go to the mention.
    csrf(client) -> str                         the CSRF token of the client's session
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.settings import load_settings
from bot.web.app import Console, create_app
from bot.web.passwords import hash_password
from ingest.routing import load_routing
from ingest.store.models import ComplaintRow, MentionRow
from ingest.store.store import Store, open_store
from ingest.store.users import add_user
from ingest.workdays import WorkCalendar
from tests.fakes import START

PASSWORD_SUFFIX = "-pw-Secret-2026"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_ROUTING = load_routing()


def make_user(store: Store, username: str, role: str, agency_id: str | None = None) -> tuple[str, str]:
    """Create a console user; return (username, password)."""
    password = username + PASSWORD_SUFFIX
    add_user(store, username, username.title(), hash_password(password), role, START, agency_id=agency_id)
    return username, password


def app_for(store: Store, clock: Callable[[], datetime]) -> Flask:
    """Return the console app over `store`, with the shipped routing table and `clock` as its now."""
    console = Console(settings=load_settings({}), store=store, routing=_ROUTING, calendar=WorkCalendar(), now=clock)
    app = create_app(console, secret_key="x" * 40, secure_cookies=False)
    app.config["TESTING"] = True
    return app


def csrf(client: FlaskClient) -> str:
    """Return the CSRF token of the client's session (made by loading the sign-in page)."""
    page = client.get("/login").get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str) -> Any:
    """Sign the client in; return the answer to the sign-in POST."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


def add_complaint(store: Store, n: int, **fields: Any) -> ComplaintRow:
    """Insert complaint LPR-2611-<n:05d> and its first mention; `fields` override the defaults."""
    mention_fields = {key: fields.pop(key) for key in ("reasons", "kind_confidence", "category_confidence")
                      if key in fields}
    created = fields.get("created_at", START - timedelta(hours=1))
    tweet_id = fields.get("first_tweet_id", str(1_800_000_000_000_000_000 + n))
    values: dict[str, Any] = {
        "tracking_number": f"LPR-2611-{n:05d}", "first_tweet_id": tweet_id, "author_id": "2244994945",
        "author_username": "warga_padang", "text": f"Jalan berlubang nomor {n} di Padang, mohon diperbaiki.",
        "kind": "pengaduan", "category": "infrastruktur", "language": "id", "region_code": "13.71",
        "region_name": "Kota Padang", "agency_id": "dpupr-padang", "agency": _ROUTING.agency("dpupr-padang").name,
        "acknowledgement": "posted", "acknowledgement_reason": "test", "created_at": created, "updated_at": created,
    } | fields
    complaint = ComplaintRow(**values)
    mention = MentionRow(
        tweet_id=tweet_id, author_id=values["author_id"], author_username=values["author_username"],
        text=values["text"], created_at=values["created_at"], language="id", original_id=tweet_id,
        referenced_json="[]", link="new", link_reason="classified as pengaduan", kind=values["kind"],
        category=values["category"], kind_confidence=mention_fields.get("kind_confidence", 0.9),
        category_confidence=mention_fields.get("category_confidence", 0.9),
        reasons_json=json.dumps(mention_fields.get("reasons", ["decide: kind=pengaduan (0.90)"])),
        region_code=values["region_code"], agency_id=values["agency_id"], flags_json=values.get("flags_json", "[]"),
        raw_json="{}", fetched_at=values["created_at"],
    )
    with store.session() as session:
        session.add(complaint)
        session.flush()
        mention.complaint_id = complaint.id
        session.add(mention)
    return complaint


@pytest.fixture
def web_store(db_url: str) -> Iterator[Store]:
    """Return a migrated store on a temporary SQLite file."""
    opened = open_store(db_url)
    yield opened
    opened.close()


@pytest.fixture(name="make_user")
def _make_user_fixture() -> Callable[..., tuple[str, str]]:
    return make_user


@pytest.fixture(name="app_for")
def _app_for_fixture() -> Callable[..., Flask]:
    return app_for


@pytest.fixture(name="login")
def _login_fixture() -> Callable[..., Any]:
    return login


@pytest.fixture(name="add_complaint")
def _add_complaint_fixture() -> Callable[..., ComplaintRow]:
    return add_complaint


@pytest.fixture(name="csrf")
def _csrf_fixture() -> Callable[[FlaskClient], str]:
    return csrf
