"""Near-duplicates: normalising, distinguishing details, signatures, repeat/related, campaigns."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ingest.dedupe import (
    BANDS,
    Candidate,
    Thresholds,
    decide_near_duplicate,
    detail_conflicts,
    detect_campaign,
    distinguishing_details,
    distinguishing_numbers,
    campaign_members,
    is_open_status,
    judge,
    make_candidate,
    normalise_for_matching,
    signature,
    signatures,
    similarity,
)

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)
ROAD = "Jalan rusak parah di Jl. Kenanga Raya depan SDN 3 Cipayung, sudah 3 bulan tidak diperbaiki"
ROAD_SLANG = "jln rusak parahhh di jl kenanga raya dpn sdn 3 cipayung udh 3 bln gak diperbaiki2 @lapor1708"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@lapor1708 Jalan RUSAAAK parah https://t.co/AbC1 www.example.com", "jalan rusak parah"),
        ("yg gak dgn jln jl", "yang tidak dengan jalan jalan"),
        ("nggak ngga enggak gk tdk", "tidak tidak tidak tidak tidak"),
        ("udh blm skrg utk krn", "sudah belum sekarang untuk karena"),
        ("parahhhh bgttt!!!", "parah banget"),
        ("#JalanRusak di #Bekasi", "jalan rusak di bekasi"),
        ("jalan2 rusak, anak-anak jatuh", "jalan jalan rusak anak anak jatuh"),
        ("No.029 RT.03/RW.05", "nomor 29 rt 3 rw 5"),
        ("rt03 no29a gg.III", "rt 3 nomor 29a gang 3"),
        ("nomor 39-45", "nomor 39 sampai 45"),
        ("kapas baru 10/51", "kapas baru 10 nomor 51"),
        ("tgl 24/12/21", "tangal 24 12 21"),  # a date is not a house number; doubled letters fold
        ("ｊａｌａｎ ＲＵＳＡＫ", "jalan rusak"),  # full-width
        ("𝐣𝐚𝐥𝐚𝐧 𝐫𝐮𝐬𝐚𝐤", "jalan rusak"),  # mathematical bold
        ("ja\u200blan ru\u200dsak\u200f \u202ejalan\u202c", "jalan rusak jalan"),  # zero-width and direction marks
        ("café  trotoar\t\nrusak", "cafe trotoar rusak"),
        ("", ""),
        ("😡😡😡 🙏", ""),
    ],
)
def test_normalise_for_matching(text, expected):
    assert normalise_for_matching(text) == expected


@pytest.mark.parametrize("text", [ROAD, ROAD_SLANG, "No.029 RT.03/RW.05 gg.III jalan2", "𝐣𝐚𝐥𝐚𝐧 ja\u200blan #JalanRusak"])
def test_normalising_twice_changes_nothing(text):
    once = normalise_for_matching(text)
    assert normalise_for_matching(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jalan rusak depan rumah no 29", {"nomor:29"}),
        ("depan rumah nomor 15", {"nomor:15"}),
        ("RT 03 RW 05", {"rt:3", "rw:5"}),
        ("RT.03/RW.05", {"rt:3", "rw:5"}),
        ("gg 3", {"gang:3"}),
        ("Gang V", {"gang:5"}),
        ("blok C3 lantai 4", {"blok:c3", "lantai:4"}),
        ("tol km 12", {"km:12"}),
        ("Jl. Melati 2 No. 7", {"jalan melati:2", "nomor:7"}),
        ("no 18 dan 77", {"nomor:18", "nomor:77"}),
        ("jalan rusak parah", set()),
    ],
)
def test_distinguishing_numbers(text, expected):
    assert distinguishing_numbers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gang Kelengkeng RT 6", {"gang:kelengkeng", "rt:6"}),
        ("atas nama Siti Aminah", {"nama:siti aminah"}),
        ("Disdukcapil Kota Bandung", {"daerah:kota bandung"}),
        ("Kelurahan Kampung Melayu", {"kelurahan:melayu", "kampung:melayu"}),
        ("lampu PJU mati", {"masalah:lampu"}),
    ],
)
def test_distinguishing_details_include_names_and_the_problem(text, expected):
    assert distinguishing_details(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("jalan rusak depan rumah no 29", "jalan rusak depan rumah no 15", True),
        ("jalan rusak depan rumah no 29", "jln rusak dpn rmh nomor 029", False),
        ("no 39-45", "no 43", False),  # 43 lies in the range
        ("RT 03 RW 05", "RT 03", False),  # unknown RW is no conflict
        ("RT 03 RW 05", "RT 04 RW 05", True),
        ("gang Kenanga", "gang Mawar", True),
        ("jl Kalibokor", "jl Kalibokor Kencana", False),  # one name extends the other
        ("Kota Bandung", "Kabupaten Bandung", True),
        ("atas nama Siti Aminah", "atas nama Rudi Hartono", True),
        ("lampu PJU mati", "pohon tumbang", True),
        ("lampu PJU mati", "jalan gelap, lampu padam", False),
        ("jalan rusak", "jalan rusak parah", False),
    ],
)
def test_detail_conflicts(a, b, conflict):
    assert bool(detail_conflicts(distinguishing_details(a), distinguishing_details(b))) is conflict


def complaint(text, author="1", complaint_id=1, days_ago=1, **fields) -> Candidate:
    return make_candidate(complaint_id, author, text, NOW - timedelta(days=days_ago), **fields)


def mention(text, author="2", **fields) -> Candidate:
    return make_candidate(None, author, text, NOW, **fields)


@pytest.mark.parametrize(
    ("new", "old", "expected"),
    [
        # the same author restating an open complaint, word for word or not
        (mention(ROAD, author="1"), complaint(ROAD), "repeat"),
        (mention(ROAD_SLANG, author="1"), complaint(ROAD), "repeat"),
        (mention("jalan rusak", author="1"), complaint("Jalan rusak!!"), "repeat"),
        (mention(ROAD, author="1"), complaint(ROAD, open=False), None),  # closed: the problem is back
        # another citizen with near-identical text about the same place
        (mention(ROAD_SLANG), complaint(ROAD), "related"),
        (mention(ROAD, category="infrastruktur"), complaint(ROAD, category="infrastruktur"), "related"),
        (mention(ROAD, region_code="32.75.01"), complaint(ROAD, region_code="32.75"), "related"),
        # what blocks a link
        (mention(ROAD_SLANG, category="infrastruktur"), complaint(ROAD, category="perhubungan"), None),
        (mention(ROAD, category="infrastruktur"), complaint(ROAD, category="perhubungan"), "related"),  # recategorised
        (mention(ROAD, region_code="32.75"), complaint(ROAD, region_code="32.71"), None),
        (mention(ROAD), complaint(ROAD, days_ago=90), None),  # too old to be the same report
        (mention("lampu jalan mati"), complaint("Lampu jalan mati"), None),  # too generic, other author
        (mention("Pohon tumbang di depan rumah saya"), complaint(ROAD), None),
    ],
)
def test_decide_near_duplicate(new, old, expected):
    found = decide_near_duplicate(new, [old], Thresholds())
    assert (found.kind if found else None) == expected
    if found:
        assert found.complaint_id == old.complaint_id
        assert f"{found.score:.2f}" in found.reason


@pytest.mark.parametrize("same_author", [True, False])
@pytest.mark.parametrize(
    ("old_text", "new_text"),
    [
        ("Jalan rusak depan rumah no 29 Jl. Flamboyan, mohon ditambal",
         "Jalan rusak depan rumah no 15 Jl. Flamboyan, mohon ditambal"),
        ("Lampu PJU mati di RT 03 RW 05 Kelurahan Sumur Batu", "Lampu PJU mati di RT 04 RW 05 Kelurahan Sumur Batu"),
        ("Saluran tersumbat di Gang 3 Jalan Pahlawan", "Saluran tersumbat di Gang 4 Jalan Pahlawan"),
        ("Status BPJS atas nama Siti Aminah tidak aktif", "Status BPJS atas nama Rudi Hartono tidak aktif"),
        ("Lampu PJU mati di depan Masjid Al Falah Jl. Sidotopo", "Pohon tumbang di depan Masjid Al Falah Jl. Sidotopo"),
    ],
)
def test_conflicting_details_block_repeat_and_related(old_text, new_text, same_author):
    new, old = mention(new_text, author="1" if same_author else "2"), complaint(old_text)
    assert judge(new, old, Thresholds()).kind == "none"
    assert detail_conflicts(new.details, old.details)


def test_a_repeat_wins_over_a_better_related_match_and_ties_go_to_the_newest():
    thresholds = Thresholds()
    own = complaint(ROAD_SLANG, author="2", complaint_id=1, days_ago=5)
    other = complaint(ROAD, author="3", complaint_id=2, days_ago=1)
    assert decide_near_duplicate(mention(ROAD), [other, own], thresholds).complaint_id == 1
    older = complaint(ROAD, author="4", complaint_id=3, days_ago=9)
    assert decide_near_duplicate(mention(ROAD), [older, other], thresholds).complaint_id == 2


def test_the_complaint_itself_is_never_its_own_duplicate():
    stored = complaint(ROAD, complaint_id=7)
    assert decide_near_duplicate(stored, [stored], Thresholds()) is None


@pytest.mark.parametrize(
    ("minutes_apart", "authors", "expected"),
    [
        (2, 6, 6),  # six accounts in ten minutes
        (5, 5, 5),  # exactly the minimum, within the window
        (60, 6, None),  # spread over five hours
        (1, 2, None),  # many posts, two accounts
    ],
)
def test_detect_campaign(minutes_apart, authors, expected):
    """Ten copies: a campaign needs enough distinct accounts inside one window, in any order."""
    posts = [make_candidate(None, str(i % authors), "Tolak tambang di Bukit Cibodas!",
                            NOW + timedelta(minutes=i * minutes_apart)) for i in range(10)]
    found = detect_campaign(list(reversed(posts)), Thresholds())
    assert (found.authors if found else None) == expected
    if found:
        assert found.mentions == len(found.members) and found.first_at <= found.last_at
        assert f"{expected} accounts" in found.reason


def test_campaign_members_are_recent_near_copies_of_the_new_mention():
    text = "Kami warga Desa Sukamulya menolak tambang batu di Bukit Cibodas #SaveCibodas"
    new = mention(text + " @KLHK", author="9")
    copies = [complaint(text, author=str(i), complaint_id=i, days_ago=0) for i in range(3)]
    old_copy = complaint(text, author="7", complaint_id=7, days_ago=2)
    other = complaint(ROAD, author="8", complaint_id=8, days_ago=0)
    members = campaign_members(new, copies + [old_copy, other], Thresholds())
    assert [m.complaint_id for m in members] == [None, 0, 1, 2]


@pytest.mark.parametrize(
    "text",
    ["", " ", "😡😡😡", "\u200b\u200f\u202e\u2066", "\x00\x01\x7f", "٣٤٥ ١٢", "ＡＢＣ", "a" * 25_000,
     "jalan rusak " * 2_500, "no no no rt rw gang blok jalan atas nama kota", "/-/-/ 1/2/3 - 4", "#", "@"],
)
def test_bad_input_never_raises(text):
    signed = signature(text)
    assert all(-(2**63) <= key < 2**63 for key in signed.band_keys)
    new = make_candidate(None, "1", text, NOW)
    old = complaint(text)
    decide_near_duplicate(new, [old], Thresholds())
    detect_campaign([new, old], Thresholds())
    distinguishing_numbers(text)


def test_an_empty_text_has_no_band_keys_and_matches_nothing():
    assert signature("😡 🙏").band_keys == ()
    assert decide_near_duplicate(mention("😡", author="1"), [complaint("🙏")], Thresholds()) is None


def test_signatures_in_bulk_equal_one_by_one():
    texts = [ROAD, ROAD_SLANG, "", "ok", "Lampu PJU mati di RT 03 RW 05"]
    assert signatures(texts) == [signature(t) for t in texts]


def test_near_duplicates_share_bands_and_unrelated_texts_do_not():
    keys = set(signature(ROAD).band_keys)
    assert len(keys) == BANDS
    assert keys & set(signature(ROAD_SLANG).band_keys)
    assert not keys & set(signature("Antrean e-KTP di Disdukcapil sangat lama, sudah 5 jam").band_keys)


def test_band_keys_are_stable_across_processes_and_releases():
    """Stored keys depend on this value: a change needs SIGNATURE_VERSION bumped and a rebuild."""
    assert signature("JALAN RUSAK!!").band_keys[0] == 5734431247949694075


@pytest.mark.parametrize(("a", "b", "low", "high"), [
    (ROAD, ROAD, 1.0, 1.0),
    ("jalan rusak parah", "parah rusak jalan", 1.0, 1.0),  # word order
    ("jalan rusak", "jalan rusak depan sdn 3", 1.0, 1.0),  # one text contains the other
    ("jalan rusak", "antrean ktp lama", 0.0, 0.5),
])
def test_similarity(a, b, low, high):
    assert low <= similarity(normalise_for_matching(a), normalise_for_matching(b)) <= high


@pytest.mark.parametrize(("status", "expected"), [("awaiting_verification", True), ("in_progress", True),
                                                  ("closed", False), ("merged", False)])
def test_is_open_status(status, expected):
    assert is_open_status(status) is expected
