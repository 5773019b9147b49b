"""Fixtures: no network beyond loopback, a fake clock, a real SQLite store."""

from __future__ import annotations

import ipaddress
import socket
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


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """Return the URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'lapor.db'}"


@pytest.fixture
def store(db_url: str) -> Store:
    """Return a migrated store on a real SQLite file."""
    opened = open_store(db_url)
    yield opened
    opened.close()
