"""X failing while the bot reads mentions or posts replies: every fault is survived and reported.

Each fault is scripted in the sandbox for a bounded number of requests; the bot runs its real
poll and send jobs through tweepy over loopback HTTP. `World.verify` then moves time past the
bot's pauses, ticks until the bot is idle, and checks: no sandbox mention is missing from the
store, no tweet got two replies, the outbox agrees with X, and a WARNING/ERROR line or an
event row tells the operator what happened.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import CLIENT_TIMEOUT

MENTIONS = "/mentions"
POST = "/2/tweets"
HTML_ERROR = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def _script(sandbox, fault: str, path: str, method: str) -> None:
    """Script `fault` on the requests to `path` (bounded: at most three requests)."""
    if fault == "429_with_reset":
        sandbox.script_rate_limit(path, reset_in=60)
    elif fault == "429_without_reset":
        sandbox.script_rate_limit(path, reset_in=None)
    elif fault == "usage_cap":
        sandbox.script_usage_cap(path)
    elif fault == "500_burst":
        sandbox.script_fault(path, 500, times=3, method=method)
    elif fault == "503_burst":
        sandbox.script_fault(path, 503, times=3, method=method)
    elif fault == "timeout":
        sandbox.script_delay(path, CLIENT_TIMEOUT + 0.3, method=method)
    elif fault == "reset_before_answer":
        sandbox.script_fault(path, 0, method=method)
    elif fault == "reset_mid_body":
        sandbox.script_reset_mid_body(path, fraction=0.5, method=method)
    elif fault == "truncated_json":
        sandbox.script_truncated(path, fraction=0.6, method=method)
    elif fault == "html_instead_of_json":
        sandbox.script_fault(path, 200 if method == "GET" else 201, body=HTML_ERROR, method=method)
    elif fault == "json_array_not_object":
        sandbox.script_fault(path, 200 if method == "GET" else 201, body="[1, 2, 3]", method=method)
    elif fault == "data_of_wrong_shape":
        shape = {"data": {"id": "1"}} if method == "GET" else {"data": ["1"]}
        sandbox.script_fault(path, 200 if method == "GET" else 201, body=shape, method=method)
    elif fault == "503_after_the_post_was_made":
        sandbox.script_lost_answer(path, 503, method=method)
    elif fault == "reset_after_the_post_was_made":
        sandbox.script_lost_answer(path, 0, method=method)
    else:
        raise ValueError(fault)


X_FAULTS = ["429_with_reset", "429_without_reset", "usage_cap", "500_burst", "503_burst", "timeout",
            "reset_before_answer", "reset_mid_body", "truncated_json", "html_instead_of_json",
            "json_array_not_object", "data_of_wrong_shape"]
# What the operator sees for each (a WARNING/ERROR line containing one of these).
SAID = {"429_with_reset": ("rate limit",), "429_without_reset": ("rate limit",), "usage_cap": ("usage cap",),
        "500_burst": ("500",), "503_burst": ("503",), "timeout": ("Timeout",),
        "reset_before_answer": ("cannot reach X",), "reset_mid_body": ("cannot reach X",),
        "truncated_json": ("not JSON",), "html_instead_of_json": ("not JSON",),
        "json_array_not_object": ("not a JSON object",), "data_of_wrong_shape": ("not a list", "no id"),
        "503_after_the_post_was_made": ("503",), "reset_after_the_post_was_made": ("cannot reach X",)}


@pytest.mark.parametrize("fault", X_FAULTS)
def test_a_fault_while_reading_mentions_is_survived(world, fault):
    w = world(fresh=5)
    _script(w.sandbox, fault, MENTIONS, "GET")
    poll, send = w.tick()
    assert poll is not None and poll.status != "ok", "the fault went unnoticed"
    assert w.stored() == w.stored()[:1], "nothing new is stored while X fails"  # only the first tick's one
    assert send is not None
    w.verify(f"read: {fault}", logged=SAID[fault], events=(f"poll_{poll.status}",))


@pytest.mark.parametrize("fault", X_FAULTS + ["503_after_the_post_was_made", "reset_after_the_post_was_made"])
def test_a_fault_while_posting_replies_is_survived(world, fault):
    w = world(fresh=5)
    _script(w.sandbox, fault, POST, "POST")
    poll, send = w.tick()
    assert poll is not None and poll.status == "ok" and send is not None
    assert send.status != "ok" or send.failed == 0, "the fault went unnoticed"
    w.verify(f"post: {fault}", logged=SAID[fault])
    assert {r.status for r in w.replies()} == {"posted"}, "every reply goes out once X is back"


def test_a_burst_of_server_errors_over_several_ticks_backs_off_and_recovers(world):
    w = world(fresh=3)
    w.sandbox.script_fault(MENTIONS, 503, times=3, method="GET")
    waits = []
    for _ in range(3):
        poll, _ = w.tick()
        assert poll.status == "unavailable"
        waits.append(w.bot.store.get_state("pause.mentions"))
        w.clock.advance(minutes=16)  # past the longest pause a third failure can ask for
    assert len(set(waits)) == 3, "each failure sets a new pause"
    failures = w.events("poll_unavailable")
    assert [e.level for e in failures] == ["warning"] * 3 and "failure 3 in a row" in failures[-1].message
    w.verify("read: 503 on three ticks in a row", events=("poll_unavailable",))


def test_a_fault_on_the_second_page_keeps_the_first_and_moves_no_cursor(world):
    w = world(fresh=130, authors=6)  # two pages of mentions (100 a page)
    cursor = w.bot.store.get_cursor("mentions")
    w.sandbox.script_fault("pagination_token=", 503, method="GET")
    poll, _ = w.tick()
    assert poll.status == "unavailable" and poll.pages == 1
    assert len(w.stored()) == 1 + 100, "the page read before the fault is kept"
    assert w.bot.store.get_cursor("mentions") == cursor, "the cursor waits for the whole batch"
    w.verify("read: 503 on page 2", logged=("503",), events=("poll_unavailable",))


def test_a_timeout_on_the_second_page_is_survived(world):
    w = world(fresh=130, authors=6)
    w.sandbox.script_delay("pagination_token=", CLIENT_TIMEOUT + 0.3, method="GET")
    poll, _ = w.tick()
    assert poll.status == "unavailable" and "Timeout" in poll.message
    w.verify("read: timeout on page 2", events=("poll_unavailable",))


def test_a_rate_limit_on_account_lookup_at_first_start_is_survived(world):
    w = world(fresh=3, backlog=0, first_tick=False)
    w.sandbox.script_rate_limit("/2/users/me", reset_in=60)
    w.sandbox.script_rate_limit("/2/users/by/username", reset_in=60)
    poll, _ = w.tick()
    assert poll.status == "rate_limited"
    w.verify("read: 429 on the account lookup", events=("poll_rate_limited",))
