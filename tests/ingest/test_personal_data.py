"""Finding and masking NIK/KK numbers, mobile numbers, e-mail addresses and account numbers."""

from __future__ import annotations

import pytest

from ingest.personal_data import PersonalDataSpan, find_personal_data, mask_personal_data


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("NIK saya 3578010101010001 tolong dicek", "NIK saya [NIK] tolong dicek"),
        ("NIK 3578 0101 0101 0001 belum aktif", "NIK [NIK] belum aktif"),
        ("nik: 3578.0101.0101.0001", "nik: [NIK]"),
        ("KK 3578-0101-0101-0001", "KK [NIK]"),
        ("nik 357801010101001 (kurang satu)", "nik [NIK] (kurang satu)"),
        ("NOP 35.78.110.001.002.0030.0 salah", "NOP [NIK] salah"),
        ("hubungi 081234567890 ya", "hubungi [TELEPON] ya"),
        ("wa 0812-3456-7890", "wa [TELEPON]"),
        ("hp 0812.3456.789", "hp [TELEPON]"),
        ("telp +62 812 3456 7890", "telp [TELEPON]"),
        ("telp 6281234567890", "telp [TELEPON]"),
        ("email budi.santoso@gmail.com ya", "email [EMAIL] ya"),
        ("no pelanggan 1234567890 belum", "no pelanggan [NOMOR] belum"),
        ("rek 131-000-7252-937 a/n Budi", "rek [NOMOR] a/n Budi"),
        ("id pelanggan T1234567890", "id pelanggan T[NOMOR]"),
        ("hp (0812)3456-7890", "hp [TELEPON]"),
        ("telp.081234567890 ya", "telp.[TELEPON] ya"),
        ("WA 0812 345 678 90", "WA [TELEPON]"),
        ("0812 3456 7890/0813 1111 2222", "[TELEPON]/[TELEPON]"),
        ("mobil BA 1234 XY parkir di trotoar", "mobil [PLAT] parkir di trotoar"),
        ("nopol b 1234 abc kabur", "nopol [PLAT] kabur"),
        ("truk D1234ABC ugal-ugalan", "truk [PLAT] ugal-ugalan"),
        (
            "NIK 3578010101010001 hp 081234567890 mail a@b.co",
            "NIK [NIK] hp [TELEPON] mail [EMAIL]",
        ),
    ],
)
def test_personal_data_is_found_and_masked(text, masked):
    assert mask_personal_data(text, find_personal_data(text)) == masked


@pytest.mark.parametrize(
    "text",
    [
        "laporan LPR-2611-00042 belum ditanggapi",
        "cek status LPR-2611-00042 dan LPR-2611-00043",
        "tanggal 28-06-2022 jam 19:57",
        "sejak 2022-06-28 sampai 01/07/2023",
        "RT 01 RW 08 Kel. Gubeng",
        "RT.003/RW.005",
        "biaya Rp 150.000.000.000 terlalu mahal",
        "tarif Rp1.500.000",
        "tracking ID #5943588",
        "lihat https://twitter.com/warga/status/1234567890123456789",
        "tahun 2019 2020 2021 2022 selalu banjir",
        "SD 12 Padang dan RT 05 RW 03",
        "Blok A 12 dan KM 12 tol",
        "jam operasional 0900 1700",
        "tahun 2021 2022 2023",
        "sudah 2 tahun 3 bulan",
    ],
)
def test_tracking_numbers_dates_money_and_rt_rw_are_not_flagged(text):
    assert find_personal_data(text) == ()


def test_spans_are_ordered_and_point_at_the_data():
    text = "hp 081234567890, NIK 3578010101010001"
    spans = find_personal_data(text)
    assert [s.kind for s in spans] == ["phone", "nik"]
    assert [text[s.start : s.end] for s in spans] == ["081234567890", "3578010101010001"]


def test_a_sixteen_digit_number_starting_08_is_a_nik_not_a_phone():
    assert find_personal_data("0812345678901234") == (PersonalDataSpan("nik", 0, 16),)


def test_masking_with_no_spans_returns_the_text_unchanged():
    assert mask_personal_data("jalan rusak", ()) == "jalan rusak"


@pytest.mark.parametrize("seed", [1708, 7])
def test_recall_on_realistic_spellings_is_at_least_98_percent(seed):
    from benchmarks.evaluate_personal_data import DECOYS, cases, found

    built = cases(seed, 900)
    for kind in ("nik", "phone", "email"):
        of_kind = [case for case in built if case.kind == kind]
        assert sum(found(case) for case in of_kind) / len(of_kind) >= 0.98, kind
    assert not [text for text in DECOYS if find_personal_data(text)]
