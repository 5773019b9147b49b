"""The near-duplicate index on a real SQLite file: index, query, fetch, rebuild, restart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from ingest.dedupe import BANDS, Thresholds, decide_near_duplicate, make_candidate, signature
from ingest.store import near_duplicates
from ingest.store.models import ComplaintRow
from ingest.store.store import Store, open_store

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)
ROAD = "Jalan rusak parah di Jl. Kenanga Raya depan SDN 3 Cipayung, sudah 3 bulan tidak diperbaiki"
ROAD_SLANG = "jln rusak parahhh di jl kenanga raya dpn sdn 3 cipayung udh 3 bln gak diperbaiki2 @lapor1708"
LIGHT = "Lampu PJU mati di RT 03 RW 05 Kelurahan Sumur Batu sudah seminggu"
QUEUE = "Antrean e-KTP di Disdukcapil sangat lama, sudah 5 jam menunggu"


def open_indexed(db_url: str) -> Store:
    """Open the migrated store (migration 0004 creates the index tables)."""
    return open_store(db_url)


@pytest.fixture
def indexed(db_url):
    store = open_indexed(db_url)
    yield store
    store.close()


def add_complaint(store: Store, complaint_id: int, text: str, author: str = "1", status: str = "in_progress",
                  category: str = "infrastruktur") -> None:
    with store.session() as session:
        session.add(ComplaintRow(
            id=complaint_id, tracking_number=f"LPR-{complaint_id}", first_tweet_id=str(1000 + complaint_id),
            author_id=author, text=text, kind="pengaduan", category=category, language="id", status=status,
            acknowledgement="pending", acknowledgement_reason="", created_at=NOW - timedelta(days=1), updated_at=NOW,
        ))
        session.flush()
        near_duplicates.index_complaint(session, complaint_id, signature(text))


def band_rows(store: Store, complaint_id: int | None = None) -> int:
    query = select(func.count()).select_from(near_duplicates.BANDS)
    if complaint_id is not None:
        query = query.where(near_duplicates.BANDS.c.complaint_id == complaint_id)
    with store.session() as session:
        return session.execute(query).scalar_one()


def test_index_then_find_candidates_sharing_the_most_bands(indexed):
    for complaint_id, text in enumerate([ROAD, LIGHT, QUEUE], start=1):
        add_complaint(indexed, complaint_id, text)
    assert band_rows(indexed, 1) == BANDS
    with indexed.session() as session:
        assert near_duplicates.candidates(session, signature(ROAD_SLANG))[0] == 1
        assert near_duplicates.candidates(session, signature(ROAD)) == [1]
        assert near_duplicates.candidates(session, signature("😡")) == []


def test_fetched_candidates_carry_what_the_decision_needs(indexed):
    add_complaint(indexed, 1, ROAD, author="7", status="closed", category="infrastruktur")
    add_complaint(indexed, 2, LIGHT, author="8")
    with indexed.session() as session:
        found = near_duplicates.fetch_candidates(session, [2, 1, 99])
    assert [c.complaint_id for c in found] == [2, 1]
    assert found[1].author_id == "7" and found[1].category == "infrastruktur" and not found[1].open
    assert found[1].text == signature(ROAD).text
    assert found[0].open and "rt:3" in found[0].details


def test_a_new_mention_links_through_the_store(indexed):
    add_complaint(indexed, 1, ROAD, author="7")
    signed = signature(ROAD_SLANG)
    with indexed.session() as session:
        ids = near_duplicates.candidates(session, signed)
        ids += near_duplicates.author_complaints(session, "9", limit=4)
        found = near_duplicates.fetch_candidates(session, ids)
    new = make_candidate(None, "9", signed.text, NOW, category="infrastruktur", normalised=True)
    link = decide_near_duplicate(new, found, Thresholds())
    assert link is not None and (link.kind, link.complaint_id) == ("related", 1)


def test_author_complaints_are_the_newest_first(indexed):
    for complaint_id, text in enumerate([ROAD, LIGHT, QUEUE], start=1):
        add_complaint(indexed, complaint_id, text, author="5" if complaint_id != 2 else "6")
    with indexed.session() as session:
        assert near_duplicates.author_complaints(session, "5") == [3, 1]
        assert near_duplicates.author_complaints(session, "5", limit=1) == [3]
        assert near_duplicates.author_complaints(session, "404") == []


def test_reindexing_replaces_and_forgetting_removes(indexed):
    add_complaint(indexed, 1, ROAD)
    with indexed.session() as session:
        near_duplicates.index_complaint(session, 1, signature(QUEUE))
    with indexed.session() as session:
        assert near_duplicates.candidates(session, signature(ROAD)) == []
        assert near_duplicates.candidates(session, signature(QUEUE)) == [1]
        near_duplicates.forget_complaint(session, 1)
    assert band_rows(indexed) == 0


def test_each_band_reads_only_its_newest_complaints(indexed):
    for complaint_id in range(1, 8):
        add_complaint(indexed, complaint_id, ROAD, author=str(complaint_id))
    with indexed.session() as session:
        assert near_duplicates.candidates(session, signature(ROAD), limit=10, per_band=3) == [7, 6, 5]


def test_rebuild_replaces_the_whole_index(indexed):
    for complaint_id, text in enumerate([ROAD, LIGHT, QUEUE], start=1):
        add_complaint(indexed, complaint_id, text)
    with indexed.session() as session:
        assert near_duplicates.rebuild(session, [(1, LIGHT), (2, ROAD)], chunk=1) == 2
    assert band_rows(indexed) == 2 * BANDS
    with indexed.session() as session:
        assert near_duplicates.candidates(session, signature(ROAD)) == [2]
        assert near_duplicates.candidates(session, signature(QUEUE)) == []
        assert near_duplicates.fetch_candidates(session, [1])[0].text == signature(LIGHT).text


def test_rows_of_another_signature_version_ask_for_a_rebuild(indexed):
    add_complaint(indexed, 1, ROAD)
    with indexed.session() as session:
        assert not near_duplicates.needs_rebuild(session)
        session.execute(near_duplicates.TEXTS.update().values(version=0))
        assert near_duplicates.needs_rebuild(session)
        near_duplicates.rebuild(session, [(1, ROAD)])
        assert not near_duplicates.needs_rebuild(session)


def test_rebuild_of_nothing_leaves_an_empty_index(indexed):
    add_complaint(indexed, 1, ROAD)
    with indexed.session() as session:
        assert near_duplicates.rebuild(session, []) == 0
    assert band_rows(indexed) == 0


def test_candidates_come_back_after_a_restart(db_url):
    first = open_indexed(db_url)
    add_complaint(first, 1, ROAD)
    first.close()
    again = open_indexed(db_url)
    try:
        with again.session() as session:
            assert near_duplicates.candidates(session, signature(ROAD_SLANG)) == [1]
            assert near_duplicates.fetch_candidates(session, [1])[0].author_id == "1"
    finally:
        again.close()
