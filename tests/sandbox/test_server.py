"""The sandbox answers real tweepy over loopback HTTP the way the X API v2 does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy

from bot.sandbox import (APP_ONLY_FORBIDDEN, DUPLICATE_CONTENT, NOT_ENGAGED, REPLY_TARGET_GONE,
                         TEXT_TOO_LONG, Sandbox)

START = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)
X_HOSTS = ("https://api.twitter.com", "https://api.x.com")


class Tick:
    """A clock in Unix seconds that tests move by hand."""

    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SandboxSession(requests.Session):
    """A requests session that sends tweepy's X requests to the sandbox."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        for host in X_HOSTS:
            if url.startswith(host):
                url = self.base_url + url[len(host):]
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def tick() -> Tick:
    return Tick()


@pytest.fixture
def sessions() -> Iterator[list[SandboxSession]]:
    made: list[SandboxSession] = []
    yield made
    for session in made:
        session.close()


@pytest.fixture
def connect(sessions: list[SandboxSession]):
    """Return a factory of tweepy clients talking to a sandbox."""

    def make(sandbox: Sandbox, *, user: bool = True, bearer: str | None = "app-bearer",
             return_type: Any = tweepy.Response) -> tweepy.Client:
        keys = dict(consumer_key="ck", consumer_secret="cs", access_token="at",
                    access_token_secret="as") if user else {}
        client = tweepy.Client(bearer_token=bearer, return_type=return_type,
                               wait_on_rate_limit=False, **keys)
        client.session = SandboxSession(sandbox.url)
        sessions.append(client.session)
        return client

    return make


@pytest.fixture
def sandbox(tick: Tick) -> Iterator[Sandbox]:
    with Sandbox(samples=False, clock=tick, mentions_cap=20) as started:
        yield started


@pytest.fixture
def sampled(tick: Tick) -> Iterator[Sandbox]:
    with Sandbox(samples=True, clock=tick) as started:
        yield started


@pytest.fixture
def x(sandbox: Sandbox, connect) -> tweepy.Client:
    return connect(sandbox)


def mention_ids(client: tweepy.Client, sandbox: Sandbox, **params: Any) -> list[str]:
    response = client.get_users_mentions(sandbox.account_id, **params)
    return [str(t.id) for t in response.data or []]


# -- users/me and authentication ---------------------------------------------


def test_users_me_returns_the_account(sandbox: Sandbox, x: tweepy.Client) -> None:
    me = x.get_me(user_fields=["created_at", "verified"])
    assert (str(me.data.id), me.data.username) == (sandbox.account_id, "lapor1708")
    assert me.data.data["verified"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", me.data.data["created_at"])


def test_users_me_refuses_an_app_only_bearer(sandbox: Sandbox, x: tweepy.Client) -> None:
    with pytest.raises(tweepy.Forbidden) as refused:
        x.get_me(user_auth=False)
    assert refused.value.api_messages == [APP_ONLY_FORBIDDEN]


def test_bearer_none_gets_401(sandbox: Sandbox, connect) -> None:
    oauth_only = connect(sandbox, bearer=None)
    with pytest.raises(tweepy.Unauthorized) as refused:
        oauth_only.get_users_mentions(sandbox.account_id)
    assert refused.value.response.json() == {
        "title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}


def test_mentions_accept_oauth1_user_context(sandbox: Sandbox, connect) -> None:
    sandbox.add_mention("halo")
    assert len(mention_ids(connect(sandbox, bearer=None), sandbox, user_auth=True)) == 1


def test_create_tweet_with_bearer_only_is_forbidden(sandbox: Sandbox, connect) -> None:
    target = sandbox.add_mention("jalan rusak")
    app_only = connect(sandbox, user=False)
    with pytest.raises(tweepy.Forbidden) as refused:
        app_only.create_tweet(text="Terima kasih", in_reply_to_tweet_id=target, user_auth=False)
    assert refused.value.response.json()["type"].endswith("/unsupported-authentication")
    assert sandbox.posts == []


# -- mentions timeline --------------------------------------------------------


def test_mentions_page_newest_first_with_exclusive_since_id(sandbox: Sandbox,
                                                            x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"keluhan nomor {n}", minutes_ago=60 - n) for n in range(16)]
    since = made[0]
    seen, token, pages = [], None, 0
    while True:
        page = x.get_users_mentions(sandbox.account_id, since_id=since, max_results=5,
                                    pagination_token=token)
        seen += [str(t.id) for t in page.data]
        pages += 1
        token = page.meta.get("next_token")
        if token is None:
            break
    assert pages == 3
    assert seen == list(reversed(made[1:]))
    sent = [query for method, path, query in sandbox.requests_log if path.endswith("/mentions")]
    assert [q["since_id"] for q in sent] == [since] * 3
    assert "pagination_token" not in sent[0] and sent[1]["pagination_token"]


def test_until_id_is_exclusive(sandbox: Sandbox, x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"laporan {n}", minutes_ago=10 - n) for n in range(6)]
    assert mention_ids(x, sandbox, until_id=made[3]) == [made[2], made[1], made[0]]


