"""The whole triage of a mention: every decision with its reasons, and bad input never raising."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import ingest
from ingest.mention import Mention, Place
from ingest.routing import load_routing
from ingest.triage import triage_mention, triage_text

CASES = [
    # (text, x lang, kind, category, region code, agency id, flags, needs review)
    ("Jalan berlubang besar di Jl. Adinegoro, Lubuk Buaya, Kota Padang, sudah dua bulan rusak", "in",
     "pengaduan", "infrastruktur", "13.71", "dpupr-padang", (), False),
    ("DARURAT! Banjir sudah setinggi pinggang di Perumahan Jondul Rawang Padang, tolong evakuasi", "in",
     "pengaduan", "bencana", "13.71", "bpbd-sumbar", ("urgent",), True),
    ("Ibu saya ditolak berobat di puskesmas padahal peserta BPJS, NIK 1371015203880000, tolong dibantu", "in",
     "pengaduan", "kesehatan", None, "dinkes-sumbar", ("personal_data",), True),
    ("Pelayanan Disdukcapil Kab. Agam lambat sekali, petugasnya goblok semua", "in",
     "pengaduan", "kependudukan", "13.06", None, ("abusive",), True),
    ("@lapor1708 LINK SLOT GACOR HARI INI maxwin x500 deposit 10rb pasti JP!!! daftar bit.ly/gacor", "in",
     "spam", "lainnya", None, None, (), False),
    ("Terima kasih @lapor1708 atas respon cepatnya, mantap!", "in",
     "apresiasi", "lainnya", None, None, (), False),
]


@pytest.mark.parametrize(("text", "lang", "kind", "category", "region", "agency", "flags", "review"), CASES)
def test_triage_decides_and_explains(text, lang, kind, category, region, agency, flags, review):
    triage = triage_text(text, lang)
    assert (triage.kind, triage.category) == (kind, category)
    if region is None:
        assert triage.region is None
    else:
        assert triage.region is not None and triage.region.code.startswith(region)
    if agency is not None:
        assert triage.agency is not None and triage.agency.agency_id == agency, triage.agency
    for flag in flags:
        assert flag in triage.flags
    assert set(triage.flags) - {"low_confidence"} == set(flags)
    assert triage.needs_review == (review or "low_confidence" in triage.flags)
    assert any(reason.startswith("language=") for reason in triage.reasons)
    assert any(reason.startswith("kind=") for reason in triage.reasons)
    if triage.region is not None:
        assert any(reason.startswith("region: ") for reason in triage.reasons)


def test_personal_data_spans_cover_the_numbers_so_they_can_be_masked():
    text = "hp saya 0812-3456-7890, NIK 1371015203880000"
    triage = triage_text(text, "in")
    assert [(s.kind, text[s.start:s.end]) for s in triage.personal_data] == [
        ("phone", "0812-3456-7890"), ("nik", "1371015203880000")]


def test_x_place_locates_a_complaint_that_names_no_place():
    mention = Mention(
        tweet_id="1", author_id="2", author_username="w", author_name="W",
        text="lampu jalan mati semua sejak seminggu, gelap sekali", created_at=datetime(2026, 11, 28, tzinfo=timezone.utc),
        lang="in", place=Place(id="p", full_name="Bukittinggi, Indonesia", country_code="ID", place_type="city"),
    )
    triage = triage_mention(mention)
    assert triage.region is not None and triage.region.code == "13.75"


def test_an_operator_table_changes_the_agency(tmp_path):
    shipped = (Path(ingest.__file__).parent / "rules" / "agencies.toml").read_text(encoding="utf-8")
    official = "Dinas Pekerjaan Umum dan Penataan Ruang Kota Padang"
    assert official in shipped
    table = tmp_path / "agencies.toml"
    table.write_text(shipped.replace(official, "Dinas PUPR Kota Padang (operator's table)"), encoding="utf-8")
    text = "Jalan rusak parah di Kota Padang"
    assert triage_text(text, "in").agency.agency_name == official
    assert triage_text(text, "in", routing=load_routing(table)).agency.agency_name == "Dinas PUPR Kota Padang (operator's table)"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "x" * 25_000,
        "jalan rusak " * 2_500,
        "😀🙏🔥" * 50,
        "\u200b\u200c\u200d\u2060",
        "\u202ejalan rusak\u202c di \u200fPadang\u200e",
        "道路 損壊 Padang jalan rusak 🚧 ถนน",
        "\x00\x01\x02 NIK\x00 3578010101010001",
        "@lapor1708 #️⃣ #banjir #Padang",
    ],
)
def test_any_text_gets_a_valid_triage(text):
    triage = triage_text(text, None)
    assert triage.language in ("id", "en", "other")
    assert triage.kind in ("pengaduan", "aspirasi", "permintaan_informasi", "apresiasi", "lainnya", "spam")
    assert 0.0 <= triage.kind_confidence <= 1.0 and 0.0 <= triage.category_confidence <= 1.0
    assert triage.reasons


def test_warm_up_fills_the_word_caches_of_the_model_and_the_rules():
    from ingest.classify import DEFAULT_RULES
    from ingest.model import load_model
    from ingest.triage import warm_up

    model = load_model()
    words = [word for word in model.word_terms if " " not in word]
    model.char_indices.cache_clear()  # type: ignore[attr-defined]
    DEFAULT_RULES.starts.cache_clear()  # type: ignore[attr-defined]
    warm_up()
    for cached in (model.char_indices, DEFAULT_RULES.starts):
        before = cached.cache_info()  # type: ignore[attr-defined]
        assert before.currsize >= len(words)
        for word in words[:: len(words) // 50]:
            cached(word)
        assert cached.cache_info().hits - before.hits == len(words[:: len(words) // 50])  # type: ignore[attr-defined]
