"""Restatements through the real pipeline: one problem told again by its author is one complaint."""

from __future__ import annotations

import pytest
import responses
from sqlmodel import select

from ingest.poll import PollConfig, poll_once
from ingest.store.models import ComplaintRow, MentionRow, ReplyRow
from ingest.x_client import XClient
from replies.compose import ComposeOptions
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, X_BASE, page, sample, tweet

MENTIONS_URL = f"{X_BASE}/2/users/{ACCOUNT_ID}/mentions"
FIRST = "@lapor1708 Lampu jalan di Gang Kenanga RT 03 Kel. Air Tawar Padang mati sudah seminggu, gelap sekali"


@pytest.fixture
def x():
    return XClient(X_BASE, bearer_token=None, api_key="k", api_secret="s", access_token="t", access_token_secret="ts")


def poll(x, store, clock, tweets):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(f"{X_BASE}/2/users/me", json=sample("users_me"))
        api.get(MENTIONS_URL, json=page(tweets))
        poll_once(x, store, clock, PollConfig(account="lapor1708"))


def links(store):
    return store.read(lambda s: {m.tweet_id: (m.link, m.complaint_id, m.link_reason) for m in s.exec(select(MentionRow))})


@pytest.mark.parametrize(
    ("again", "author", "link"),
    [
        ("@lapor1708 lampu jalan di gang kenanga RT 3 kel air tawar padang mati udah seminggu, gelappp", "2244994945",
         "repeat"),
        ("@lapor1708 Lampu jalan di Gang Kenanga RT 03 Kel. Air Tawar Padang mati sudah seminggu, gelap sekali!!",
         "2244994945", "repeat"),
        ("@lapor1708 Lampu jalan di Gang Kenanga RT 07 Kel. Air Tawar Padang mati sudah seminggu, gelap sekali",
         "2244994945", "new"),  # another RT: another street light
        ("@lapor1708 Sampah di TPS Jl. Veteran Padang belum diangkut lima hari, bau sekali", "2244994945", "new"),
    ],
)
def test_a_restatement_by_its_author_joins_the_open_complaint(x, store, clock, again, author, link):
    first = tweet("2126466096952209001", FIRST, created_at="2026-11-28T00:10:00.000Z")
    poll(x, store, clock, [first])
    second = tweet("2126466096952209002", again, author_id=author, created_at="2026-11-28T00:40:00.000Z")
    poll(x, store, clock, [second, first])
    found = links(store)
    assert found["2126466096952209002"][0] == link, found["2126466096952209002"]
    complaints = store.read(lambda s: list(s.exec(select(ComplaintRow))))
    assert len(complaints) == (1 if link == "repeat" else 2)
    if link == "repeat":
        assert found["2126466096952209002"][1] == found["2126466096952209001"][1]
        assert "similarity" in found["2126466096952209002"][2] or "word for word" in found["2126466096952209002"][2]


def test_a_closed_complaint_told_again_in_other_words_is_a_new_complaint(x, store, clock):
    poll(x, store, clock, [tweet("2126466096952209101", FIRST, created_at="2026-11-28T00:10:00.000Z")])
    with store.session() as session:
        session.exec(select(ComplaintRow)).one().status = "closed"
    again = tweet("2126466096952209102", FIRST.replace("sudah seminggu", "lagi sejak kemarin"),
                  created_at="2026-11-28T00:40:00.000Z")
    poll(x, store, clock, [again])
    assert links(store)["2126466096952209102"][0] == "new"


OTHER = "@lapor1708 lampu jalan di gang kenanga RT 03 kel air tawar padang mati sudah seminggu, gelap sekali min"


def complaints(store):
    return store.read(lambda s: {c.first_tweet_id: c for c in s.exec(select(ComplaintRow))})


