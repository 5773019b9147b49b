"""Fixtures of the outbox tests: a real tweepy client whose HTTP `responses` answers."""

from __future__ import annotations

import pytest
import responses

from ingest.x_client import XClient
from tests.fakes import X_BASE, sample


@pytest.fixture
def x():
    return XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
        yield mock
