"""Write one batch of mentions inside a single transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlmodel import Session, select

from ingest.dedupe import (
    DEFAULT_THRESHOLDS,
    Signature,
    Thresholds,
    campaign_members,
    decide_near_duplicate,
    detect_campaign,
    make_candidate,
    signature,
)
from ingest.link import Link, fingerprint
from ingest.mention import Mention
from ingest.store.models import ComplaintRow, EventRow, MentionRow, QuarantineRow, TrackingCounterRow
from ingest.store.complaint_updates import cluster_of, cluster_root, update_complaint
from ingest.store.facts import LazyFacts
from ingest.store.near_duplicates import candidates, fetch_candidates, index_complaint
from ingest.store.store import to_json
from ingest.tracking import format_tracking_number, tracking_period
from ingest.triage import Triage


# The author's newest complaints a mention is compared with for a restatement.
AUTHOR_COMPLAINTS = 20
# Complaints sharing the most index bands that are verified as possibly the same problem.
RELATED_CANDIDATES = 8

MENTIONS: Table = MentionRow.__table__  # type: ignore[attr-defined]
COMPLAINTS: Table = ComplaintRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
COUNTERS: Table = TrackingCounterRow.__table__  # type: ignore[attr-defined]
# The lookups of every mention, built once: plain SQL statements, no ORM objects to build.
_STORED = select(MENTIONS.c.tweet_id).where(MENTIONS.c.tweet_id.in_(bindparam("ids", expanding=True)))
_COMPLAINT_OF = select(MENTIONS.c.complaint_id).where(MENTIONS.c.tweet_id == bindparam("tweet_id"))
_EARLIER_VERSION = (
    select(MENTIONS.c.complaint_id)
    .where(MENTIONS.c.original_id == bindparam("original_id"), MENTIONS.c.tweet_id != bindparam("tweet_id"))
    .limit(1)
)
_THREAD_COMPLAINT = (
    select(COMPLAINTS.c.id)
    .where(COMPLAINTS.c.author_id == bindparam("author_id"),
           COMPLAINTS.c.conversation_id == bindparam("conversation_id"))
    .order_by(COMPLAINTS.c.id.desc())
    .limit(1)
)
_RECENT_COMPLAINT = (
    select(COMPLAINTS.c.id)
    .where(COMPLAINTS.c.author_id == bindparam("author_id"), COMPLAINTS.c.created_at >= bindparam("since"),
           COMPLAINTS.c.created_at <= bindparam("until"))
    .order_by(COMPLAINTS.c.id.desc())
    .limit(1)
)
_COUNT_COMPLAINT = (
    update(COUNTERS).where(COUNTERS.c.period == bindparam("count_period")).values(last=COUNTERS.c.last + 1)
)
_SET_COUNTER = update(COUNTERS).where(COUNTERS.c.period == bindparam("count_period")).values(last=bindparam("last"))
_VERSIONS = select(MENTIONS.c.original_id, MENTIONS.c.tweet_id, MENTIONS.c.complaint_id).where(
    MENTIONS.c.original_id.in_(bindparam("originals", expanding=True))
)
_COMPLAINANTS = (
    select(COMPLAINTS.c.author_id).where(COMPLAINTS.c.author_id.in_(bindparam("authors", expanding=True))).distinct()
)
_NONE = object()
_LAST_COMPLAINT = select(COUNTERS.c.last).where(COUNTERS.c.period == bindparam("count_period"))
_AUTHOR_COMPLAINTS = (
    select(COMPLAINTS.c.id, COMPLAINTS.c.text)
    .where(COMPLAINTS.c.author_id == bindparam("author_id"))
    .order_by(COMPLAINTS.c.id.desc())
    .limit(AUTHOR_COMPLAINTS)
)


class MentionBatch:
    """Looks up and saves mentions in one open session."""

    def __init__(self, session: Session, now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.session = session
        self.now = now
        self.thresholds = thresholds
        self._signatures: dict[str, Signature] = {}
        self._known: set[str] = set()  # tweet ids known to be stored
        self._looked_up: set[str] = set()  # tweet ids whose storage `expect` has looked up
        self.events: list[dict[str, Any]] = []  # written together by `write_events`
        # Set by `prepare` (a batch written whole or not at all): what the batch's lookups need,
        # read once and kept up to date by its saves.
        self._versions: dict[str, list[tuple[str, int | None]]] | None = None  # original id: (tweet, complaint)
        self._complainants: set[str] = set()  # authors of the prepared mentions with a complaint
        self._prepared_authors: set[str] = set()
        self._counters: dict[str, tuple[int, int]] = {}  # period: (last number stored, last handed out)
        self._pending: list[dict[str, Any]] = []  # mention rows to insert before the next read of them

    def prepare(self, mentions: list[Mention]) -> None:
        """Read at once what the lookups of these mentions need; for a batch with no savepoints.

        Use it only when the batch is written whole or rolled back whole: the saves keep these
        answers up to date in memory, which a savepoint rolled back would leave wrong. Tracking
        numbers are then counted in memory and stored by `write_events`.
        """
        originals = sorted({m.original_id for m in mentions})
        self._versions = {original: [] for original in originals}
        if originals:
            for row in self.session.connection().execute(_VERSIONS, {"originals": originals}):
                self._versions[row.original_id].append((row.tweet_id, row.complaint_id))
        self._prepared_authors = {m.author_id for m in mentions}
        if self._prepared_authors:
            self._complainants = set(self._scalars(_COMPLAINANTS, {"authors": sorted(self._prepared_authors)}))

    def expect(self, tweet_ids: list[str]) -> None:
        """Look up at once which of these tweets are stored (`has_mention` answers from it)."""
        wanted = sorted(set(tweet_ids) - self._looked_up)
        if wanted:
            self._known.update(self._scalars(_STORED, {"ids": wanted}))
            self._looked_up.update(wanted)

    def has_mention(self, tweet_id: str, *, fresh: bool = False) -> bool:
        """Return whether the tweet is stored already (`fresh`: ask the database again)."""
        if tweet_id in self._known:
            return True
        if tweet_id in self._looked_up and not fresh:
            return False
        self.insert_pending()
        found = self._scalar(_STORED, {"ids": [tweet_id]}) is not None
        if found:
            self._known.add(tweet_id)
        return found

    def write_events(self) -> None:
        """Insert the events the saves and quarantines of this batch recorded, in order.

        A prepared batch also stores here the mentions and tracking numbers it kept in memory.
        """
        self.insert_pending()
        for period, (stored, handed_out) in self._counters.items():
            if handed_out != stored:
                self.session.connection().execute(_SET_COUNTER, {"count_period": period, "last": handed_out})
                self._counters[period] = (handed_out, handed_out)
        if self.events:
            self.session.execute(insert(EVENTS), self.events)
            self.events = []

    def insert_pending(self) -> None:
        """Insert the mention rows a prepared batch holds (a tweet stored meanwhile: IntegrityError)."""
        if self._pending:
            self.session.connection().execute(insert(MENTIONS), self._pending)
            self._pending = []

    def add_event(self, kind: str, message: str, *, level: str = "info", tweet_id: str | None = None,
                  complaint_id: int | None = None) -> None:
        """Record an event row, written with the batch's others by `write_events`."""
        self.events.append({"at": self.now, "kind": kind, "level": level, "tweet_id": tweet_id,
                            "complaint_id": complaint_id, "message": message})

    def facts_for(self, mention: Mention, triage: Triage | None = None) -> LazyFacts:
        """Return what the store knows about a mention's edits, targets, thread and repeats.

        Each fact is looked up when `decide_link` first reads it: most mentions are decided
        by the first few (a retweet needs no thread, a remark no near-duplicate search).
        """
        return LazyFacts(self, mention, triage)

    def edit_facts(self, mention: Mention) -> dict[str, Any]:
        """Return the complaint an earlier version of this post opened, and whether one is stored."""
        versions = self._versions.get(mention.original_id) if self._versions is not None else None
        if versions is not None:
            found = next((complaint for tweet, complaint in versions if tweet != mention.tweet_id), _NONE)
            return {"edited_complaint": None if found is _NONE else found, "edited_known": found is not _NONE}
        earlier = self.row(_EARLIER_VERSION, {"original_id": mention.original_id, "tweet_id": mention.tweet_id})
        return {"edited_complaint": earlier.complaint_id if earlier else None, "edited_known": earlier is not None}

    def save(self, mention: Mention, raw: Any, link: Link, triage: Triage, answerable: bool) -> int | None:
        """Store the mention and apply its link (a new complaint, support…); return its complaint's id."""
        complaint_id = link.complaint_id
        if link.opens_complaint:
            complaint_id = self._open_complaint(mention, triage, cluster_of(self, link))
        elif complaint_id is not None:
            update_complaint(self, complaint_id, mention, link)
        row = dict(
            tweet_id=mention.tweet_id,
            author_id=mention.author_id,
            author_username=mention.author_username,
            text=mention.text,
            created_at=mention.created_at,
            x_lang=mention.lang,
            language=triage.language,
            conversation_id=mention.conversation_id,
            in_reply_to_user_id=mention.in_reply_to_user_id,
            original_id=mention.original_id,
            referenced_json=to_json([[ref.type, ref.id] for ref in mention.referenced]),
            link=link.kind,
            link_reason=link.reason,
            complaint_id=complaint_id,
            kind=triage.kind,
            category=triage.category,
            kind_confidence=triage.kind_confidence,
            category_confidence=triage.category_confidence,
            reasons_json=to_json(list(triage.reasons)),
            has_personal_data=triage.has_personal_data,
            region_code=triage.region.code if triage.region else None,
            agency_id=triage.agency.agency_id if triage.agency else None,
            flags_json=to_json(list(triage.flags)),
            answerable=answerable,
            raw_json=to_json(raw),
            fetched_at=self.now,
        )
        if self._versions is not None:
            self._pending.append(row)  # a prepared batch inserts its mentions together
        else:
            self.session.connection().execute(insert(MENTIONS), row)  # a tweet stored meanwhile: IntegrityError
        self._known.add(mention.tweet_id)
        if self._versions is not None:
            self._versions.setdefault(mention.original_id, []).append((mention.tweet_id, complaint_id))
        self.add_event(f"mention_{link.kind}", f"{link.reason}; {'; '.join(triage.reasons)}",
                       tweet_id=mention.tweet_id, complaint_id=complaint_id)
        return complaint_id

    def quarantine(self, raw: Any, reason: str, source: str) -> bool:
        """Keep an unreadable payload with the reason; False if it was quarantined before."""
        text = to_json(raw)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        exists = self._first(select(QuarantineRow).where(QuarantineRow.raw_sha256 == digest))
        if exists:
            return False
        tweet_id = raw.get("id") if isinstance(raw, dict) else None
        self.session.add(
            QuarantineRow(
                raw_sha256=digest,
                tweet_id=str(tweet_id)[:64] if isinstance(tweet_id, str | int) else None,
                source=source,
                reason=reason,
                raw_json=text,
                created_at=self.now,
            )
        )
        self.add_event("quarantined", reason, level="warning")
        return True

    def _first(self, query: Any) -> Any:
        return self.session.exec(query.limit(1)).first()

    def row(self, query: Any, params: dict[str, Any]) -> Any:
        return self.session.connection().execute(query, params).first()

    def _scalar(self, query: Any, params: dict[str, Any]) -> Any:
        return self.session.connection().execute(query, params).scalar()

    def _scalars(self, query: Any, params: dict[str, Any]) -> list[Any]:
        return list(self.session.connection().execute(query, params).scalars())

    def complaint_of(self, tweet_id: str | None) -> int | None:
        if tweet_id is None:
            return None
        self.insert_pending()
        return self._scalar(_COMPLAINT_OF, {"tweet_id": tweet_id})

    def _no_complaint(self, author_id: str) -> bool:
        """Return whether the prepared batch knows that the author has no complaint."""
        return author_id in self._prepared_authors and author_id not in self._complainants

    def thread_complaint(self, mention: Mention) -> int | None:
        if mention.conversation_id is None or self._no_complaint(mention.author_id):
            return None
        return self._scalar(_THREAD_COMPLAINT, {"author_id": mention.author_id,
                                                "conversation_id": mention.conversation_id})

    def recent_complaint(self, mention: Mention) -> int | None:
        """Return the author's complaint opened within the continuation window before this mention."""
        if self._no_complaint(mention.author_id):
            return None
        since = mention.created_at - self.thresholds.continuation_window
        return self._scalar(_RECENT_COMPLAINT, {"author_id": mention.author_id, "since": since,
                                                "until": mention.created_at})

    def repeat(self, mention: Mention, triage: Triage | None) -> dict[str, Any]:
        """Find the author's complaint this mention restates: word for word, or near enough."""
        if self._no_complaint(mention.author_id):
            return {}
        recent = self.session.connection().execute(_AUTHOR_COMPLAINTS, {"author_id": mention.author_id}).all()
        wanted = fingerprint(mention.text)
        exact = next((c.id for c in recent if fingerprint(c.text) == wanted), None)
        if exact is not None:
            return {"repeated_complaint": exact}
        new = make_candidate(
            None, mention.author_id, self._signature(mention).text, mention.created_at,
            category=triage.category if triage else None,
            region_code=triage.region.code if triage and triage.region else None, normalised=True,
        )
        # The index keeps each complaint's normalised text: no need to normalise them again.
        olds = fetch_candidates(self.session, [c.id for c in recent if c.id is not None])
        near = decide_near_duplicate(new, olds, self.thresholds)
        if near is None or near.kind != "repeat":
            return {}
        return {"repeated_complaint": near.complaint_id,
                "repeat_reason": f"the author restates an open complaint (similarity {near.score:.2f}): {near.reason}"}

    def _signature(self, mention: Mention) -> Signature:
        """Return the mention's matching signature (computed once per mention)."""
        if mention.tweet_id not in self._signatures:
            self._signatures[mention.tweet_id] = signature(mention.text)
        return self._signatures[mention.tweet_id]

    def related(self, mention: Mention, triage: Triage | None) -> dict[str, Any]:
        """Find other authors' complaints about very likely the same problem, via the band index.

        One of them makes this a related complaint in its cluster; copies from many accounts
        within minutes make it part of a campaign, collapsed into the cluster's first complaint.
        """
        if triage is None:
            return {}
        sig = self._signature(mention)
        found = fetch_candidates(self.session, candidates(self.session, sig, limit=RELATED_CANDIDATES))
        others = [c for c in found if c.author_id != mention.author_id]
        new = make_candidate(
            None, mention.author_id, sig.text, mention.created_at, category=triage.category,
            region_code=triage.region.code if triage.region else None, normalised=True,
        )
        near = decide_near_duplicate(new, others, self.thresholds)
        if near is None or near.kind != "related" or near.complaint_id is None:
            return {}
        campaign = detect_campaign(campaign_members(new, others, self.thresholds), self.thresholds)
        if campaign is not None:
            root = cluster_root(self, near.complaint_id)
            return {"campaign_complaint": root, "campaign_reason": f"part of a campaign: {campaign.reason}"}
        return {"related_complaint": near.complaint_id,
                "related_reason": f"very likely the problem of complaint {near.complaint_id} "
                                  f"(similarity {near.score:.2f}): {near.reason}"}

    def _open_complaint(self, mention: Mention, triage: Triage, cluster_id: int | None = None) -> int:
        tracking_number = self._next_tracking_number(mention.created_at)
        values = dict(
            cluster_id=cluster_id,
            tracking_number=tracking_number,
            first_tweet_id=mention.tweet_id,
            author_id=mention.author_id,
            author_username=mention.author_username,
            conversation_id=mention.conversation_id,
            text=mention.text,
            kind=triage.kind,
            category=triage.category,
            language=triage.language,
            needs_review=triage.needs_review,
            has_personal_data=triage.has_personal_data,
            region_code=triage.region.code if triage.region else None,
            region_name=triage.region.name if triage.region else None,
            agency_id=triage.agency.agency_id if triage.agency else None,
            agency=triage.agency.agency_name if triage.agency else None,
            urgent=triage.urgent,
            flags_json=to_json(list(triage.flags)),
            acknowledgement="pending",
            acknowledgement_reason="",
            created_at=mention.created_at,
            updated_at=self.now,
        )
        complaint_id = self.session.connection().execute(insert(COMPLAINTS), values).inserted_primary_key[0]
        assert complaint_id is not None
        self._complainants.add(mention.author_id)
        index_complaint(self.session, complaint_id, self._signature(mention), new=True)
        self.add_event("complaint_opened", f"{tracking_number}: {triage.kind}/{triage.category}",
                       tweet_id=mention.tweet_id, complaint_id=complaint_id)
        return int(complaint_id)

    def _next_tracking_number(self, created_at: datetime) -> str:
        """Allocate the next tracking number of created_at's month (the counter row stays locked till commit)."""
        period = tracking_period(created_at)
        if self._versions is not None and period in self._counters:
            stored, handed_out = self._counters[period]  # the counter row is locked by this transaction
            self._counters[period] = (stored, handed_out + 1)
            return format_tracking_number(period, handed_out + 1)
        connection = self.session.connection()
        if connection.execute(_COUNT_COMPLAINT, {"count_period": period}).rowcount == 1:
            last = connection.execute(_LAST_COMPLAINT, {"count_period": period}).scalar_one()
        else:
            connection.execute(insert(COUNTERS), {"period": period, "last": 1})
            last = 1
        if self._versions is not None:
            self._counters[period] = (last, last)
        return format_tracking_number(period, last)