def test_other_citizens_reporting_the_same_problem_open_complaints_in_one_cluster(x, store, clock):
    first = tweet("2126466096952209201", FIRST, author_id="101", created_at="2026-11-28T00:10:00.000Z")
    second = tweet("2126466096952209202", OTHER, author_id="102", created_at="2026-11-28T00:20:00.000Z")
    third = tweet("2126466096952209203", OTHER + " tolong", author_id="103", created_at="2026-11-28T00:30:00.000Z")
    elsewhere = tweet("2126466096952209204", OTHER.replace("RT 03", "RT 09"), author_id="104",
                      created_at="2026-11-28T00:40:00.000Z")
    poll(x, store, clock, [first])
    poll(x, store, clock, [elsewhere, third, second, first])
    found, stored = links(store), complaints(store)
    assert [found[t["id"]][0] for t in (second, third, elsewhere)] == ["related", "related", "new"]
    cluster = stored[first["id"]].id
    assert stored[second["id"]].cluster_id == cluster and stored[third["id"]].cluster_id == cluster
    assert stored[first["id"]].cluster_id is None and stored[elsewhere["id"]].cluster_id is None
    assert "similarity" in found[second["id"]][2]


def test_after_a_restart_complaints_stored_before_the_index_are_indexed_and_found(x, store, clock):
    from sqlalchemy import text

    from bot.wiring import _ensure_near_duplicate_index

    poll(x, store, clock, [tweet("2126466096952209301", FIRST, author_id="101", created_at="2026-11-28T00:10:00.000Z")])
    with store.engine.begin() as conn:  # as a database from before the index would be
        conn.execute(text("DELETE FROM near_duplicate_band"))
        conn.execute(text("DELETE FROM near_duplicate_text"))
    _ensure_near_duplicate_index(store)
    poll(x, store, clock, [tweet("2126466096952209302", OTHER, author_id="102", created_at="2026-11-28T00:20:00.000Z")])
    assert links(store)["2126466096952209302"][0] == "related"


def test_a_burst_of_copies_from_many_accounts_collapses_into_one_flagged_incident(x, store, clock):
    text = "@lapor1708 Jalan berlubang besar di Jl. Veteran Kel. Air Tawar Padang belum diperbaiki, tolong segera!!"
    burst = [tweet(f"21264660969522094{n:02d}", text, author_id=f"30{n}",
                   created_at=f"2026-11-28T00:{10 + n:02d}:00.000Z") for n in range(8)]
    poll(x, store, clock, list(reversed(burst)))
    found = links(store)
    kinds = [found[t["id"]][0] for t in burst]
    assert kinds[0] == "new" and "campaign" in kinds and kinds[-1] == "campaign"
    first = kinds.index("campaign")
    assert set(kinds[1:first]) <= {"related"} and set(kinds[first:]) == {"campaign"}
    stored = complaints(store)
    root = stored[burst[0]["id"]]
    assert len(stored) == first  # the copies after the burst was seen opened nothing
    assert "campaign" in root.flags_json and root.needs_review
    assert all(found[t["id"]][1] == root.id for t in burst[first:])
    # The whole burst is one incident for review: no acknowledgement goes out for any of it.
    assert all("campaign" in c.flags_json and c.acknowledgement == "skipped" for c in stored.values())
    config = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}"))
    assert queue_replies(store, clock, config).queued == 0


def test_the_same_copies_spread_over_days_are_not_a_campaign(x, store, clock):
    text = "@lapor1708 Jalan berlubang besar di Jl. Veteran Kel. Air Tawar Padang belum diperbaiki, tolong segera!!"
    spread = [tweet(f"21264660969522095{n:02d}", text, author_id=f"40{n}",
                    created_at=f"2026-11-{20 + n:02d}T00:10:00.000Z") for n in range(6)]
    poll(x, store, clock, list(reversed(spread)))
    assert "campaign" not in {kind for kind, _, _ in links(store).values()}


def test_an_index_from_another_signature_version_is_rebuilt_at_start(x, store, clock):
    from sqlalchemy import text

    from bot.wiring import _ensure_near_duplicate_index

    poll(x, store, clock, [tweet("2126466096952209601", FIRST, author_id="101", created_at="2026-11-28T00:10:00.000Z")])
    with store.engine.begin() as conn:  # as if the keys had been computed by an older version
        conn.execute(text("UPDATE near_duplicate_text SET version = 0"))
        conn.execute(text("DELETE FROM near_duplicate_band"))
    _ensure_near_duplicate_index(store)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM near_duplicate_text WHERE version = 0")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM near_duplicate_band")).scalar() > 0
    poll(x, store, clock, [tweet("2126466096952209602", OTHER, author_id="102", created_at="2026-11-28T00:20:00.000Z")])
    assert links(store)["2126466096952209602"][0] == "related"


