"""The poll job against X-shaped HTTP answers (responses) and a real SQLite store."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from responses import matchers
from sqlmodel import select

from ingest.poll import MENTIONS, PollConfig, estimate_missing, poll_once
from ingest.walk import PageRequest, Walk, next_request, step
from ingest.store.models import EventRow, GapRow, MentionRow, QuarantineRow
from ingest.x_client import XClient
from tests.fakes import ACCOUNT_ID, X_BASE, page, sample, tweet

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
ME_URL = f"{X_BASE}/2/users/me"
CONFIG = PollConfig(account="lapor1708", backfill_hours=6)


def oauth_client() -> XClient:
    return XClient(
        X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts"
    )


def rows(store, model):
    return store.read(lambda s: list(s.exec(select(model))))


def paging(**expected):
    """Match a mentions request by exactly its since_id, until_id and pagination_token."""
    def match(request):
        query = parse_qs(urlparse(request.url).query)
        got = {k: query[k][0] for k in ("since_id", "until_id", "pagination_token") if k in query}
        return got == expected, f"paging {got} is not {expected}"
    return match


@pytest.fixture
def x():
    return oauth_client()


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(ME_URL, json=sample("users_me"))
        yield mock


def test_pages_are_followed_and_cursor_moves_to_newest(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_page_1"), match=[paging()])
    api.get(MENTIONS_URL, json=sample("mentions_page_2"),
            match=[paging(pagination_token="7140dibdnow9c7btw423x3ttx7d0s9j4zcadqwi5vnr7v")])
    # The span between the two pages is checked by until_id: X answers it is empty.
    api.get(MENTIONS_URL, json=sample("mentions_empty"),
            match=[paging(since_id="2126466096952200020", until_id="2126466096952200030")])
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "ok" and report.pages == 3 and report.skipped == 0
    assert report.counts.stored == 4
    assert store.get_cursor(MENTIONS) == "2126466096952200040"
    stored = {m.tweet_id: m for m in rows(store, MentionRow)}
    assert set(stored) == {"2126466096952200010", "2126466096952200020", "2126466096952200030", "2126466096952200040"}
    assert stored["2126466096952200040"].author_username == "rina_pdg"
    assert '"id": "2126466096952200040"' in stored["2126466096952200040"].raw_json


def test_second_poll_sends_since_id_and_stores_nothing_twice(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_page_2"),
            match=[matchers.query_param_matcher({}, strict_match=False)])
    poll_once(x, store, clock, CONFIG)
    api.replace(responses.GET, MENTIONS_URL, json=sample("mentions_page_2"),
                match=[matchers.query_param_matcher({"since_id": "2126466096952200020"}, strict_match=False)])
    clock.advance(minutes=1)
    report = poll_once(x, store, clock, CONFIG)
    assert report.since_id == "2126466096952200020"
    assert report.counts.stored == 0 and report.counts.already_stored == 2
    assert len(rows(store, MentionRow)) == 2


def test_request_asks_for_the_fields_a_complaint_needs(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_empty"))
    poll_once(x, store, clock, CONFIG)
    call = [c for c in api.calls if "/mentions" in c.request.url][0]
    params = requests.utils.urlparse(call.request.url).query
    for needed in ("note_tweet", "referenced_tweets", "edit_history_tweet_ids", "reply_settings",
                   "conversation_id", "geo.place_id", "referenced_tweets.id.author_id", "max_results=100"):
        assert needed in requests.utils.unquote(params)
    assert call.request.headers["Authorization"].startswith("OAuth ")


def test_empty_poll_keeps_cursor_absent_and_reports_ok(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_empty"))
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "ok" and report.counts.received == 0
    assert store.get_cursor(MENTIONS) is None


def test_cursor_does_not_move_when_a_page_fails_half_way(api, x, store, clock):
    store.set_cursor(MENTIONS, "2126466096952200001", clock())
    api.get(MENTIONS_URL, json=sample("mentions_page_1"),
            match=[matchers.query_param_matcher({"since_id": "2126466096952200001"}, strict_match=False)])
    api.get(MENTIONS_URL, status=503, json=sample("problem_503"),
            match=[matchers.query_param_matcher({"pagination_token": "7140dibdnow9c7btw423x3ttx7d0s9j4zcadqwi5vnr7v"},
                                                strict_match=False)])
    report = poll_once(x, store, clock, CONFIG, jitter=lambda: 0.0)
    assert report.status == "unavailable"
    assert store.get_cursor(MENTIONS) == "2126466096952200001"
    # What was read before the failure is kept, so nothing fetched is lost.
    assert len(rows(store, MentionRow)) == 2


def test_restart_after_crash_between_store_and_cursor_loses_and_doubles_nothing(api, x, store, clock, monkeypatch):
    api.get(MENTIONS_URL, json=sample("mentions_page_2"))

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt("killed before the cursor moved")

    monkeypatch.setattr(store, "set_cursor", crash)
    with pytest.raises(KeyboardInterrupt):
        poll_once(x, store, clock, CONFIG)
    monkeypatch.undo()
    assert store.get_cursor(MENTIONS) is None
    report = poll_once(x, store, clock, CONFIG)
    assert report.counts.already_stored == 2 and report.counts.stored == 0
    assert len(rows(store, MentionRow)) == 2
    assert store.get_cursor(MENTIONS) == "2126466096952200020"


def test_429_with_reset_pauses_until_reset_and_skips_polls(api, x, store, clock):
    reset = int(clock().timestamp()) + 300
    api.get(MENTIONS_URL, status=429, json=sample("problem_429"), headers={"x-rate-limit-reset": str(reset)})
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "rate_limited"
    clock.advance(seconds=120)
    assert poll_once(x, store, clock, CONFIG).status == "paused"
    assert len([c for c in api.calls if "/mentions" in c.request.url]) == 1
    clock.advance(seconds=200)
    api.replace(responses.GET, MENTIONS_URL, json=sample("mentions_empty"))
    assert poll_once(x, store, clock, CONFIG).status == "ok"


def test_429_without_reset_pauses_one_window(api, x, store, clock):
    api.get(MENTIONS_URL, status=429, json=sample("problem_429"))
    assert poll_once(x, store, clock, CONFIG).status == "rate_limited"
    clock.advance(minutes=14)
    assert poll_once(x, store, clock, CONFIG).status == "paused"
    clock.advance(minutes=2)
    api.replace(responses.GET, MENTIONS_URL, json=sample("mentions_empty"))
    assert poll_once(x, store, clock, CONFIG).status == "ok"


def test_usage_cap_is_told_apart_and_reported_loudly(api, x, store, clock, caplog):
    api.get(MENTIONS_URL, status=429, json=sample("problem_usage_capped"))
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "usage_capped"
    assert any(r.levelname == "ERROR" and "usage cap" in r.getMessage() for r in caplog.records)
    clock.advance(minutes=30)
    assert poll_once(x, store, clock, CONFIG).status == "paused"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_back_off_with_growing_jittered_pauses(api, x, store, clock, status):
    api.get(MENTIONS_URL, status=status, json={"title": "error"})
    first = poll_once(x, store, clock, CONFIG, jitter=lambda: 0.0)
    assert first.status == "unavailable"
    clock.advance(seconds=8)  # base 15 s: half of it (7.5 s) with no jitter
    second = poll_once(x, store, clock, CONFIG, jitter=lambda: 0.0)
    assert second.status == "unavailable"
    clock.advance(seconds=10)  # second failure waits 15 s: still paused after 10
    assert poll_once(x, store, clock, CONFIG).status == "paused"


def test_connection_error_is_a_failure_not_a_crash(api, x, store, clock):
    api.get(MENTIONS_URL, body=requests.ConnectionError("reset by peer"))
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "unavailable" and "cannot reach X" in report.message


def test_malformed_tweet_is_quarantined_and_partial_errors_tolerated(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_partial_errors"))
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "ok"
    assert report.counts.stored == 1 and report.counts.quarantined == 1
    quarantined = rows(store, QuarantineRow)
    assert quarantined[0].tweet_id == "not-a-number" and "numeric id" in quarantined[0].reason
    # A second poll that sees the same bad payload does not quarantine it twice.
    store.set_state("pause.mentions", None, clock())
    poll_once(x, store, clock, CONFIG)
    assert len(rows(store, QuarantineRow)) == 1


def test_body_that_is_not_json_is_a_failure(api, x, store, clock):
    api.get(MENTIONS_URL, body='{"data": [{"id": "1', content_type="application/json")
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "unavailable" and "not JSON" in report.message


def test_first_start_stores_old_mentions_as_not_answerable(api, x, store, clock):
    old = tweet("1860000000000000001", "@lapor1708 jalan rusak parah", created_at="2026-11-27T12:00:00.000Z")
    new = tweet("2126466096952200001", "@lapor1708 jalan rusak lagi", created_at="2026-11-28T00:50:00.000Z")
    api.get(MENTIONS_URL, json=page([new, old]))
    poll_once(x, store, clock, CONFIG)
    answerable = {m.tweet_id: m.answerable for m in rows(store, MentionRow)}
    assert answerable == {"1860000000000000001": False, "2126466096952200001": True}


def test_gap_beyond_reach_is_recorded_and_backfilled_from_search(api, x, store, clock):
    store.set_cursor(MENTIONS, "2126466096952200001", clock())
    timeline = [tweet(f"21264660969522001{i:02d}", f"@lapor1708 jalan rusak nomor {i}") for i in range(9, 4, -1)]
    api.get(MENTIONS_URL, json=page(timeline))
    missed = [tweet(f"21264660969522000{i:02d}", f"@lapor1708 got mampet di gang {i}") for i in (50, 40)]
    api.get(f"{X_BASE}/2/tweets/search/recent", json=page(missed),
            match=[matchers.query_param_matcher(
                {"query": "@lapor1708 -from:lapor1708", "since_id": "2126466096952200001",
                 "until_id": "2126466096952200105"}, strict_match=False)])
    config = PollConfig(account="lapor1708", reach_limit=5)
    report = poll_once(x, store, clock, config)
    assert report.gaps_opened == 1 and report.gaps_backfilled == 1
    gap = rows(store, GapRow)[0]
    assert (gap.since_id, gap.until_id, gap.status, gap.recovered) == (
        "2126466096952200001", "2126466096952200105", "backfilled", 2)
    assert len(rows(store, MentionRow)) == 7


def test_estimate_missing_follows_the_rate_seen():
    ms = 1 << 22
    assert estimate_missing(0, 100 * ms, 200 * ms, 800) == 800
    assert estimate_missing(150 * ms, 100 * ms, 200 * ms, 800) == 0


def test_account_id_is_resolved_once(api, x, store, clock):
    api.get(MENTIONS_URL, json=sample("mentions_empty"))
    poll_once(x, store, clock, CONFIG)
    poll_once(x, store, clock, CONFIG)
    assert len([c for c in api.calls if c.request.url.startswith(ME_URL)]) == 1


def test_credentials_of_another_account_are_refused(x, store, clock):
    with responses.RequestsMock() as api:
        api.get(ME_URL, json={"data": {"id": "42", "name": "Other", "username": "someone_else"}})
        report = poll_once(x, store, clock, CONFIG)
    assert report.status == "auth_error" and "@someone_else" in report.message


def test_bearer_token_is_used_for_reads_when_given(store, clock):
    x = XClient(X_BASE, bearer_token="B" * 20, api_key=None, api_secret=None, access_token=None,
                access_token_secret=None)
    with responses.RequestsMock() as api:
        api.get(f"{X_BASE}/2/users/by/username/lapor1708", json=sample("users_me"))
        api.get(MENTIONS_URL, json=sample("mentions_empty"))
        assert poll_once(x, store, clock, CONFIG).status == "ok"
        assert api.calls[1].request.headers["Authorization"] == "Bearer " + "B" * 20


def test_pause_survives_a_restart_of_the_process(api, x, store, clock, db_url):
    from ingest.store.store import open_store

    api.get(MENTIONS_URL, status=429, json=sample("problem_429"),
            headers={"x-rate-limit-reset": str(int(clock().timestamp()) + 900)})
    poll_once(x, store, clock, CONFIG)
    reopened = open_store(db_url)
    try:
        assert poll_once(x, reopened, clock, CONFIG).status == "paused"
    finally:
        reopened.close()


# -- paging: next_token pages, with until_id reading whatever a token passed over -----------

SIZE = 5  # a small max_results keeps the timelines of these tests short


def answer(timeline, request: PageRequest):
    """Answer like X's mentions timeline (newest first; since_id, until_id, token exclusive)."""
    token = int(request.pagination_token) if request.pagination_token else None
    chosen = [i for i in timeline
              if (request.since_id is None or i > int(request.since_id))
              and (request.until_id is None or i < int(request.until_id))
              and (token is None or i < token)]
    page = chosen[:SIZE]
    return page, str(page[-1]) if len(chosen) > SIZE else None


