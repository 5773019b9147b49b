"""Property-based tests: arbitrary JSON and text never break the normaliser, the triage or the store.

Every tweet payload, however malformed, ends as exactly one stored mention or one quarantined
payload; every text, however odd, gets a valid triage.
"""

from __future__ import annotations

import hashlib
import string
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from ingest.errors import NormaliseError
from ingest.normalise import Includes, normalise_tweet
from ingest.pipeline import Fetched, ingest_tweets
from ingest.store.models import MentionRow, QuarantineRow
from ingest.store.store import to_json
from ingest.triage import triage_text

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)
KINDS = {"pengaduan", "aspirasi", "permintaan_informasi", "apresiasi", "lainnya", "spam"}
ODD = ("\u200b", "\u200e", "\u202e", "\ufeff", "\x00", "\ud800", "🙏", "𝗧𝗢𝗟𝗢𝗡𝗚", "ـ", "ñ", "\n", "<script>")

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
texts = st.lists(st.characters(codec="utf-8") | st.sampled_from(ODD), max_size=300).map("".join)
ids = st.integers(min_value=1, max_value=2**63 - 1).map(str)


@st.composite
def tweets(draw: st.DrawFn) -> object:
    """A tweet-shaped dict with each field right, wrong, missing, or arbitrary."""
    tweet: dict[str, object] = {}
    fields = {
        "id": ids | json_values,
        "text": texts | json_values,
        "author_id": ids | json_values,
        "created_at": st.just("2026-11-27T10:00:00.000Z") | st.text(max_size=25) | json_values,
        "conversation_id": ids | json_values,
        "lang": st.sampled_from(["in", "en", "und", "qme", "tl"]) | json_values,
        "referenced_tweets": st.lists(st.fixed_dictionaries({"type": st.sampled_from(["replied_to", "quoted",
                                                                                       "retweeted", "x"]),
                                                             "id": ids | json_values}), max_size=2) | json_values,
        "entities": json_values,
        "note_tweet": st.fixed_dictionaries({"text": texts}) | json_values,
    }
    for name, strategy in fields.items():
        if draw(st.booleans()) or name in ("id", "text"):
            tweet[name] = draw(strategy)
    return draw(st.just(tweet) | json_values) if draw(st.integers(0, 9)) == 0 else tweet


@settings(max_examples=300, deadline=None)
@given(tweet=tweets(), includes=json_values)
def test_the_normaliser_returns_a_mention_or_says_why_not(tweet, includes):
    try:
        mention = normalise_tweet(tweet, Includes.from_payload(includes))
    except NormaliseError as error:
        assert str(error)
        return
    assert mention.tweet_id.isdigit() and isinstance(mention.text, str)


@settings(max_examples=300, deadline=None)
@given(text=texts, lang=st.sampled_from([None, "in", "en", "und", "ja", "zxx"]))
def test_any_text_gets_a_valid_triage(text, lang):
    triage = triage_text(text, lang)
    assert triage.language in ("id", "en", "other")
    assert triage.kind in KINDS
    assert 0.0 <= triage.kind_confidence <= 1.0 and 0.0 <= triage.category_confidence <= 1.0
    assert set(triage.flags) <= {"personal_data", "abusive", "urgent", "low_confidence"}
    for span in triage.personal_data:
        assert 0 <= span.start < span.end <= len(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(page=st.lists(tweets(), min_size=1, max_size=8), includes=json_values)
def test_every_payload_is_stored_or_quarantined_never_lost(store, page, includes):
    fetched = [Fetched(raw=tweet, includes=Includes.from_payload(includes)) for tweet in page]
    before = _count(store, MentionRow)
    counts = ingest_tweets(store, fetched, account_id="1", source="mentions", now=NOW, answer_from=NOW)
    assert counts.received == len(page)
    assert _count(store, MentionRow) - before == counts.stored
    for item in fetched:  # each payload is now a stored mention or a quarantined payload
        digest = hashlib.sha256(to_json(item.raw).encode("ascii")).hexdigest()
        quarantined = store.read(lambda s, d=digest: s.exec(
            select(QuarantineRow).where(QuarantineRow.raw_sha256 == d)).first()) is not None
        try:
            tweet_id = normalise_tweet(item.raw, item.includes).tweet_id
        except NormaliseError:
            assert quarantined
        else:
            assert quarantined or store.read(lambda s, t=tweet_id: s.get(MentionRow, t)) is not None


def _count(store, model) -> int:
    return store.read(lambda s: s.exec(select(func.count()).select_from(model)).one())


def test_a_huge_text_is_quarantined_with_its_reason(store):
    tweet = {"id": "1", "text": "jalan rusak " * 5000, "author_id": "2", "created_at": "2026-11-27T10:00:00.000Z"}
    counts = ingest_tweets(store, [Fetched(tweet, Includes.from_payload({}))], account_id="1", source="mentions",
                           now=NOW, answer_from=NOW)
    assert counts.quarantined == 1
    [reason] = store.read(lambda s: s.exec(select(QuarantineRow.reason)).all())
    assert "characters" in reason


def test_printable_ascii_round_trips_through_the_triage():
    assert triage_text(string.printable).kind in KINDS
