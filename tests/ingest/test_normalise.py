"""Normalising X tweet objects into Mention values."""

from __future__ import annotations

import pytest

from ingest.errors import NormaliseError
from ingest.normalise import MAX_TEXT_CHARS, Includes, clean_text, normalise_tweet
from tests.fakes import sample, tweet

PAGE = sample("mentions_page_1")
INCLUDES = Includes.from_payload(PAGE["includes"])


def test_a_full_tweet_becomes_a_mention_with_author_and_place():
    mention = normalise_tweet(PAGE["data"][1], INCLUDES)
    assert mention.tweet_id == "2126466096952200030"
    assert (mention.author_username, mention.author_name) == ("budi_warga", "Budi")
    assert mention.lang == "in" and mention.created_at.isoformat() == "2026-11-28T00:30:00+00:00"
    assert mention.place is not None and mention.place.full_name == "Padang, Indonesia"
    assert mention.edit_history == ("2126466096952200030",)


def test_entities_give_mentioned_users():
    mention = normalise_tweet(PAGE["data"][0], INCLUDES)
    assert mention.mentioned_usernames == ("lapor1708",)
    assert mention.mentioned_user_ids == ("1700000000000000001",)


def test_long_posts_use_note_tweet_text():
    long_text = "@lapor1708 " + "jalan rusak " * 60
    raw = tweet("1", long_text[:270] + "…", note_tweet={"text": long_text})
    assert normalise_tweet(raw, Includes.from_payload({})).text == long_text


def test_references_and_edit_history_are_kept():
    raw = tweet(
        "3", "@lapor1708 RT", referenced_tweets=[{"type": "retweeted", "id": "2"}, {"type": "quoted", "id": "5"}],
        edit_history_tweet_ids=["1", "3"], in_reply_to_user_id=99,
    )
    mention = normalise_tweet(raw, Includes.from_payload({}))
    assert mention.retweet_of == "2" and mention.quote_of == "5" and mention.reply_to is None
    assert mention.original_id == "1" and mention.in_reply_to_user_id == "99"


def test_integer_ids_are_turned_into_strings():
    raw = tweet("7", "@lapor1708 halo")
    raw["id"], raw["author_id"] = 7, 12
    mention = normalise_tweet(raw, Includes.from_payload({}))
    assert (mention.tweet_id, mention.author_id) == ("7", "12")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not an object", "not an object"),
        ({"text": "x", "author_id": "1", "created_at": "2026-11-28T00:00:00Z"}, "id is missing"),
        (tweet("1", "x") | {"id": "12ab"}, "not a numeric id"),
        (tweet("1", "x") | {"author_id": None}, "author_id is missing"),
        (tweet("1", "x") | {"created_at": "yesterday"}, "not a timestamp"),
        (tweet("1", "x") | {"text": None}, "text is missing"),
        (tweet("1", "x") | {"referenced_tweets": [{"type": "liked", "id": "2"}]}, "unknown entry"),
        (tweet("1", "x" * (MAX_TEXT_CHARS + 1)), "more than"),
        (tweet("1", "x") | {"id": True}, "id is missing"),
    ],
)
def test_unusable_payloads_raise_with_a_reason(raw, reason):
    with pytest.raises(NormaliseError, match=reason):
        normalise_tweet(raw, Includes.from_payload({}))


def test_odd_unicode_is_cleaned_but_kept():
    text = "@lapor1708 jalan\u0000 rusak \ud800 \u200d👨‍👩‍👧 \u202eabc e\u0301"
    cleaned = clean_text(text)
    assert "\x00" not in cleaned and "\ud800" not in cleaned
    assert "👨‍👩‍👧" in cleaned and "\u00e9" in cleaned  # NFC composes e + accent


def test_malformed_includes_are_ignored():
    includes = Includes.from_payload({"users": "nope", "places": [None, {"id": "p"}]})
    assert includes.users == {} and set(includes.places) == {"p"}
