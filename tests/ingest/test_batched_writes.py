"""The batched write paths: chunk lookups, events written per chunk, a chunk redone with savepoints when it must."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlmodel import select

from benchmarks.pipeline_throughput import ACCOUNT_ID as BENCH_ACCOUNT
from benchmarks.pipeline_throughput import NOW as BENCH_NOW
from benchmarks.pipeline_throughput import Generator
from ingest import pipeline as pipeline_module
from ingest.normalise import Includes
from ingest.pipeline import CHUNK, Fetched, ingest_tweets
from ingest.store.store import open_store
from ingest.store import batch as batch_module
from ingest.store.models import ComplaintRow, EventRow, MentionRow, ReplyRow
from replies.compose import ComposeOptions
from replies.policy import ReplyPolicy
from replies.queue import QueueConfig, queue_replies
from tests.fakes import ACCOUNT_ID, tweet

NO_INCLUDES = Includes(users={}, places={})
COMPLAINT = "@lapor1708 jalan berlubang besar di depan SD {n} Padang, sudah dua bulan rusak"


def _fetched(count: int, first: int = 2126466096952210000, author: str | None = None) -> list[Fetched]:
    return [
        Fetched(tweet(str(first + n), COMPLAINT.format(n=n), author_id=author or str(3_000_000_000 + n)), NO_INCLUDES)
        for n in range(count)
    ]


def _ingest(store, clock, fetched):
    return ingest_tweets(store, fetched, account_id=ACCOUNT_ID, source="mentions", now=clock(), answer_from=None)


def test_tracking_numbers_run_on_across_chunks_and_a_repeated_tweet_is_stored_once(store, clock):
    fetched = _fetched(CHUNK + 5)
    counts = _ingest(store, clock, [*fetched, fetched[3], fetched[CHUNK + 1]])
    assert (counts.stored, counts.already_stored) == (CHUNK + 5, 2)
    numbers = store.read(lambda s: [c.tracking_number for c in s.exec(select(ComplaintRow).order_by(ComplaintRow.id))])
    assert len(numbers) == counts.complaints > 1  # copies from other accounts collapse into a campaign
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, counts.complaints + 1))


def test_a_mention_failing_midway_leaves_no_row_event_or_number_behind(store, clock, monkeypatch):
    real = batch_module.index_complaint

    def failing(session, complaint_id, signature, **kwargs):
        if "SD 1 " in signature.text or signature.text.endswith("sd 1 padang sudah dua bulan rusak"):
            raise RuntimeError("index unavailable")
        return real(session, complaint_id, signature, **kwargs)

    monkeypatch.setattr(batch_module, "index_complaint", failing)
    counts = _ingest(store, clock, _fetched(3))
    assert (counts.stored, counts.quarantined) == (2, 1)
    mentions = store.read(lambda s: sorted(m.tweet_id for m in s.exec(select(MentionRow))))
    assert mentions == ["2126466096952210000", "2126466096952210002"]
    events = store.read(lambda s: list(s.exec(select(EventRow).order_by(EventRow.id))))
    assert all(e.tweet_id != "2126466096952210001" for e in events)
    assert [e.kind for e in events].count("quarantined") == 1
    numbers = store.read(lambda s: sorted(c.tracking_number[-5:] for c in s.exec(select(ComplaintRow))))
    assert numbers == ["00001", "00002"]  # the failed mention's number was given back


def test_the_daily_limit_per_author_counts_replies_queued_earlier_in_the_same_run(store, clock):
    author = "3999999999"
    fetched = [
        Fetched(tweet(str(2126466096952220000 + n), f"@lapor1708 lampu jalan mati di gang {n} Kota Padang sudah seminggu",
                      author_id=author, created_at=(clock() - timedelta(hours=5 - n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
                NO_INCLUDES)
        for n in range(5)
    ]
    _ingest(store, clock, fetched)
    config = QueueConfig(account_id=ACCOUNT_ID, compose=ComposeOptions("https://x.example/{tracking_number}"),
                         policy=ReplyPolicy(per_author_per_day=2))
    report = queue_replies(store, clock, config)
    replies = store.read(lambda s: list(s.exec(select(ReplyRow))))
    assert report.queued == len(replies) == 2
    states = store.read(lambda s: [m.reply_state for m in s.exec(select(MentionRow).order_by(MentionRow.created_at))])
    assert states == ["queued", "queued", "skipped", "skipped", "skipped"]
    acknowledgements = store.read(lambda s: sorted(c.acknowledgement for c in s.exec(select(ComplaintRow))))
    assert acknowledgements.count("queued") == 2


TOPICS = ("lampu jalan di Gang Melati Kota Padang mati sejak Senin",
          "sampah menumpuk di pasar Lubuk Buaya tidak diangkut seminggu",
          "air PDAM di Kec. Kuranji tidak mengalir tiga hari")


def test_a_tweet_another_worker_stored_meanwhile_is_counted_once_and_the_chunk_kept(store, clock, monkeypatch):
    first, second, third = (Fetched(tweet(str(2126466096952230000 + n), f"@lapor1708 {TOPICS[n]}",
                                          author_id=str(3_100_000_000 + n)), NO_INCLUDES) for n in range(3))
    _ingest(store, clock, [second])  # the other worker's store
    real = batch_module.MentionBatch.expect

    def stale(self, tweet_ids):  # the chunk's lookup ran just before the other worker's commit
        real(self, [t for t in tweet_ids if t != second.raw["id"]])
        self._looked_up.update(tweet_ids)

    monkeypatch.setattr(batch_module.MentionBatch, "expect", stale)
    counts = _ingest(store, clock, [first, second, third])
    assert (counts.stored, counts.already_stored, counts.quarantined) == (2, 1, 0)
    mentions = store.read(lambda s: sorted(m.tweet_id for m in s.exec(select(MentionRow))))
    assert mentions == sorted(item.raw["id"] for item in (first, second, third))
    complaints = store.read(lambda s: sorted(c.first_tweet_id for c in s.exec(select(ComplaintRow))))
    assert complaints == mentions  # one complaint each: the stale one was not opened again
    numbers = store.read(lambda s: sorted(c.tracking_number[-5:] for c in s.exec(select(ComplaintRow))))
    assert numbers == ["00001", "00002", "00003"]


COMPLAINT_TEXTS = [
    "jalan berlubang besar di depan SD 12 Kota Padang sudah dua bulan tidak diperbaiki",
    "lampu jalan di Gang Melati Kel. Air Tawar mati sejak Senin, gelap sekali",
    "sampah menumpuk di pasar Lubuk Buaya tidak diangkut seminggu, bau sekali",
    "air PDAM di Kec. Kuranji tidak mengalir tiga hari, warga kesulitan",
    "antrian di puskesmas Andalas lama sekali, petugas tidak ramah",
    "pungli di kantor kelurahan Ulak Karang untuk mengurus KTP",
    "banjir setinggi lutut di Jl. Khatib Sulaiman setiap hujan deras, got mampet",
    "bus Trans Padang koridor 2 sering terlambat satu jam",
    "guru honorer di SMP 8 Padang belum digaji tiga bulan",
    "pohon tumbang menutup jalan di Bukittinggi, belum ada petugas",
]
TWEET_TEXTS = ["terima kasih min, sudah ditangani", "bagaimana cara melapor lewat aplikasi?",
               "mantap pelayanannya", "info syarat bikin KTP dong min", "promo pulsa murah klik link"]


def _files(store):
    """Return how every mention was filed and every complaint stands, by tweet ids and numbers."""
    def read(session):
        complaints = {c.id: c for c in session.exec(select(ComplaintRow))}
        first = {cid: c.first_tweet_id for cid, c in complaints.items()}
        mentions = sorted((m.tweet_id, m.link, m.link_reason, first.get(m.complaint_id), m.kind)
                          for m in session.exec(select(MentionRow)))
        states = sorted((c.tracking_number, c.first_tweet_id, c.text, c.supporters, c.mentions, c.flags_json,
                         first.get(c.cluster_id), c.needs_review, c.acknowledgement) for c in complaints.values())
        events = [(e.kind, e.tweet_id) for e in session.exec(select(EventRow).order_by(EventRow.id))]
        return mentions, states, events
    return store.read(read)


@pytest.mark.parametrize("seed", [3, 11])
def test_the_quick_pass_files_every_mention_as_the_careful_pass_does(tmp_path, monkeypatch, seed):
    # Threads, retweets, quotes, restatements, copies, campaign bursts, edits and replayed tweets.
    made = Generator(COMPLAINT_TEXTS, TWEET_TEXTS, random.Random(seed)).mentions(
        450, BENCH_NOW - timedelta(hours=3), BENCH_NOW - timedelta(minutes=1))
    fetched = [Fetched(raw, NO_INCLUDES) for raw in made]
    real = pipeline_module._ingest_chunk

    def always_careful(*args, careful, **kwargs):
        return real(*args, careful=True, **kwargs)

    results = []
    for careful in (False, True):
        if careful:  # every chunk the old way: a savepoint a mention, every lookup asked of the database
            monkeypatch.setattr(pipeline_module, "_ingest_chunk", always_careful)
        store = open_store(f"sqlite:///{tmp_path}/{careful}.db")
        try:
            counts = ingest_tweets(store, fetched, account_id=BENCH_ACCOUNT, source="mentions", now=BENCH_NOW,
                                   answer_from=None)
            results.append((counts, _files(store)))
        finally:
            store.close()
    (quick_counts, quick), (careful_counts, careful) = results
    assert quick_counts == careful_counts and quick_counts.complaints > 50
    assert {"campaign", "continuation", "related", "repeat", "same_tweet", "support"} <= set(quick_counts.links)
    assert quick == careful


def test_a_text_seen_earlier_in_the_run_is_triaged_once_per_tag(store, clock, monkeypatch):
    """Retweets, repeats and campaign copies share a text: the run triages it once, and the same for each."""
    calls: list[tuple[str, str | None]] = []
    real = pipeline_module.triage_text

    def counting(text, x_lang=None, **kwargs):
        calls.append((text, x_lang))
        return real(text, x_lang, **kwargs)

    monkeypatch.setattr(pipeline_module, "triage_text", counting)
    text = "@lapor1708 sampah di pasar raya padang tidak diangkut seminggu"
    first = 2126466096952240000
    fetched = [Fetched(tweet(str(first + n), text, author_id=str(3_100_000_000 + n)), NO_INCLUDES) for n in range(4)]
    fetched.append(Fetched(tweet(str(first + 9), text, author_id="3100000009", lang="en"), NO_INCLUDES))
    counts = _ingest(store, clock, fetched)
    assert counts.stored == 5
    assert sorted(calls) == sorted([(text, "in"), (text, "en")])  # another tag is another triage
    kinds = store.read(lambda s: [m.kind for m in s.exec(select(MentionRow))])
    assert kinds == [real(text, "in").kind] * 4 + [real(text, "en").kind]