def test_empty_poll_has_only_meta(sandbox: Sandbox, connect) -> None:
    newest = sandbox.add_mention("ada yang baru?")
    raw = connect(sandbox, return_type=dict)
    assert raw.get_users_mentions(sandbox.account_id, since_id=newest) == {
        "meta": {"result_count": 0}}


def test_tweets_carry_only_default_fields_unless_asked(sandbox: Sandbox,
                                                       connect) -> None:
    sandbox.add_mention("jalan #RusakParah di https://www.lapor.go.id/x cc @warga_test")
    raw = connect(sandbox, return_type=dict)
    plain = raw.get_users_mentions(sandbox.account_id)["data"][0]
    assert set(plain) == {"id", "text", "edit_history_tweet_ids"}
    rich = raw.get_users_mentions(sandbox.account_id, tweet_fields=[
        "author_id", "created_at", "lang", "entities", "conversation_id", "reply_settings"
    ])["data"][0]
    assert rich["lang"] == "in" and rich["reply_settings"] == "everyone"
    assert rich["created_at"] == "2026-11-28T01:00:00.000Z"
    assert rich["conversation_id"] == rich["id"]
    text, entities = rich["text"], rich["entities"]
    assert text.startswith("@lapor1708 jalan #RusakParah di https://t.co/")
    (mention, other), (tag,), (url,) = (entities["mentions"], entities["hashtags"],
                                        entities["urls"])
    assert mention == {"start": 0, "end": 10, "username": "lapor1708", "id": sandbox.account_id}
    assert text[other["start"]:other["end"]] == "@warga_test" and other["id"]
    assert text[tag["start"]:tag["end"]] == "#RusakParah" and tag["tag"] == "RusakParah"
    assert text[url["start"]:url["end"]] == url["url"]
    assert (url["expanded_url"], url["display_url"]) == ("https://www.lapor.go.id/x",
                                                         "lapor.go.id/x")


def test_max_results_out_of_range_is_a_bad_request(sandbox: Sandbox, x: tweepy.Client) -> None:
    with pytest.raises(tweepy.BadRequest) as refused:
        x.get_users_mentions(sandbox.account_id, max_results=4)
    assert refused.value.api_messages == [
        "The `max_results` query parameter value [4] is not between 5 and 100"]


def test_unknown_user_gets_a_not_found_error(sandbox: Sandbox, x: tweepy.Client) -> None:
    response = x.get_users_mentions("42")
    assert response.data is None
    assert response.errors[0]["detail"] == "Could not find user with id: [42]."


def test_only_the_newest_mentions_up_to_the_cap_are_reachable(sandbox: Sandbox,
                                                              x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"banjir {n}", minutes_ago=100 - n) for n in range(25)]
    assert mention_ids(x, sandbox, max_results=100) == list(reversed(made[5:]))
    assert mention_ids(x, sandbox, until_id=made[5], max_results=100) == []


def test_search_recent_reaches_past_the_cap(sandbox: Sandbox, x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"banjir {n}", minutes_ago=100 - n) for n in range(25)]
    found = x.search_recent_tweets("@lapor1708 -is:retweet", until_id=made[5], max_results=10)
    assert [str(t.id) for t in found.data] == list(reversed(made[:5]))
    assert "next_token" not in found.meta


def test_search_recent_query_operators(sandbox: Sandbox, x: tweepy.Client) -> None:
    complaint = sandbox.add_mention("lampu jalan mati")
    retweet = sandbox.add_mention("", author="penyebar", retweet_of=complaint)
    own = sandbox.add_mention("info layanan", author="lapor1708")
    assert retweet in sandbox.mention_ids()

    def search(query: str) -> set[str]:
        return {str(t.id) for t in x.search_recent_tweets(query).data or []}

    assert search("@lapor1708") == {complaint, retweet, own}
    assert search("@lapor1708 -is:retweet") == {complaint, own}
    assert search("@lapor1708 -is:retweet -from:lapor1708") == {complaint}


