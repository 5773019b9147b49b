"""Abusive language and urgency: the words that raise them, and the look-alikes that must not."""

from __future__ import annotations

import pytest

from ingest.flags import find_abuse, find_urgency

ABUSIVE = [
    ("dasar pejabat anjing, kerja gak becus", "anjing"),
    ("kalian g0bl0k semua", "goblok"),
    ("petugasnya BEGOOO banget", "bego"),
    ("pelayanan tai, bangsat!!", "bangsat"),
    ("jancok, antri 3 jam", "jancok"),
    ("what a fucking joke this service is", "fucking"),
    ("kurang ajar petugas loket itu", "kurang ajar"),
]
NOT_ABUSIVE = [
    "anjing liar menggigit anak di Jl. Veteran, tolong razia",
    "banyak anjing berkeliaran di pasar",
    "babi hutan masuk kebun warga",
    "pelayanan lambat sekali, tolong dibenahi",
    "Jl. Asia Afrika rusak",  # "asu" only as a whole word
    "pantai kotor",
    "",
    "🙏🙏🙏",
]
URGENT = [
    ("DARURAT! Banjir sudah setinggi pinggang di Perumahan Jondul Rawang", "banjir"),
    ("tadi ada kecelakaan di simpang Lubuk Buaya, korban luka parah", "kecelakaan"),
    ("kebakaran di pasar raya blok III, api membesar", "kebakaran"),
    ("kabakaran di pasa ateh, tolong", "kebakaran"),  # Minang
    ("galodo di nagari, rumah warga hanyuik", "banjir bandang"),
    ("pohon tumbang menimpa pengendara di Jl. Sudirman", "pohon tumbang"),
    ("kabel listrik putus menjuntai ke jalan, bahaya", "kabel"),
    ("longsor menutup jalan lintas Padang - Solok", "longsor"),
    ("ada tawuran pelajar di depan SMA 3", "tawuran"),
    ("saya dipukuli suami, KDRT, tolong", "kdrt"),
    ("gas leak at the market, people evacuating", "gas leak"),
]
NOT_URGENT = [
    "jalan ini selalu banjir kalau hujan, tolong saluran diperbaiki",
    "jalan berlubang rawan kecelakaan",
    "pohon besar dikhawatirkan roboh kalau hujan",
    "akta kematian ayah saya yang sudah meninggal belum jadi",
    "aplikasi coretax crash terus",
    "lampu jalan mati sejak seminggu",
    "bisa longsor kalau tidak segera diperkuat",
    "",
]


@pytest.mark.parametrize(("text", "word"), ABUSIVE)
def test_abusive_language_is_flagged_with_the_word(text, word):
    hit = find_abuse(text)
    assert hit is not None and any(word in w for w in hit.words) and hit.reason.startswith("abusive: ")


@pytest.mark.parametrize("text", NOT_ABUSIVE)
def test_animals_and_look_alikes_are_not_abuse(text):
    assert find_abuse(text) is None


@pytest.mark.parametrize(("text", "word"), URGENT)
def test_danger_to_life_is_urgent(text, word):
    hit = find_urgency(text)
    assert hit is not None and any(word in w for w in hit.words), hit


@pytest.mark.parametrize("text", NOT_URGENT)
def test_risks_recurring_floods_and_deaths_in_paperwork_are_not_urgent(text):
    assert find_urgency(text) is None


def test_odd_input_never_raises():
    for text in ("\u200b\u200f\u202e", "x" * 25_000, "日本語 🙂 العربية", "a\x00b"):
        find_abuse(text)
        find_urgency(text)
