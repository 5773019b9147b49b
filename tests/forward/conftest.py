"""Fixtures of the forwarding tests: real SMTP and HTTP servers on loopback, started once per module."""

from __future__ import annotations

import socket

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.forward.helpers import SECRET, PasswordCheck, Receiver, ScriptedSmtp, free_port

SMTP_USER, SMTP_PASSWORD = "lapor-bot", "pa55-w0rd-never-shown"


@pytest.fixture(scope="module")
def _smtp_server():
    handler = ScriptedSmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def smtp(_smtp_server: Controller) -> Controller:
    """Return a running SMTP server whose handler (`.handler`) records envelopes; fresh script per test."""
    _smtp_server.handler.reset()
    return _smtp_server


@pytest.fixture(scope="module")
def smtp_auth():
    """Return a running SMTP server that requires AUTH as SMTP_USER / SMTP_PASSWORD."""
    controller = Controller(
        ScriptedSmtp(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=PasswordCheck(SMTP_USER, SMTP_PASSWORD),
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def _receiver():
    server = Receiver(secret=SECRET)
    yield server
    server.stop()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    """Return a webhook receiver that verifies signatures with SECRET; empty script per test."""
    _receiver.reset()
    return _receiver


@pytest.fixture(scope="module")
def _open311():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def open311(_open311: Receiver) -> Receiver:
    """Return a fake Open311 endpoint (no signatures); empty script per test."""
    _open311.reset()
    return _open311


@pytest.fixture
def session():
    """Return a requests session that ignores proxy settings from the environment."""
    with requests.Session() as opened:
        opened.trust_env = False
        yield opened


@pytest.fixture
def closed_port() -> int:
    """Return a loopback port where nothing listens (connection refused)."""
    return free_port()


@pytest.fixture
def silent_port():
    """Return a loopback port that accepts connections but never says anything."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]
