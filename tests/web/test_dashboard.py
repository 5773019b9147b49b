"""The dashboard page, over an empty database and over data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from bot.web.dashboard import wib_days
from ingest.store.dashboard import fetch_daily_categories
from ingest.store.store import Store
from ingest.store.usage import count_usage
from tests.fakes import FakeClock
from tests.web.conftest import add_complaint, app_for, login, make_user


@pytest.fixture
def officer(web_store: Store, clock: FakeClock) -> FlaskClient:
    """Return a client signed in as an officer."""
    client = app_for(web_store, clock).test_client()
    login(client, *make_user(web_store, "budi", "officer"))
    return client


def test_dashboard_renders_on_an_empty_database(officer: FlaskClient) -> None:
    """With nothing stored every chart says there is no data yet."""
    response = officer.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("Belum ada data untuk periode ini.") == 5
    assert "<svg" not in page
    assert "US$0.00" in page


def test_dashboard_renders_charts_and_tables_with_data(officer: FlaskClient, web_store: Store, clock: FakeClock) -> None:
    """Complaints, stage times, compliance and spend are drawn, each with its table."""
    now = clock.now
    add_complaint(web_store, 1, acknowledged_at=now - timedelta(minutes=30), verified_at=now - timedelta(minutes=20),
                  forwarded_at=now - timedelta(minutes=10), status="forwarded")
    add_complaint(web_store, 2, category="kesehatan", region_code="13.75", region_name="Kota <Bukittinggi>",
                  created_at=now - timedelta(days=3))
    add_complaint(web_store, 3, created_at=now - timedelta(days=60))  # outside 30 days
    count_usage(web_store, now, reads=100, posts_with_link=2)
    page = officer.get("/dashboard").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 5
    assert page.count('<details class="chart-table">') == 5
    assert "Kota &lt;Bukittinggi&gt;" in page and "Kota <Bukittinggi>" not in page
    assert "Dinas Pekerjaan Umum" in page  # compliance per agency, by name
    assert "US$0.50" in page  # 100 reads at 0.001 + 2 posts with a link at 0.20
    assert '<span class="number">2</span>' in page  # two complaints in the last 30 days
    assert '<span class="number">3</span>' in officer.get("/dashboard?days=90").get_data(as_text=True)


def test_dashboard_needs_an_officer(web_store: Store, clock: FakeClock) -> None:
    """Anonymous visitors sign in first; agency users are refused."""
    client = app_for(web_store, clock).test_client()
    assert client.get("/dashboard").status_code == 302
    login(client, *make_user(web_store, "dpu", "agency", agency_id="dpupr-padang"))
    assert client.get("/dashboard").status_code == 403


def test_daily_counts_use_wib_days(web_store: Store, clock: FakeClock) -> None:
    """A complaint at 20:00 UTC belongs to the next WIB day."""
    late = clock.now.replace(hour=20) - timedelta(days=1)  # 2026-11-27 20:00 UTC = 11-28 03:00 WIB
    add_complaint(web_store, 1, created_at=late)
    days = wib_days(clock.now, 7)
    assert days[-1] == "2026-11-28"
    rows = fetch_daily_categories(web_store, late - timedelta(days=1), late + timedelta(days=1))
    assert rows == [("2026-11-28", "infrastruktur", 1)]
