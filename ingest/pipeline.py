"""Store a run of fetched tweets: normalise, triage, link and save each, oldest first."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ingest.dedupe import DEFAULT_THRESHOLDS, Thresholds
from ingest.errors import NormaliseError
from ingest.link import COMPLAINT_KINDS, decide_link
from ingest.mention import Mention
from ingest.normalise import Includes, normalise_tweet
from ingest.routing import RoutingTable
from ingest.store.batch import MentionBatch
from ingest.store.forget import forgotten_among
from ingest.store.store import Store
from ingest.triage import Triage, triage_inputs, triage_text

log = logging.getLogger(__name__)
# Rows written per transaction: small enough to keep locks short, large enough to be quick.
CHUNK = 100
# Triages kept for texts seen earlier in the same run: retweets, repeats and copy-paste
# campaigns carry the same text, and a triage depends on nothing else (text, X's language
# tag and place, the routing table). About a fifth of a burst (benchmarks/pipeline_throughput.py).
TRIAGE_CACHE = 1024


@dataclass
class IngestCounts:
    """What one run of tweets did to the store."""

    received: int = 0
    stored: int = 0
    already_stored: int = 0
    quarantined: int = 0
    complaints: int = 0
    links: dict[str, int] = field(default_factory=dict)

    def add(self, other: IngestCounts) -> None:
        """Add another run's counts to these."""
        self.received += other.received
        self.stored += other.stored
        self.already_stored += other.already_stored
        self.quarantined += other.quarantined
        self.complaints += other.complaints
        for kind, count in other.links.items():
            self.links[kind] = self.links.get(kind, 0) + count


@dataclass(frozen=True)
class Fetched:
    """One tweet payload and the includes of the page it came on."""

    raw: Any
    includes: Includes


