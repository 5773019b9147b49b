"""Composing replies: every type in both languages, tracking number, link, length, variety."""

from __future__ import annotations

import itertools
import re
import string

import pytest

from replies import templates
from replies.compose import (
    FOLLOWUP_STATUSES,
    MAX_WEIGHTED_LENGTH,
    ComposeError,
    ComposeOptions,
    category_names,
    compose_acknowledgement,
    compose_followup,
    compose_information,
    compose_personal_data_warning,
    compose_repeat_notice,
    compose_thanks,
    reply_reference,
    weighted_length,
)

URL = "https://lapor.sumbarprov.go.id/pengaduan/status/{tracking_number}"
LINK = ComposeOptions(URL, ack_link=True)
NO_LINK = ComposeOptions(URL, ack_link=False)
# The longest values a real reply carries: the widest tracking number, the longest category
# names, an agency name past the cut, and a follow-up link of any length (X counts 23).
LONGEST_NUMBER = "LPR-2612-99999"
LONGEST_AGENCY = "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Sumatera Barat, Bidang Bina Marga dan Jembatan"
TWEET_ID = "2126466096952200100"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _all_templates():
    for name in ("ACKNOWLEDGEMENT", "ACKNOWLEDGEMENT_NO_LINK", "ACKNOWLEDGEMENT_PERSONAL_DATA", "INFORMATION",
                 "PERSONAL_DATA_WARNING", "THANKS", "REPEAT_NOTICE"):
        for lang, variants in getattr(templates, name).items():
            for variant in variants:
                yield f"{name}.{lang}", variant
    for status, by_lang in templates.FOLLOWUP.items():
        for lang, variants in by_lang.items():
            for variant in variants:
                yield f"FOLLOWUP.{status}.{lang}", variant


def _longest_values(lang: str, link: bool) -> dict[str, str]:
    longest_category = max((names[lang] for names in category_names().values()), key=len)
    noun = max(templates.NOUN[lang].values(), key=len)
    url = URL.format(tracking_number=LONGEST_NUMBER)
    return {
        "tracking_number": LONGEST_NUMBER,
        "category": longest_category,
        "noun": noun,
        "noun_cap": noun.capitalize(),
        "url": url,
        "link": templates.LINK_CLAUSE[lang].format(url=url) if link else "",
        "channel": templates.CHANNEL[lang][link],
        "agency": LONGEST_AGENCY[:69] + "…",
        "reference": "ABCDEFG",
    }


@pytest.mark.parametrize(("name", "template"), list(_all_templates()))
@pytest.mark.parametrize("link", [True, False])
def test_every_template_fits_with_the_longest_realistic_values(name, template, link):
    values = _longest_values(name.rsplit(".", 1)[1], link)
    text = template.format(**values)
    assert weighted_length(text) <= MAX_WEIGHTED_LENGTH, (name, weighted_length(text))


@pytest.mark.parametrize(("name", "template"), list(_all_templates()))
def test_templates_use_only_known_placeholders(name, template):
    assert _fields(template) <= set(_longest_values("id", True)), name


def test_every_reply_type_has_several_variants_in_both_languages():
    for name in ("ACKNOWLEDGEMENT", "ACKNOWLEDGEMENT_NO_LINK", "ACKNOWLEDGEMENT_PERSONAL_DATA", "INFORMATION",
                 "PERSONAL_DATA_WARNING", "THANKS", "REPEAT_NOTICE"):
        variants = getattr(templates, name)
        assert len(variants["id"]) >= 3 and len(variants["en"]) >= 2, name
    for status, variants in templates.FOLLOWUP.items():
        assert len(variants["id"]) >= 3 and len(variants["en"]) >= 2, status


