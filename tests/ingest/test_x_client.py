"""The X edge: host redirection, authentication choice, error translation."""

from __future__ import annotations

import pytest
import responses

from ingest.errors import XAuthError, XRateLimited, XRefused, XUnavailable, XUsageCapped
from ingest.x_client import RedirectingSession, XClient
from tests.fakes import sample


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("http://127.0.0.1:8708", "https://api.twitter.com/2/users/me?x=1", "http://127.0.0.1:8708/2/users/me?x=1"),
        ("https://proxy.example/x-api/", "https://api.x.com/2/tweets", "https://proxy.example/x-api/2/tweets"),
        ("http://127.0.0.1:8708", "https://upload.example/file", "https://upload.example/file"),
    ],
)
def test_x_hosts_are_rewritten_to_the_base_url(base, url, expected):
    assert RedirectingSession(base, 5).rewrite(url) == expected


def client(**keys) -> XClient:
    defaults = dict(bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")
    return XClient("http://127.0.0.1:9", **(defaults | keys))


def test_oauth_signature_is_made_for_the_url_really_called():
    with responses.RequestsMock() as api:
        api.get("http://127.0.0.1:9/2/users/me", json=sample("users_me"))
        assert client().fetch_account("lapor1708").id == "1700000000000000001"
        header = api.calls[0].request.headers["Authorization"]
    assert header.startswith("OAuth ") and "oauth_signature=" in header


def test_refused_credentials_on_reads_are_an_auth_error():
    with responses.RequestsMock() as api:
        api.get("http://127.0.0.1:9/2/users/me", status=401, json={"title": "Unauthorized", "status": 401})
        with pytest.raises(XAuthError, match="401"):
            client().fetch_account("lapor1708")


def test_a_refused_post_carries_x_detail():
    with responses.RequestsMock() as api:
        api.post("http://127.0.0.1:9/2/tweets", status=403, json=sample("problem_403_duplicate"))
        with pytest.raises(XRefused) as caught:
            client().post_reply("halo", "1")
    assert caught.value.status == 403 and "duplicate content" in caught.value.detail


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": "[1, 2]"},
        {"status": 200, "body": '{"data": "nope"}'},
        {"status": 400, "body": "[]"},
        {"status": 503, "body": "<html>busy</html>"},
    ],
)
def test_unreadable_answers_become_x_unavailable_or_refused(answer):
    with responses.RequestsMock() as api:
        api.get("http://127.0.0.1:9/2/users/1/mentions", status=answer["status"], body=answer["body"],
                content_type="application/json")
        with pytest.raises((XUnavailable, XRefused)):
            client().fetch_mentions_page("1")


def test_a_429_with_an_html_body_is_still_a_rate_limit():
    with responses.RequestsMock() as api:
        api.get("http://127.0.0.1:9/2/users/1/mentions", status=429, body="<html>busy</html>",
                headers={"x-rate-limit-reset": "1795840000"})
        with pytest.raises(XRateLimited) as caught:
            client().fetch_mentions_page("1")
    assert caught.value.reset_at == 1795840000 and not isinstance(caught.value, XUsageCapped)
