"""Composing acknowledgements: language, tracking number, link, length, variety."""

from __future__ import annotations

import pytest

from replies.compose import MAX_WEIGHTED_LENGTH, compose_acknowledgement, weighted_length

URL = "https://lapor.example.go.id/status/{tracking_number}"


@pytest.mark.parametrize("language", ["id", "en", "other"])
@pytest.mark.parametrize("personal", [False, True])
def test_acknowledgement_has_number_link_category_and_fits(language, personal):
    for n in range(1, 40):
        number = f"LPR-2611-{n:05d}"
        ack = compose_acknowledgement(number, "infrastruktur", language, URL, personal_data=personal)
        assert number in ack.text
        assert f"https://lapor.example.go.id/status/{number}" in ack.text
        assert weighted_length(ack.text) <= MAX_WEIGHTED_LENGTH
        assert ("lapor.go.id" in ack.text) == personal


def test_indonesian_first_english_only_for_english():
    assert compose_acknowledgement("LPR-2611-00001", "kesehatan", "id", URL).language == "id"
    assert compose_acknowledgement("LPR-2611-00001", "kesehatan", "other", URL).language == "id"
    english = compose_acknowledgement("LPR-2611-00001", "kesehatan", "en", URL)
    assert english.language == "en" and "Health" in english.text


def test_category_is_named_in_plain_words():
    ack = compose_acknowledgement("LPR-2611-00007", "utilitas", "id", URL)
    assert "Air Minum dan Energi" in ack.text and "utilitas" not in ack.text


def test_texts_vary_between_complaints_but_not_for_one_complaint():
    texts = {compose_acknowledgement(f"LPR-2611-{n:05d}", "sosial", "id", URL).text.split("LPR")[0] for n in range(1, 30)}
    assert len(texts) >= 3
    once = compose_acknowledgement("LPR-2611-00003", "sosial", "id", URL)
    assert once == compose_acknowledgement("LPR-2611-00003", "sosial", "id", URL)


def test_unknown_category_falls_back_to_other():
    assert "Lainnya" in compose_acknowledgement("LPR-2611-00001", "??", "id", URL).text


def test_weighted_length_counts_urls_as_23_and_emoji_as_2():
    assert weighted_length("a https://example.com/a/very/long/path/that/goes/on") == 2 + 23
    assert weighted_length("😀") == 2