ACK_CASES = [
    # (language, kind, personal data, options, reply language, words it must contain)
    ("id", "pengaduan", False, LINK, "id", ["laporan", "Infrastruktur dan Pekerjaan Umum"]),
    ("id", "aspirasi", False, LINK, "id", ["aspirasi"]),
    ("en", "pengaduan", False, LINK, "en", ["report", "Infrastructure and public works"]),
    ("en", "aspirasi", False, LINK, "en", ["suggestion"]),
    ("other", "pengaduan", False, LINK, "id", ["laporan"]),
    ("id", "pengaduan", True, LINK, "id", ["data pribadi", "DM", "lapor.go.id"]),
    ("en", "pengaduan", True, LINK, "en", ["personal data", "DM", "lapor.go.id"]),
    ("id", "pengaduan", False, NO_LINK, "id", ["laporan"]),
    ("en", "pengaduan", True, NO_LINK, "en", ["personal data", "SP4N-LAPOR!"]),
]


@pytest.mark.parametrize(("language", "kind", "personal", "options", "reply_lang", "words"), ACK_CASES)
def test_acknowledgement_in_each_language_and_mode(language, kind, personal, options, reply_lang, words):
    for n in range(1, 30):
        number = f"LPR-2611-{n:05d}"
        ack = compose_acknowledgement(number, kind, "infrastruktur", language, options, personal_data=personal)
        assert (ack.purpose, ack.language) == ("acknowledgement", reply_lang)
        assert number in ack.text
        assert all(word.lower() in ack.text.lower() for word in words), ack.text
        link = URL.format(tracking_number=number)
        assert (link in ack.text) == options.ack_link
        assert ack.has_link == options.ack_link
        assert weighted_length(ack.text) <= MAX_WEIGHTED_LENGTH


def test_without_the_ack_link_no_reply_but_follow_ups_carries_any_link_or_domain():
    for n in range(1, 20):
        tweet_id = str(int(TWEET_ID) + n)
        for language in ("id", "en"):
            texts = [
                compose_acknowledgement(f"LPR-2611-{n:05d}", "pengaduan", "sosial", language, NO_LINK).text,
                compose_acknowledgement(f"LPR-2611-{n:05d}", "pengaduan", "sosial", language, NO_LINK,
                                        personal_data=True).text,
                compose_information(tweet_id, language, NO_LINK).text,
                compose_personal_data_warning(tweet_id, language, NO_LINK).text,
                compose_thanks(tweet_id, language, NO_LINK).text,
            ]
            for text in texts:
                assert not re.search(r"https?://|\w\.(go\.id|com|id)\b", text), text
            assert compose_followup("verified", f"LPR-2611-{n:05d}", "pengaduan", language, NO_LINK).has_link


@pytest.mark.parametrize("status", FOLLOWUP_STATUSES)
@pytest.mark.parametrize("language", ["id", "en"])
def test_follow_ups_carry_tracking_number_and_link(status, language):
    reply = compose_followup(status, "LPR-2611-00042", "pengaduan", language, NO_LINK, agency="Dinas PUPR Kota Padang")
    assert reply.purpose == f"followup:{status}" and reply.language == language
    assert "LPR-2611-00042" in reply.text
    assert URL.format(tracking_number="LPR-2611-00042") in reply.text
    if status in ("forwarded", "responded"):
        assert "Dinas PUPR Kota Padang" in reply.text


def test_follow_up_without_an_agency_names_the_agency_in_general_words():
    text = compose_followup("forwarded", "LPR-2611-00042", "pengaduan", "id", LINK).text
    assert "instansi terkait" in text


def test_a_long_agency_name_is_cut_so_the_text_still_fits():
    reply = compose_followup("forwarded", LONGEST_NUMBER, "aspirasi", "id", LINK, agency=LONGEST_AGENCY * 3)
    assert "…" in reply.text and weighted_length(reply.text) <= MAX_WEIGHTED_LENGTH


def test_an_unknown_follow_up_status_is_refused():
    with pytest.raises(ComposeError, match="rejected"):
        compose_followup("rejected", "LPR-2611-00042", "pengaduan", "id", LINK)