def test_search_recent_refuses_start_time_beyond_seven_days(sandbox: Sandbox,
                                                            x: tweepy.Client) -> None:
    with pytest.raises(tweepy.BadRequest):
        x.search_recent_tweets("@lapor1708", start_time=START - timedelta(days=7, minutes=1))
    assert x.search_recent_tweets("@lapor1708", start_time=START - timedelta(days=6)).meta == {
        "result_count": 0}


# -- expansions and partial errors -------------------------------------------


def test_includes_author_referenced_tweet_and_place(sampled: Sandbox, connect) -> None:
    raw = connect(sampled, return_type=dict)
    body = raw.get_users_mentions(
        sampled.account_id, max_results=100,
        tweet_fields=["author_id", "referenced_tweets", "geo", "note_tweet"],
        expansions=["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id",
                    "geo.place_id", "in_reply_to_user_id"],
        place_fields=["country_code", "name", "place_type"])
    by_id = {t["id"]: t for t in body["data"]}
    users = {u["id"]: u["username"] for u in body["includes"]["users"]}
    included = {t["id"]: t for t in body["includes"]["tweets"]}
    quote = by_id[sampled.sample_id("quote_masalah_baru")]
    quoted_id = sampled.sample_id("jalan_berlubang_padang")
    assert quote["referenced_tweets"] == [{"type": "quoted", "id": quoted_id}]
    assert users[quote["author_id"]] == "doni_siregar"
    assert users[included[quoted_id]["author_id"]] == "rina_marlina_pdg"
    assert "infosumbar_news" in users.values()  # in_reply_to_user_id of a non-mention root
    flood = by_id[sampled.sample_id("banjir_padang_sekarang")]
    (place,) = body["includes"]["places"]
    assert flood["geo"] == {"place_id": place["id"]}
    assert (place["name"], place["country_code"], place["place_type"]) == ("Padang", "ID",
                                                                           "city")
    long_post = by_id[sampled.sample_id("note_panjang_puskesmas")]
    assert len(long_post["note_tweet"]["text"]) > len(long_post["text"])


def test_deleted_referenced_tweet_becomes_a_partial_error(sandbox: Sandbox, connect) -> None:
    first = sandbox.add_mention("jalan rusak depan kantor gubernur")
    correction = sandbox.add_mention("koreksi: dekat simpang", reply_to=first)
    sandbox.delete_tweet(first)
    body = connect(sandbox, return_type=dict).get_users_mentions(
        sandbox.account_id, tweet_fields=["referenced_tweets"], expansions=["referenced_tweets.id"])
    assert [t["id"] for t in body["data"]] == [correction]
    assert "includes" not in body
    assert body["errors"] == [{
        "value": first,
        "detail": f"Could not find tweet with referenced_tweets.id: [{first}].",
        "title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id",
        "resource_id": first, "type": "https://api.twitter.com/2/problems/resource-not-found"}]


def test_edited_tweet_shows_only_its_newest_version(sandbox: Sandbox, x: tweepy.Client) -> None:
    original = sandbox.add_mention("pohon tumbang di Jl. Soekarno Hatta")
    newer = sandbox.edit_tweet(original, "pohon tumbang di Jl. Soekarno Hatta dekat simpang")
    (shown,) = x.get_users_mentions(sandbox.account_id).data
    assert str(shown.id) == newer and shown.text.endswith("dekat simpang")
    assert shown.edit_history_tweet_ids == [int(original), int(newer)]
    assert int(newer) > int(original)


# -- posting ------------------------------------------------------------------


def test_reply_is_created_and_recorded(sandbox: Sandbox, x: tweepy.Client) -> None:
    target = sandbox.add_mention("sampah menumpuk", author="sari")
    made = x.create_tweet(text="Terima kasih, laporan Anda kami terima.",
                          in_reply_to_tweet_id=target)
    assert made.data["edit_history_tweet_ids"] == [made.data["id"]]
    (post,) = sandbox.posts
    assert post == {"id": made.data["id"], "text": "Terima kasih, laporan Anda kami terima.",
                    "in_reply_to_tweet_id": target, "exclude_reply_user_ids": [],
                    "created_at": "2026-11-28T01:00:00.000Z"}
    assert sandbox.mention_ids() == [target]


