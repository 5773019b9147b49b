"""Deciding the language of a mention: X's tag first, then langdetect, a word rule, Indonesian."""

from __future__ import annotations

import pytest

from ingest.language import Language, detect_language, strip_for_detection

LONG_INDONESIAN = "jalan di depan rumah saya rusak parah sudah tiga bulan belum diperbaiki"
LONG_ENGLISH = "The road in front of my house has been broken for three months now"
LONG_SPANISH = "Buenos dias amigos como estan ustedes hoy en la ciudad de Madrid"
# Long texts with few function words: the word rule leans one way but is not sure on its own.
SPARSE_INDONESIAN = "Pelayanan administrasi kependudukan kecamatan Padang Utara lambat sekali, petugasnya jarang hadir di tempat"
SPARSE_ENGLISH = "Terrible queue at the Padang population office, officers absent, nobody answers phone calls"
UNCLEAR_ENGLISH = "Broken streetlights along Sudirman avenue, drivers cannot see pedestrians at night"


@pytest.mark.parametrize(
    ("text", "x_lang", "code", "source"),
    [
        # X's tag comes first; "in" is X's code for Indonesian.
        ("Jalan rusak", "in", "id", "x"),
        ("Jalan rusak", "id", "id", "x"),
        ("ok", "en", "en", "x"),
        # Regional languages of Indonesia and Malay are served in Indonesian.
        ("dalane rusak neng ngarep omahku", "jv", "id", "x"),
        ("jalanna ruksak pisan", "su", "id", "x"),
        ("jalan rosak teruk", "ms", "id", "x"),
        # Short texts never reach langdetect ("ok" must not become Slovak).
        ("ok", None, "id", "default"),
        ("ok", "sk", "id", "default"),
        ("cek dm", None, "id", "rule"),
        ("min tolong", None, "id", "rule"),
        ("wkwkwk", "und", "id", "rule"),
        ("Saya mau tanya", "tl", "id", "rule"),
        ("Thank you for the quick response", None, "en", "rule"),
        # X's pseudo-codes for mention-, hashtag- or media-only posts mean "no language".
        ("@lapor1708 #lapor https://t.co/abc", "qme", "id", "default"),
        ("mantap min", "zxx", "id", "rule"),
        # Long texts without X's tag go to langdetect.
        (LONG_INDONESIAN, None, "id", "rule"),  # the word rule is sure: langdetect is not asked
        (LONG_ENGLISH, None, "en", "rule"),
        (LONG_SPANISH, None, "other", "langdetect"),
        # On a long text, a very clear word count overrules X (no langdetect needed)...
        (LONG_INDONESIAN, "en", "id", "rule"),
        (LONG_ENGLISH, "in", "en", "rule"),
        # ...a less clear one asks langdetect, which overrules X only when very sure.
        (SPARSE_INDONESIAN, "en", "id", "langdetect"),
        (SPARSE_ENGLISH, "in", "en", "langdetect"),
        (UNCLEAR_ENGLISH, "in", "id", "x"),  # langdetect says "en" at 0.71 only: X's tag stays
        # Non-Latin scripts are another language even when short.
        ("ありがとうございます", None, "other", "rule"),
        ("ありがとうございます", "ja", "other", "x"),
    ],
)
def test_language_verdicts(text, x_lang, code, source):
    language = detect_language(text, x_lang)
    assert (language.code, language.source) == (code, source)
    assert 0.0 < language.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "12345", "!!!", "@lapor1708", "https://t.co/x"])
def test_text_with_no_letters_falls_back_to_indonesian_without_raising(text):
    assert detect_language(text, None) == Language("id", "default", 0.3)


def test_mentions_urls_and_hashtags_are_ignored_when_detecting():
    text = "@PT_Transjakarta @KAI121 #TransJakartaParah https://t.co/xyz thank you for the help"
    assert strip_for_detection(text) == "thank you for the help"
    assert detect_language(text, None).code == "en"


def test_langdetect_is_repeatable():
    text = "Pelayanan di kantor kelurahan sangat lambat dan petugasnya tidak ramah sama sekali"
    assert len({detect_language(text, None) for _ in range(5)}) == 1