@pytest.mark.parametrize("composer", [compose_information, compose_personal_data_warning, compose_thanks])
@pytest.mark.parametrize("language", ["id", "en"])
def test_replies_without_a_tracking_number_carry_a_reference_unique_to_the_mention(composer, language):
    reply = composer(TWEET_ID, language, LINK)
    assert reply.language == language
    assert f"Ref: {reply_reference(TWEET_ID)}" in reply.text
    assert composer(TWEET_ID, language, LINK) == reply  # deterministic
    others = {composer(str(int(TWEET_ID) + n), language, LINK).text for n in range(200)}
    assert len(others) == 200  # never the same text twice: X refuses duplicates


def test_texts_vary_between_complaints_but_not_for_one_complaint():
    openings = {compose_acknowledgement(f"LPR-2611-{n:05d}", "pengaduan", "sosial", "id", LINK).text.split("LPR")[0]
                for n in range(1, 40)}
    assert len(openings) >= 3
    once = compose_acknowledgement("LPR-2611-00003", "pengaduan", "sosial", "id", LINK)
    assert once == compose_acknowledgement("LPR-2611-00003", "pengaduan", "sosial", "id", LINK)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("options", [LINK, NO_LINK])
def test_a_repeat_notice_gives_the_existing_number_and_differs_per_mention(language, options):
    texts = {compose_repeat_notice("LPR-2611-00042", "pengaduan", str(int(TWEET_ID) + n), language, options).text
             for n in range(50)}
    assert len(texts) == 50
    for text in texts:
        assert "LPR-2611-00042" in text and weighted_length(text) <= MAX_WEIGHTED_LENGTH
        assert (URL.format(tracking_number="LPR-2611-00042") in text) == options.ack_link


def test_information_answer_points_to_the_channels():
    text = compose_information(TWEET_ID, "id", LINK).text
    assert "lapor.go.id" in text and "1708" in text


def test_category_is_named_in_plain_words_and_unknown_falls_back_to_other():
    ack = compose_acknowledgement("LPR-2611-00007", "pengaduan", "utilitas", "id", LINK)
    assert "Air Minum dan Energi" in ack.text and "utilitas" not in ack.text
    assert "Lainnya" in compose_acknowledgement("LPR-2611-00001", "pengaduan", "??", "id", LINK).text


def test_a_too_long_follow_up_link_is_an_error_not_a_truncated_post():
    # Not a URL to twitter-text, so every character counts: nothing fits.
    silly = ComposeOptions("http://127.0.0.1:8080/" + "x" * 300 + "/{tracking_number}")
    with pytest.raises(ComposeError):
        compose_followup("closed", "LPR-2611-00001", "pengaduan", "id", silly)


def test_weighted_length_counts_urls_as_23_and_emoji_and_cjk_as_2():
    # X's counting-characters examples: any URL is 23, an emoji 2, a CJK character 2.
    assert weighted_length("a https://example.com/a/very/long/path/that/goes/on") == 2 + 23
    assert weighted_length("😀") == 2
    assert weighted_length("日本語") == 6
    assert weighted_length("lapor.go.id") == 23
    assert weighted_length("a" * 280) == 280


def test_no_template_can_hold_text_from_a_mention():
    # Composers take ids, codes and settings only: nothing a citizen wrote reaches them.
    for _, template in _all_templates():
        assert not {"text", "username", "name"} & _fields(template)
    assert list(itertools.islice(_all_templates(), 1))


@pytest.mark.parametrize("text", [
    "Laporan Anda tercatat: LPR-2611-00020. Pantau di https://lapor.example.go.id/status/LPR-2611-00020",
    "Terima kasih. Info di lapor.go.id atau SMS 1708; lihat juga www.lapor.go.id/faq dan t.co/abc",
    "No link at all, just words and numbers 12345 and an e-mail admin@example.com",
    "Dua tautan: http://127.0.0.1:8080/status/LPR-2611-00001 dan https://x.com/i/web/status/1",
    "Newlines\\nand\\ttabs and trailing space ",
    "Pantau di https://lapor.example.go.id/status/LPR-2611-00020 🙏 (bukan ASCII)",
])
def test_weighted_length_matches_twitter_text(text):
    from twitter_text import parse_tweet

    assert weighted_length(text) == parse_tweet(text).weightedLength