def test_same_text_twice_is_a_duplicate(sandbox: Sandbox, x: tweepy.Client) -> None:
    first, second = sandbox.add_mention("satu"), sandbox.add_mention("dua")
    x.create_tweet(text="Laporan diterima.", in_reply_to_tweet_id=first)
    with pytest.raises(tweepy.Forbidden) as refused:
        x.create_tweet(text="Laporan diterima.", in_reply_to_tweet_id=second)
    assert refused.value.api_messages == [DUPLICATE_CONTENT]
    assert refused.value.response.json() == {"title": "Forbidden", "detail": DUPLICATE_CONTENT,
                                             "type": "about:blank", "status": 403}


@pytest.mark.parametrize("key", ["berita_pasar_raya", "retweet_banjir",
                                 "reply_settings_following"])
def test_reply_where_we_were_not_engaged_is_refused(sampled: Sandbox, connect, key: str) -> None:
    with pytest.raises(tweepy.Forbidden) as refused:
        connect(sampled).create_tweet(text="Halo", in_reply_to_tweet_id=sampled.sample_id(key))
    assert refused.value.api_messages == [NOT_ENGAGED]


def test_reply_to_a_deleted_tweet_is_refused(sampled: Sandbox, connect) -> None:
    client = connect(sampled)
    with pytest.raises(tweepy.Forbidden) as refused:
        client.create_tweet(text="Halo", in_reply_to_tweet_id=sampled.sample_id(
            "deleted_salah_kirim"))
    assert refused.value.api_messages == [REPLY_TARGET_GONE]


def test_text_over_280_weighted_characters_is_refused(sandbox: Sandbox,
                                                      x: tweepy.Client) -> None:
    target = sandbox.add_mention("tolong", author="warga_test")
    with pytest.raises(tweepy.BadRequest) as refused:
        x.create_tweet(text="🙏" * 141, in_reply_to_tweet_id=target)
    assert refused.value.api_messages == [TEXT_TOO_LONG]
    fits = x.create_tweet(text="@warga_test " + "a" * 280, in_reply_to_tweet_id=target)
    assert fits.data["id"]
    with pytest.raises(tweepy.BadRequest):
        x.create_tweet(text="", in_reply_to_tweet_id=target)


# -- rate limits and scripted faults -------------------------------------------


def test_rate_limit_headers_count_down_then_429_until_reset(tick: Tick, connect) -> None:
    with Sandbox(samples=False, clock=tick, rate_limits={"mentions": 3}) as limited:
        raw = connect(limited, return_type=requests.Response)
        reset = str(int(START.timestamp()) + 900)
        seen = []
        for _ in range(3):
            answer = raw.get_users_mentions(limited.account_id)
            seen.append((answer.headers["x-rate-limit-limit"],
                         answer.headers["x-rate-limit-remaining"],
                         answer.headers["x-rate-limit-reset"]))
        assert seen == [("3", "2", reset), ("3", "1", reset), ("3", "0", reset)]
        with pytest.raises(tweepy.TooManyRequests) as limited_out:
            raw.get_users_mentions(limited.account_id)
        assert limited_out.value.reset_time == int(reset)
        assert limited_out.value.response.json()["title"] == "Too Many Requests"
        tick.advance(900)
        assert raw.get_users_mentions(limited.account_id).headers["x-rate-limit-remaining"] == "2"


def test_posting_reports_the_24_hour_user_limit(sandbox: Sandbox, connect) -> None:
    target = sandbox.add_mention("tolong")
    answer = connect(sandbox, return_type=requests.Response).create_tweet(
        text="Baik", in_reply_to_tweet_id=target)
    assert answer.status_code == 201
    assert answer.headers["x-user-limit-24hour-remaining"] == "99"
    assert answer.headers["x-rate-limit-limit"] == "100"


@pytest.mark.parametrize("status, error", [(500, tweepy.TwitterServerError),
                                           (503, tweepy.TwitterServerError)])
def test_scripted_server_errors(sandbox: Sandbox, x: tweepy.Client, status: int,
                                error: type[Exception]) -> None:
    sandbox.script_fault("/mentions", status, times=2)
    for _ in range(2):
        with pytest.raises(error):
            x.get_users_mentions(sandbox.account_id)
    assert x.get_users_mentions(sandbox.account_id).meta == {"result_count": 0}


def test_scripted_malformed_body(sandbox: Sandbox, x: tweepy.Client) -> None:
    sandbox.script_fault("/mentions", 200, body='{"data": [{"id": "1", "te')
    with pytest.raises(requests.JSONDecodeError):
        x.get_users_mentions(sandbox.account_id)


