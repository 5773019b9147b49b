"""An officer undoing or making links: unlink a mention, merge one complaint into another."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from ingest.dedupe import signature
from ingest.lifecycle import TransitionError, check_transition
from ingest.store.audit import record_audit
from ingest.store.models import ComplaintRow, MentionRow
from ingest.store.near_duplicates import index_complaint
from ingest.store.store import Store, add_event, next_tracking_number

# Links that file a mention under another complaint, and that an officer can undo.
ATTACHED = ("repeat", "continuation", "support", "campaign")


class LinkChangeError(ValueError):
    """An unlink or merge that cannot be made; the message says why."""


def unlink_mention(store: Store, tweet_id: str, now: datetime, *, actor: str = "officer", note: str = "") -> str:
    """Undo the bot's link of one mention; return what was done, in words.

    A repeat, continuation, support or campaign copy becomes a complaint of its own (with no
    automatic acknowledgement: the moment has passed); a related complaint leaves its cluster.
    """
    with store.session() as session:
        mention = session.get(MentionRow, tweet_id)
        if mention is None:
            raise LinkChangeError(f"no stored mention {tweet_id}")
        if mention.link == "related" and mention.complaint_id is not None:
            return _leave_cluster(session, mention, now, actor, note)
        if mention.link not in ATTACHED or mention.complaint_id is None:
            raise LinkChangeError(f"mention {tweet_id} is {mention.link}: nothing to unlink")
        return _detach(session, mention, now, actor, note)


def _leave_cluster(session: Session, mention: MentionRow, now: datetime, actor: str, note: str) -> str:
    complaint = session.get(ComplaintRow, mention.complaint_id)
    assert complaint is not None
    was = complaint.cluster_id
    complaint.cluster_id, complaint.updated_at = None, now
    mention.link, mention.link_reason = "new", f"unlinked by {actor} from cluster {was}: {mention.link_reason}"
    add_event(session, "unlinked", f"{complaint.tracking_number} left cluster {was} ({actor}){_note(note)}", now,
              tweet_id=mention.tweet_id, complaint_id=complaint.id)
    record_audit(session, complaint.id, actor, "unlink", now, field="cluster_id", previous=str(was), value=None,
                 reason=note)
    return f"{complaint.tracking_number} no longer belongs to the cluster of complaint {was}"


def _detach(session: Session, mention: MentionRow, now: datetime, actor: str, note: str) -> str:
    old = session.get(ComplaintRow, mention.complaint_id)
    assert old is not None
    old.mentions = max(old.mentions - 1, 1)
    if mention.link in ("support", "campaign"):
        old.supporters = max(old.supporters - 1, 0)
    old.updated_at = now
    new = ComplaintRow(
        tracking_number=next_tracking_number(session, mention.created_at),
        first_tweet_id=mention.tweet_id, author_id=mention.author_id, author_username=mention.author_username,
        conversation_id=mention.conversation_id, text=mention.text, kind=mention.kind, category=mention.category,
        language=mention.language, needs_review=True, has_personal_data=mention.has_personal_data,
        region_code=mention.region_code, agency_id=mention.agency_id, flags_json=mention.flags_json,
        acknowledgement="skipped", acknowledgement_reason=f"unlinked by {actor} after the bot's decision",
        created_at=mention.created_at, updated_at=now,
    )
    session.add(new)
    session.flush()
    assert new.id is not None
    index_complaint(session, new.id, signature(mention.text))
    message = f"tweet {mention.tweet_id} was a {mention.link} of {old.tracking_number}; now {new.tracking_number}"
    mention.link, mention.link_reason = "new", f"unlinked by {actor}: was {mention.link} ({mention.link_reason})"
    mention.complaint_id = new.id
    for complaint in (old, new):
        add_event(session, "unlinked", f"{message} ({actor}){_note(note)}", now, tweet_id=mention.tweet_id,
                  complaint_id=complaint.id)
        record_audit(session, complaint.id, actor, "unlink", now, field="tweet", previous=old.tracking_number,
                     value=new.tracking_number, reason=note or message)
    return message


def merge_complaints(
    store: Store, duplicate: str, into: str, now: datetime, *, actor: str = "officer", note: str = ""
) -> str:
    """Merge complaint `duplicate` into `into` (status merged, joins its cluster); return what was done."""
    with store.session() as session:
        found = {c.tracking_number: c for c in session.exec(
            select(ComplaintRow).where(ComplaintRow.tracking_number.in_((duplicate, into)))  # type: ignore[attr-defined]
        )}
        if duplicate == into:
            raise LinkChangeError("a complaint cannot be merged into itself")
        for number in (duplicate, into):
            if number not in found:
                raise LinkChangeError(f"no complaint {number}")
        source, target = found[duplicate], found[into]
        try:
            check_transition(source.status, "merged")
        except TransitionError as exc:
            raise LinkChangeError(f"{duplicate}: {exc}") from None
        previous = source.status
        # Reversible: the duplicate keeps its mentions and counts; `unmerge` reopens it.
        source.status, source.cluster_id, source.updated_at = "merged", target.cluster_id or target.id, now
        message = f"{duplicate} ({previous}) merged into {into} by {actor}{_note(note)}"
        source.status_changed_at = now
        for complaint in (source, target):
            add_event(session, "merged", message, now, complaint_id=complaint.id)
        record_audit(session, source.id, actor, "merge", now, field="status", previous=previous,
                     value=f"merged into {into}", reason=note)
        record_audit(session, target.id, actor, "merge", now, field="merged_in", value=duplicate, reason=note)
        return message


def _note(note: str) -> str:
    return f": {note}" if note else ""