def skip(timeline, request, page, token):
    """A next_token that jumps over the following page."""
    return token and answer(timeline, PageRequest(request.since_id, pagination_token=token))[1]


def drop(timeline, request, page, token):
    """No next_token although more follows."""
    return None


def repeat(timeline, request, page, token):
    """A next_token whose page is this same page."""
    return str(page[0] + 1)


def walk_timeline(timeline, *, since_id=None, fault=None, on=1, max_pages=50):
    """Run a walk against `timeline`, `fault` spoiling the next_token of request number `on`."""
    walk, sent, read = Walk(since_id), [], []
    while (request := next_request(walk)) is not None and len(sent) < max_pages:
        page, token = answer(timeline, request)
        sent.append(request)
        if fault and len(sent) == on:
            token = fault(timeline, request, page, token)
        read += page
        walk = step(walk, page, token, full=len(page) == SIZE)
    return walk, sent, read


def ids(count, start=1000):
    return list(range(start + count, start, -1))  # newest first


@pytest.mark.parametrize(("timeline", "since_id", "fault", "on", "requests", "skipped"), [
    (ids(0), None, None, 1, 1, 0),  # nothing new: one empty answer
    (ids(3), None, None, 1, 1, 0),  # one short page: no check needed
    (ids(12), None, None, 1, 5, 0),  # 5, 5, 2: each page after the first has its span checked
    (ids(10), None, None, 1, 4, 0),  # a full last page without next_token: one check below it
    (ids(12), "1004", None, 1, 3, 0),  # since_id bounds every request: 5, 3
    (ids(12), None, skip, 1, 4, 5),  # page 2 jumped over: read by until_id
    (ids(17), None, skip, 1, 6, 5),  # 5, [5], 5, 2: the walk goes on by next_token afterwards
    (ids(12), None, drop, 2, 5, 2),  # page 2 has no next_token: page 3 read below it
    (ids(12), None, repeat, 1, 6, 0),  # page 1 served twice: stored once, nothing between
    (ids(12), "1004", skip, 1, 3, 3),  # 5, 3: a jump past the last page drops next_token on a full page
])
def test_walk_reads_every_mention_whatever_next_token_says(timeline, since_id, fault, on, requests, skipped):
    walk, sent, read = walk_timeline(timeline, since_id=since_id, fault=fault, on=on)
    wanted = {i for i in timeline if since_id is None or i > int(since_id)}
    assert walk.done and set(read) == wanted
    assert len(sent) == requests
    assert sum(s.found for s in walk.skips) == skipped
    assert all(r.since_id == since_id or r.until_id for r in sent), "since_id stays fixed on token pages"


