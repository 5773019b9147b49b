"""The store on real SQLite files: migrations, tracking numbers, locks and missing folders."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import pytest
import responses
from sqlalchemy import inspect, text

from ingest.errors import StoreUnavailable
from ingest.poll import MENTIONS, PollConfig, poll_once
from ingest.store.store import next_tracking_number, open_store
from ingest.x_client import XClient
from tests.fakes import ACCOUNT_ID, X_BASE, sample


@pytest.mark.sqlite_only
def test_migrations_create_every_table_in_wal_mode_and_are_idempotent(db_url):
    first = open_store(db_url)
    first.close()
    store = open_store(db_url)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert {"mention", "complaint", "reply", "quarantine", "cursor", "gap", "event", "bot_state",
                "tracking_counter", "alembic_version", "followup", "opt_out", "x_usage"} <= tables
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
    finally:
        store.close()


def test_tracking_numbers_count_up_per_month_in_western_indonesia_time(store):
    with store.session() as session:
        november = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
        numbers = [next_tracking_number(session, november) for _ in range(3)]
        # 18:00 UTC on 30 November is already 1 December in Jakarta.
        december = next_tracking_number(session, datetime(2026, 11, 30, 18, tzinfo=timezone.utc))
    assert numbers == ["LPR-2611-00001", "LPR-2611-00002", "LPR-2611-00003"]
    assert december == "LPR-2612-00001"


def test_cursor_never_moves_backwards(store, clock):
    store.set_cursor(MENTIONS, "200", clock())
    store.set_cursor(MENTIONS, "100", clock())
    assert store.get_cursor(MENTIONS) == "200"


def test_missing_database_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'lapor.db'}")


def test_a_locked_database_is_reported_and_the_next_poll_loses_nothing(tmp_path, clock):
    path = tmp_path / "lapor.db"
    store = open_store(f"sqlite:///{path}", lock_timeout=0.2)
    x = XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
            api.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
            api.get(f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions", json=sample("mentions_page_2"))
            blocker.execute("BEGIN EXCLUSIVE")
            with pytest.raises(StoreUnavailable, match="locked"):
                poll_once(x, store, clock, PollConfig(account="lapor1708"))
            blocker.execute("ROLLBACK")
            report = poll_once(x, store, clock, PollConfig(account="lapor1708"))
        assert report.counts.stored == 2
        assert store.get_cursor(MENTIONS) == "2126466096952200020"
    finally:
        blocker.close()
        store.close()


def test_a_database_url_that_cannot_be_reached_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="cannot open the database"):
        open_store("sqlite:////proc/version/lapor.db")


@pytest.mark.sqlite_only
def test_upgrading_a_first_version_database_keeps_its_rows_and_does_not_answer_them_again(db_url):
    from alembic import command
    from sqlalchemy import create_engine

    from ingest.store import migrate

    engine = create_engine(db_url)
    migrate._on(engine, lambda config: command.upgrade(config, "0001"))
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO mention (tweet_id, author_id, text, created_at, language, original_id, referenced_json, "
            "link, link_reason, kind, category, kind_confidence, category_confidence, reasons_json, "
            "has_personal_data, answerable, raw_json, fetched_at) VALUES ('1', '2', 'halo', '2026-11-27 00:00:00', "
            "'id', '1', '[]', 'not_complaint', 'x', 'lainnya', 'lainnya', 0, 0, '[]', 0, 1, '{}', "
            "'2026-11-27 00:00:00')"))
    engine.dispose()
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT reply_state FROM mention")).scalar() == "skipped"
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
    finally:
        store.close()


def test_two_processes_setting_the_same_new_state_key_both_succeed(db_url, clock):
    # Two senders record X's rate-limit window under one key: whoever writes second updates it.
    stores = [open_store(db_url), open_store(db_url)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(store, name):
        barrier.wait()
        for n in range(150):
            try:
                store.set_state(f"race.{n}", f"{name}-{n}", clock())
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

    try:
        threads = [threading.Thread(target=write, args=(store, name)) for store, name in zip(stores, "ab")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert all(stores[0].get_state(f"race.{n}") in (f"a-{n}", f"b-{n}") for n in range(150))
    finally:
        for store in stores:
            store.close()