def ingest_tweets(
    store: Store,
    fetched: Sequence[Fetched],
    *,
    account_id: str,
    source: str,
    now: datetime,
    answer_from: datetime | None,
    complaint_kinds: frozenset[str] = COMPLAINT_KINDS,
    routing: RoutingTable | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> IngestCounts:
    """Store every tweet in `fetched` (given oldest first), once; quarantine the unreadable."""
    counts = IngestCounts(received=len(fetched))
    options = dict(account_id=account_id, source=source, answer_from=answer_from, complaint_kinds=complaint_kinds,
                   triage=_triage_cache(routing))
    for start in range(0, len(fetched), CHUNK):
        chunk = fetched[start : start + CHUNK]
        try:
            counts.add(_ingest_chunk(store, chunk, now, thresholds, careful=False, **options))
        except _Careful:
            # Something in the chunk needs one savepoint a mention (a tweet another worker stored
            # meanwhile, a mention that fails): the chunk was rolled back; do it again, carefully.
            counts.add(_ingest_chunk(store, chunk, now, thresholds, careful=True, **options))
    return counts


TriageOf = Callable[[Mention], Triage]


def _triage_cache(routing: RoutingTable | None) -> TriageOf:
    """Return the triage of a mention, computed once for each text, tag and place of this run."""

    @lru_cache(maxsize=TRIAGE_CACHE)
    def of_inputs(text: str, lang: str | None, place_name: str | None, place_type: str | None) -> Triage:
        return triage_text(text, lang, place_name=place_name, place_type=place_type, routing=routing)

    return lambda mention: of_inputs(*triage_inputs(mention))


class _Careful(Exception):
    """The quick pass of a chunk met something only the careful pass handles."""


def _ingest_chunk(
    store: Store, chunk: Sequence[Fetched], now: datetime, thresholds: Thresholds, *, careful: bool, **options: Any
) -> IngestCounts:
    """Store one chunk in one transaction; return its counts.

    The quick pass (`careful` False) writes each mention without a savepoint of its own: any
    error raises `_Careful`, which rolls the whole chunk back. The careful pass gives each
    mention a savepoint, so one failing mention is quarantined and the others are kept.
    """
    counts = IngestCounts()
    try:
        with store.session() as session:
            batch = MentionBatch(session, now, thresholds)
            batch.expect([str(item.raw["id"]) for item in chunk if isinstance(item.raw, dict) and "id" in item.raw])
            forgotten = forgotten_among(session, _ids_and_edit_origins(chunk))
            read = [_read(item) for item in chunk]
            if not careful:
                batch.prepare([mention for mention in read if isinstance(mention, Mention)])
            for item, mention in zip(chunk, read):
                _ingest_one(batch, item, mention, counts, careful=careful, forgotten=forgotten, **options)
            batch.write_events()
    except (IntegrityError, _MentionFailed) as exc:
        if careful:
            raise
        raise _Careful from exc
    return counts


class _MentionFailed(Exception):
    """A mention could not be processed in the quick pass (the careful pass quarantines it)."""


def _ids_and_edit_origins(chunk: Sequence[Fetched]) -> set[str]:
    """Return the tweet ids of a chunk with the ids their edit histories start from."""
    ids: set[str] = set()
    for item in chunk:
        if isinstance(item.raw, dict):
            history = item.raw.get("edit_history_tweet_ids")
            values = [item.raw.get("id"), *(history if isinstance(history, list) else [])]
            ids.update(str(v) for v in values if isinstance(v, str | int))
    return ids


def _read(item: Fetched) -> Mention | NormaliseError:
    """Return the mention of a payload, or why it cannot be read."""
    try:
        return normalise_tweet(item.raw, item.includes)
    except NormaliseError as exc:
        return exc


def _ingest_one(
    batch: MentionBatch,
    item: Fetched,
    mention: Mention | NormaliseError,
    counts: IngestCounts,
    *,
    account_id: str,
    source: str,
    answer_from: datetime | None,
    complaint_kinds: frozenset[str],
    triage: TriageOf,
    careful: bool = True,
    forgotten: AbstractSet[str] = frozenset(),
) -> None:
    if isinstance(mention, NormaliseError):
        counts.quarantined += batch.quarantine(item.raw, str(mention), source)
        log.warning("quarantined a %s payload: %s", source, mention)
        return
    if mention.tweet_id in forgotten or mention.original_id in forgotten:
        counts.already_stored += 1  # a person asked us to forget it (lapor-bot forget): never again
        return
    if batch.has_mention(mention.tweet_id):
        counts.already_stored += 1
        return
    if not careful:
        try:
            _save(batch, mention, item.raw, counts, account_id, answer_from, complaint_kinds, triage)
        except SQLAlchemyError:
            raise
        except Exception as exc:  # noqa: BLE001 - the careful pass quarantines it
            raise _MentionFailed(f"tweet {mention.tweet_id}: {type(exc).__name__}: {exc}") from exc
        return
    events = len(batch.events)
    try:
        with batch.session.begin_nested():
            _save(batch, mention, item.raw, counts, account_id, answer_from, complaint_kinds, triage)
    except IntegrityError:
        del batch.events[events:]  # the savepoint took back what they recorded
        if not batch.has_mention(mention.tweet_id, fresh=True):
            raise  # a conflict elsewhere (e.g. a tracking number): fail the tick, keep the cursor
        # Another worker stored the same tweet between our check and our insert.
        counts.already_stored += 1
    except SQLAlchemyError:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad mention must not stop the poll
        del batch.events[events:]
        log.exception("could not process tweet %s", mention.tweet_id)
        counts.quarantined += batch.quarantine(item.raw, f"could not process: {type(exc).__name__}: {exc}", source)


def _save(
    batch: MentionBatch,
    mention: Mention,
    raw: Any,
    counts: IngestCounts,
    account_id: str,
    answer_from: datetime | None,
    complaint_kinds: frozenset[str],
    triage_of: TriageOf,
) -> None:
    triage = triage_of(mention)
    link = decide_link(mention, batch.facts_for(mention, triage), triage.kind, account_id, complaint_kinds)
    answerable = answer_from is None or mention.created_at >= answer_from
    batch.save(mention, raw, link, triage, answerable)
    counts.stored += 1
    counts.complaints += link.opens_complaint
    counts.links[link.kind] = counts.links.get(link.kind, 0) + 1
