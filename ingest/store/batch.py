"""Write one batch of mentions inside a single transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

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
from ingest.link import KnownFacts, Link, fingerprint
from ingest.mention import Mention
from ingest.store.models import ComplaintRow, MentionRow, QuarantineRow, ReplyRow
from ingest.store.near_duplicates import candidates, fetch_candidates, index_complaint
from ingest.store.store import add_event, next_tracking_number, to_json
from ingest.triage import Triage


# The author's newest complaints a mention is compared with for a restatement.
AUTHOR_COMPLAINTS = 20
# Complaints sharing the most index bands that are verified as possibly the same problem.
RELATED_CANDIDATES = 8


class MentionBatch:
    """Looks up and saves mentions in one open session."""

    def __init__(self, session: Session, now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.session = session
        self.now = now
        self.thresholds = thresholds
        self._signatures: dict[str, Signature] = {}

    def has_mention(self, tweet_id: str) -> bool:
        """Return whether the tweet is stored already."""
        return self.session.get(MentionRow, tweet_id) is not None

    def facts_for(self, mention: Mention, triage: Triage | None = None) -> KnownFacts:
        """Gather what the store knows about a mention's edits, targets, thread and repeats."""
        earlier = self._first(
            select(MentionRow).where(
                MentionRow.original_id == mention.original_id, MentionRow.tweet_id != mention.tweet_id
            )
        )
        return KnownFacts(
            edited_complaint=earlier.complaint_id if earlier else None,
            edited_known=earlier is not None,
            retweeted_complaint=self._complaint_of(mention.retweet_of),
            quoted_complaint=self._complaint_of(mention.quote_of),
            thread_complaint=self._thread_complaint(mention),
            recent_complaint=self._recent_complaint(mention),
            **self._repeat(mention, triage),
            **self._related(mention, triage),
        )

    def save(self, mention: Mention, raw: Any, link: Link, triage: Triage, answerable: bool) -> MentionRow:
        """Store the mention and apply its link (a new complaint, support, continuation…)."""
        complaint_id = link.complaint_id
        if link.opens_complaint:
            complaint_id = self._open_complaint(mention, triage, self._cluster_of(link))
        elif complaint_id is not None:
            self._update_complaint(complaint_id, mention, link)
        row = MentionRow(
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
        self.session.add(row)
        add_event(
            self.session, f"mention_{link.kind}", f"{link.reason}; {'; '.join(triage.reasons)}",
            self.now, tweet_id=mention.tweet_id, complaint_id=complaint_id,
        )
        return row

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
        add_event(self.session, "quarantined", reason, self.now, level="warning")
        return True

    def _first(self, query: Any) -> Any:
        return self.session.exec(query.limit(1)).first()

    def _complaint_of(self, tweet_id: str | None) -> int | None:
        if tweet_id is None:
            return None
        row = self.session.get(MentionRow, tweet_id)
        return row.complaint_id if row else None

    def _thread_complaint(self, mention: Mention) -> int | None:
        if mention.conversation_id is None:
            return None
        complaint = self._first(
            select(ComplaintRow)
            .where(
                ComplaintRow.author_id == mention.author_id,
                ComplaintRow.conversation_id == mention.conversation_id,
            )
            .order_by(col(ComplaintRow.id).desc())
        )
        return complaint.id if complaint else None

    def _recent_complaint(self, mention: Mention) -> int | None:
        """Return the author's complaint opened within the continuation window before this mention."""
        since = mention.created_at - self.thresholds.continuation_window
        complaint = self._first(
            select(ComplaintRow)
            .where(
                ComplaintRow.author_id == mention.author_id,
                ComplaintRow.created_at >= since,
                ComplaintRow.created_at <= mention.created_at,
            )
            .order_by(col(ComplaintRow.id).desc())
        )
        return complaint.id if complaint else None

    def _repeat(self, mention: Mention, triage: Triage | None) -> dict[str, Any]:
        """Find the author's complaint this mention restates: word for word, or near enough."""
        recent = list(
            self.session.exec(
                select(ComplaintRow)
                .where(ComplaintRow.author_id == mention.author_id)
                .order_by(col(ComplaintRow.id).desc())
                .limit(AUTHOR_COMPLAINTS)
            )
        )
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

    def _related(self, mention: Mention, triage: Triage | None) -> dict[str, Any]:
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
            root = self._cluster_root(near.complaint_id)
            return {"campaign_complaint": root, "campaign_reason": f"part of a campaign: {campaign.reason}"}
        return {"related_complaint": near.complaint_id,
                "related_reason": f"very likely the problem of complaint {near.complaint_id} "
                                  f"(similarity {near.score:.2f}): {near.reason}"}

    def _cluster_root(self, complaint_id: int) -> int:
        match = self.session.get(ComplaintRow, complaint_id)
        return (match.cluster_id or match.id or complaint_id) if match else complaint_id

    def _flag_campaign(self, complaint: ComplaintRow, mention: Mention) -> None:
        """Collapse a copy into the campaign's complaint; the first time, flag the whole burst."""
        complaint.supporters += 1
        if "campaign" in json.loads(complaint.flags_json or "[]"):
            return
        since = mention.created_at - self.thresholds.campaign_window
        burst = self.session.exec(
            select(ComplaintRow).where(
                (col(ComplaintRow.id) == complaint.id)
                | ((col(ComplaintRow.cluster_id) == complaint.id) & (col(ComplaintRow.created_at) >= since))
            )
        ).all()
        for member in burst:
            self._flag_campaign_member(member)
        add_event(self.session, "campaign", f"near-identical mentions from many accounts, from tweet "
                  f"{mention.tweet_id} on: collapsed into this complaint for review ({len(burst)} complaints "
                  f"of the burst flagged, their acknowledgements held)", self.now,
                  level="warning", tweet_id=mention.tweet_id, complaint_id=complaint.id)

    def _flag_campaign_member(self, member: ComplaintRow) -> None:
        """Flag one complaint of a campaign for review and hold its acknowledgement if unsent."""
        member.flags_json = to_json([*json.loads(member.flags_json or "[]"), "campaign"])
        member.needs_review, member.updated_at = True, self.now
        reason = "part of a campaign of near-identical mentions: held for review"
        if member.acknowledgement == "pending":
            member.acknowledgement, member.acknowledgement_reason = "skipped", reason
        first = self.session.get(MentionRow, member.first_tweet_id)
        if first is not None and first.reply_state == "pending":
            first.reply_state, first.reply_reason = "skipped", reason
        self.session.execute(
            update(ReplyRow)
            .where(col(ReplyRow.complaint_id) == member.id, col(ReplyRow.status) == "queued")
            .values(status="cancelled", last_error=reason, updated_at=self.now)
        )

    def _cluster_of(self, link: Link) -> int | None:
        """Return the cluster a related complaint joins: its match's cluster, or the match itself."""
        if link.kind != "related" or link.complaint_id is None:
            return None
        match = self.session.get(ComplaintRow, link.complaint_id)
        return (match.cluster_id or match.id) if match else None

    def _open_complaint(self, mention: Mention, triage: Triage, cluster_id: int | None = None) -> int:
        complaint = ComplaintRow(
            cluster_id=cluster_id,
            tracking_number=next_tracking_number(self.session, mention.created_at),
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
        self.session.add(complaint)
        self.session.flush()
        assert complaint.id is not None
        index_complaint(self.session, complaint.id, self._signature(mention))
        add_event(
            self.session, "complaint_opened", f"{complaint.tracking_number}: {triage.kind}/{triage.category}",
            self.now, tweet_id=mention.tweet_id, complaint_id=complaint.id,
        )
        return complaint.id

    def _update_complaint(self, complaint_id: int, mention: Mention, link: Link) -> None:
        complaint = self.session.get(ComplaintRow, complaint_id)
        if complaint is None:
            return
        if link.kind == "support":
            complaint.supporters += 1
        elif link.kind == "same_tweet":
            complaint.text = mention.text
            index_complaint(self.session, complaint_id, signature(mention.text))  # match the new version
        elif link.kind == "repeat":
            add_event(self.session, "complaint_repeated", f"restated in tweet {mention.tweet_id}", self.now,
                      tweet_id=mention.tweet_id, complaint_id=complaint_id)
        elif link.kind == "continuation":
            complaint.text = f"{complaint.text}\n\n{mention.text}"
        elif link.kind == "campaign":
            self._flag_campaign(complaint, mention)
        complaint.mentions += 1
        complaint.updated_at = self.now