def test_scripted_usage_cap_is_a_429_with_its_type(sandbox: Sandbox, x: tweepy.Client) -> None:
    sandbox.script_usage_cap("/mentions")
    with pytest.raises(tweepy.TooManyRequests) as capped:
        x.get_users_mentions(sandbox.account_id)
    body = capped.value.response.json()
    assert (body["type"], body["title"]) == ("https://api.twitter.com/2/problems/usage-capped",
                                             "UsageCapExceeded")


def test_scripted_rate_limit_with_and_without_reset(sandbox: Sandbox, x: tweepy.Client) -> None:
    sandbox.script_rate_limit("/2/tweets/search", reset_in=120)
    sandbox.script_rate_limit("/2/tweets/search", reset_in=None)
    with pytest.raises(tweepy.TooManyRequests) as first:
        x.search_recent_tweets("@lapor1708")
    assert first.value.reset_time == int(START.timestamp()) + 120
    with pytest.raises(tweepy.TooManyRequests) as second:
        x.search_recent_tweets("@lapor1708")
    assert second.value.reset_time is None


def test_scripted_connection_reset(sandbox: Sandbox, x: tweepy.Client) -> None:
    sandbox.script_fault("/mentions", 0, body="reset")
    with pytest.raises(requests.ConnectionError):
        x.get_users_mentions(sandbox.account_id)
    assert x.get_users_mentions(sandbox.account_id).meta == {"result_count": 0}


def test_unknown_path_is_404(sandbox: Sandbox, x: tweepy.Client) -> None:
    with pytest.raises(tweepy.NotFound):
        x.get_home_timeline()


# -- samples and persistence --------------------------------------------------


def test_samples_load_as_visible_mentions(sampled: Sandbox) -> None:
    visible = sampled.mention_ids()
    assert len(visible) == 44
    assert visible == sorted(visible, key=int, reverse=True)
    assert sampled.sample_id("own_account") in visible
    assert sampled.sample_id("retweet_banjir") in visible
    assert sampled.sample_id("deleted_salah_kirim") not in visible
    assert sampled.sample_id("berita_pasar_raya") not in visible
    two_days_ago = (START - timedelta(hours=47)).timestamp() * 1000
    old = [key for key in ("old_pju_bukittinggi", "old_tanya_syarat_kk", "old_sampah_bekasi")
           if sampled.tweet(sampled.sample_id(key))["created_ms"] < two_days_ago]
    assert len(old) == 3