@pytest.mark.parametrize(
    ("remark", "minutes_later", "link"),
    [
        ("@lapor1708 tambahan: lokasinya depan musala Al Ikhlas", 10, "continuation"),
        ("@lapor1708 tambahan: lokasinya depan musala Al Ikhlas", 90, "not_complaint"),
        ("@lapor1708 bagaimana cara mengurus akta kelahiran anak?", 10, "not_complaint"),  # a question of its own
    ],
)
def test_a_remark_soon_after_a_complaint_adds_to_it(x, store, clock, remark, minutes_later, link):
    poll(x, store, clock, [tweet("2126466096952209701", FIRST, created_at="2026-11-28T00:00:00.000Z")])
    later = tweet("2126466096952209702", remark, conversation_id="2126466096952209702",
                  created_at=f"2026-11-28T{minutes_later // 60:02d}:{minutes_later % 60:02d}:00.000Z")
    poll(x, store, clock, [later])
    found = links(store)
    assert found["2126466096952209702"][0] == link
    if link == "continuation":
        assert found["2126466096952209702"][1] == found["2126466096952209701"][1]


def test_every_structural_relation_through_the_pipeline(x, store, clock):
    root = tweet("2126466096952209801", FIRST, author_id="501", created_at="2026-11-28T00:00:00.000Z")
    edited = tweet("2126466096952209802", FIRST + " (update: dua lampu)", author_id="501",
                   created_at="2026-11-28T00:05:00.000Z",
                   edit_history_tweet_ids=["2126466096952209801", "2126466096952209802"])
    thread = tweet("2126466096952209803", "@lapor1708 warga sudah lapor ke kelurahan tapi belum ada tindakan sama sekali",
                   author_id="501", created_at="2026-11-28T02:00:00.000Z", conversation_id=root["id"],
                   in_reply_to_user_id="501", referenced_tweets=[{"type": "replied_to", "id": root["id"]}])
    retweet = tweet("2126466096952209804", "RT @warga0501: " + FIRST, author_id="502",
                    created_at="2026-11-28T02:10:00.000Z", referenced_tweets=[{"type": "retweeted", "id": root["id"]}])
    quote = tweet("2126466096952209805", "@lapor1708 betul, mohon segera ditindaklanjuti 🙏", author_id="503",
                  created_at="2026-11-28T02:20:00.000Z", referenced_tweets=[{"type": "quoted", "id": root["id"]}])
    quote_new = tweet("2126466096952209806", "@lapor1708 Bukan cuma di sini. Di Jl. Raya Kuranji Padang juga ada "
                      "lubang besar di tengah jalan, tolong diperbaiki", author_id="504", created_at="2026-11-28T02:30:00.000Z",
                      referenced_tweets=[{"type": "quoted", "id": root["id"]}])
    poll(x, store, clock, [root])
    poll(x, store, clock, [quote_new, quote, retweet, thread, edited, root])
    found = links(store)
    assert {key: found[t["id"]][0] for key, t in (("edit", edited), ("thread", thread), ("retweet", retweet),
                                                  ("quote", quote), ("quote_new", quote_new))} == {
        "edit": "same_tweet", "thread": "continuation", "retweet": "support", "quote": "support", "quote_new": "new"}
    complaint = complaints(store)[root["id"]]
    assert "(update: dua lampu)" in complaint.text and "belum ada tindakan" in complaint.text
    assert complaint.supporters == 2 and complaint.mentions == 5
    assert len(complaints(store)) == 2
    config = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}"))
    queue_replies(store, clock, config)
    acks = store.read(lambda s: s.exec(select(ReplyRow).where(ReplyRow.purpose == "acknowledgement")).all())
    assert sorted(r.in_reply_to_tweet_id for r in acks) == [root["id"], quote_new["id"]]  # one per complaint