@pytest.mark.parametrize("fault", [None, skip, drop, repeat])
@pytest.mark.parametrize("max_pages", range(1, 7))
def test_a_walk_cut_short_has_read_everything_newer_than_its_frontier(fault, max_pages):
    timeline = ids(17)
    walk, _, read = walk_timeline(timeline, fault=fault, max_pages=max_pages)
    # The gap a poll opens runs from since_id to the frontier; above it nothing may be missing.
    assert {i for i in timeline if i > walk.frontier} <= set(read)
    assert walk.done or next_request(walk) is not None


def test_a_next_token_that_skips_mentions_loses_none_and_is_reported(api, x, store, clock, caplog):
    cursor = "2126466096952200001"
    store.set_cursor(MENTIONS, cursor, clock())
    newer = [tweet(f"21264660969522000{i}", f"@lapor1708 jalan rusak nomor {i}") for i in (40, 30)]
    skipped = [tweet("2126466096952200020", "@lapor1708 lampu jalan mati di Pauh")]
    older = [tweet("2126466096952200010", "@lapor1708 got mampet di Kuranji")]
    api.get(MENTIONS_URL, json=page(newer, next_token="jump"), match=[paging(since_id=cursor)])
    api.get(MENTIONS_URL, json=page(older), match=[paging(since_id=cursor, pagination_token="jump")])
    api.get(MENTIONS_URL, json=page(skipped),
            match=[paging(since_id="2126466096952200010", until_id="2126466096952200030")])
    api.get(MENTIONS_URL, json=page([]),
            match=[paging(since_id="2126466096952200010", until_id="2126466096952200020")])
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "ok" and report.pages == 4 and report.skipped == 1
    assert len(rows(store, MentionRow)) == 4 and report.gaps_opened == 0
    assert store.get_cursor(MENTIONS) == "2126466096952200040"
    [event] = [e for e in rows(store, EventRow) if e.kind == "page_skipped"]
    assert "skipped 1 mentions older than 2126466096952200030" in event.message
    assert any(r.levelname == "WARNING" and "next_token skipped" in r.getMessage() for r in caplog.records)