def test_state_file_round_trip_keeps_ids_and_posts(tick: Tick, connect, tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with Sandbox(samples=True, clock=tick, state_path=state) as first:
        target = first.sample_id("jalan_berlubang_padang")
        connect(first).create_tweet(text="Laporan diteruskan.", in_reply_to_tweet_id=target)
        before, posts = first.mention_ids(), list(first.posts)
    tick.advance(3600)
    with Sandbox(samples=True, clock=tick, state_path=state) as second:
        assert second.mention_ids() == before
        assert second.posts == posts
        with pytest.raises(tweepy.Forbidden) as refused:
            connect(second).create_tweet(text="Laporan diteruskan.", in_reply_to_tweet_id=target)
        assert refused.value.api_messages == [DUPLICATE_CONTENT]
    assert not list(tmp_path.glob("*.tmp"))


def test_corrupt_state_file_names_the_file(tmp_path: Path) -> None:
    state = tmp_path / "broken.json"
    state.write_text('{"version": 1, "users": [', encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        Sandbox(state_path=state)


def test_requests_log_records_method_path_and_query(sandbox: Sandbox, x: tweepy.Client) -> None:
    x.search_recent_tweets("@lapor1708 -is:retweet", max_results=10)
    assert sandbox.requests_log == [("GET", "/2/tweets/search/recent",
                                     {"query": "@lapor1708 -is:retweet", "max_results": "10"})]


def test_standalone_state_is_plain_json(tick: Tick, tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    Sandbox(samples=False, clock=tick, state_path=state).add_mention("halo")
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert saved["account"] == "lapor1708" and len(saved["tweets"]) == 1


def test_user_lookup_by_username(sandbox: Sandbox, connect) -> None:
    app_only = connect(sandbox, user=False)
    found = app_only.get_user(username="lapor1708")
    assert str(found.data.id) == sandbox.account_id
    missing = app_only.get_user(username="tidak_ada")
    assert missing.data is None and missing.errors[0]["parameter"] == "username"


# -- faults that spoil a real answer -----------------------------------------


def _pages(client: tweepy.Client, sandbox: Sandbox, limit: int = 10) -> list[list[str]]:
    """Follow next_token (5 a page) and return each page's ids."""
    pages, token = [], None
    while len(pages) < limit:
        page = client.get_users_mentions(sandbox.account_id, max_results=5, pagination_token=token)
        pages.append([str(t.id) for t in page.data or []])
        token = page.meta.get("next_token")
        if token is None:
            break
    return pages


def test_scripted_delay_answers_late_after_doing_the_work(sandbox: Sandbox, connect) -> None:
    target = sandbox.add_mention("jalan rusak")
    client = connect(sandbox)
    client.session.request = _with_timeout(client.session.request, 0.2)
    sandbox.script_delay("/2/tweets", 0.6, method="POST")
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.create_tweet(text="diterima", in_reply_to_tweet_id=target)
    assert [p["text"] for p in sandbox.posts] == ["diterima"]  # X has it; the client never heard
    assert mention_ids(client, sandbox) == [target]  # the delay was used up, and only by POST


def _with_timeout(request: Any, seconds: float) -> Any:
    def timed(*args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = seconds
        return request(*args, **kwargs)
    return timed


def test_scripted_reset_mid_body_breaks_the_read(sandbox: Sandbox, x: tweepy.Client) -> None:
    sandbox.add_mention("lampu mati")
    sandbox.script_reset_mid_body("/mentions", fraction=0.4)
    with pytest.raises(requests.RequestException):
        x.get_users_mentions(sandbox.account_id)
    assert len(mention_ids(x, sandbox)) == 1


def test_scripted_truncated_body_is_complete_http_with_cut_json(sandbox: Sandbox, connect) -> None:
    sandbox.add_mention("sampah menumpuk")
    sandbox.script_truncated("/mentions", fraction=0.5)
    answer = connect(sandbox, return_type=requests.Response).get_users_mentions(sandbox.account_id)
    assert answer.status_code == 200 and answer.text.startswith('{"data": [')
    with pytest.raises(requests.JSONDecodeError):
        answer.json()


def test_scripted_lost_answer_records_the_post_and_answers_503(sandbox: Sandbox, x: tweepy.Client) -> None:
    target = sandbox.add_mention("air PDAM mati")
    sandbox.script_lost_answer("/2/tweets", 503, method="POST")
    with pytest.raises(tweepy.TwitterServerError):
        x.create_tweet(text="kami terima", in_reply_to_tweet_id=target)
    assert len(sandbox.posts) == 1


def test_scripted_repeat_page_serves_the_same_page_twice(sandbox: Sandbox, x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"keluhan {n}", minutes_ago=30 - n) for n in range(12)]
    sandbox.add_mention("dummy")  # 13 mentions: pages of 5, 5, 3
    _pages(x, sandbox)  # warm up: nothing scripted
    x_pages = _pages(x, sandbox)
    sandbox.script_repeat_page()
    repeated = _pages(x, sandbox)
    assert repeated[0] == repeated[1] == x_pages[0] and repeated[2:] == x_pages[1:]
    assert made[-1] in repeated[0]


def test_scripted_skip_page_jumps_over_one_page(sandbox: Sandbox, x: tweepy.Client) -> None:
    for n in range(13):
        sandbox.add_mention(f"keluhan {n}", minutes_ago=30 - n)
    normal = _pages(x, sandbox)
    sandbox.script_skip_page()
    skipped = _pages(x, sandbox)
    assert [len(p) for p in normal] == [5, 5, 3]
    assert skipped == [normal[0], normal[2]]


def test_scripted_action_runs_before_the_answer(sandbox: Sandbox, x: tweepy.Client) -> None:
    made = [sandbox.add_mention(f"keluhan {n}", minutes_ago=30 - n) for n in range(8)]
    sandbox.script_action("/mentions", lambda: sandbox.delete_tweet(made[0]))
    seen = [i for page in _pages(x, sandbox) for i in page]
    assert made[0] not in seen and len(seen) == 7


def test_scripted_faults_can_match_the_query_string(sandbox: Sandbox, x: tweepy.Client) -> None:
    for n in range(8):
        sandbox.add_mention(f"keluhan {n}", minutes_ago=30 - n)
    sandbox.script_fault("pagination_token=", 503)
    first = x.get_users_mentions(sandbox.account_id, max_results=5)  # no token: not matched
    with pytest.raises(tweepy.TwitterServerError):
        x.get_users_mentions(sandbox.account_id, max_results=5, pagination_token=first.meta["next_token"])
