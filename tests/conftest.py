"""Fixtures: no network beyond loopback, a fake clock, a real store.

The store is a SQLite file, or with LAPOR_TEST_POSTGRES_URL set (a PostgreSQL server's URL,
e.g. postgresql+psycopg://lapor@127.0.0.1:55432/postgres) a fresh PostgreSQL database per
test, copied from a migrated template database made once per run.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.store.store import Store, open_store
from tests.fakes import FakeClock


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not _is_loopback(host):
            raise AssertionError(f"test tried to reach {address!r}: tests stay on loopback")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at 2026-11-28 01:00 UTC."""
    return FakeClock()


POSTGRES_URL = os.environ.get("LAPOR_TEST_POSTGRES_URL", "").strip()
TEMPLATE = "lapor_test_template"


def on_postgres() -> bool:
    """Return whether this run stores into PostgreSQL."""
    return bool(POSTGRES_URL)


def _admin(sql: str) -> None:
    """Run one statement outside a transaction on the server's maintenance database."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=url.database or "postgres", autocommit=True) as connection:
        connection.execute(sql)


def _database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str | None]:
    if not on_postgres():
        yield None
        return
    _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {TEMPLATE}")
    open_store(_database_url(TEMPLATE)).close()  # migrated once; every test copies it
    yield TEMPLATE
    _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")


@pytest.fixture
def db_url(tmp_path: Path, _postgres_template: str | None) -> Iterator[str]:
    """Return the URL of a fresh database: a SQLite file, or a PostgreSQL database (see above)."""
    if _postgres_template is None:
        yield f"sqlite:///{tmp_path / 'lapor.db'}"
        return
    name = f"lapor_test_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {_postgres_template}")
    yield _database_url(name)
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a migrated, empty SQLite file to copy (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "lapor.db"
    open_store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def store(db_url: str, _sqlite_template: Path) -> Iterator[Store]:
    """Return a migrated store on the test's database (db_url): a copy of the migrated template."""
    if db_url.startswith("sqlite:///"):
        shutil.copy(_sqlite_template, db_url.removeprefix("sqlite:///"))
    opened = open_store(db_url)
    yield opened
    opened.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a PostgreSQL run, keep the tests that use the database fixture, minus SQLite's own behaviour.

    The others (pure functions, or commands run on their own SQLite file) do not depend on the
    database server: the SQLite run covers them. So do the X fault tests in tests/faults/ (they
    exercise the X edge, and take a minute): the store's own faults are SQLite's anyway.
    """
    if not on_postgres():
        return
    kept, dropped = [], []
    for item in items:
        uses_database = "db_url" in getattr(item, "fixturenames", ()) and "tests/faults/" not in item.nodeid
        (kept if uses_database and not item.get_closest_marker("sqlite_only") else dropped).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=dropped)