def test_a_full_last_page_without_next_token_is_checked_below(api, x, store, clock):
    cursor = "2126466096952200001"
    store.set_cursor(MENTIONS, cursor, clock())
    full = [tweet(str(2126466096952201000 - i), f"@lapor1708 aduan nomor {i}") for i in range(100)]
    rest = [tweet("2126466096952200500", "@lapor1708 sampah menumpuk di Nanggalo")]
    oldest = full[-1]["id"]
    api.get(MENTIONS_URL, json=page(full), match=[paging(since_id=cursor)])
    api.get(MENTIONS_URL, json=page(rest), match=[paging(since_id=cursor, until_id=oldest)])
    api.get(MENTIONS_URL, json=page([]), match=[paging(since_id=cursor, until_id=rest[0]["id"])])
    report = poll_once(x, store, clock, CONFIG)
    assert report.status == "ok" and report.pages == 3 and report.skipped == 1
    assert len(rows(store, MentionRow)) == 101


def test_max_pages_cut_inside_a_skipped_span_opens_the_gap_from_its_top(api, x, store, clock):
    cursor = "2126466096952200001"
    store.set_cursor(MENTIONS, cursor, clock())
    api.get(MENTIONS_URL, json=page([tweet("2126466096952200040", "@lapor1708 jalan rusak")], next_token="jump"),
            match=[paging(since_id=cursor)])
    api.get(MENTIONS_URL, json=page([tweet("2126466096952200010", "@lapor1708 got mampet")]),
            match=[paging(since_id=cursor, pagination_token="jump")])
    api.get(f"{X_BASE}/2/tweets/search/recent", json=page([]))
    report = poll_once(x, store, clock, PollConfig(account="lapor1708", max_pages=2))
    # The span between the two pages was never checked: the gap must cover it.
    gap = rows(store, GapRow)[0]
    assert report.gaps_opened == 1 and (gap.since_id, gap.until_id) == (cursor, "2126466096952200040")
