"""Fixtures of the command tests."""

from __future__ import annotations

import os

import pytest

from bot.cli import main
from bot.sandbox import Sandbox


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Run in an empty folder against a sandbox, after one `run --once`."""
    for key in list(os.environ):
        if key.startswith(("X_", "LAPOR_")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    with Sandbox() as server:
        monkeypatch.setenv("X_API_BASE_URL", server.url)
        assert main(["run", "--once"]) == 0
        yield server
