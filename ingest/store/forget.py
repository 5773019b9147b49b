"""Forget a person on request (UU PDP 27/2022; X's developer terms): their tweets and personal data.

What stays, and why:
- each forgotten mention as a tombstone: its tweet id and its edit chain's original id, link, kind,
  category, region and times; text FORGOTTEN_TEXT, author NO_AUTHOR, raw JSON "{}", flag
  "forgotten". A poll that meets the tweet again finds it stored and skips it; `forgotten_among`
  also catches a later edit of it. A tweet never stored gets such a tombstone too (link "forgotten");
- each complaint with its tracking number, kind, category, region, agency, status and dates, so
  the statistics still count it: text FORGOTTEN_TEXT, author blanked, flag "forgotten", out of
  the near-duplicate index (an empty entry keeps `index_missing` from indexing the marker);
- every outbox row, its tweet id kept so we never reply twice: texts blanked, unsent ones cancelled;
- an opt-out (it protects the person), without the username; forwards and agency responses.
Other people's rows that name the person (@handle, X user id) have those redacted; retweets of a
forgotten tweet (copies of its text) are blanked like it. Every forget is logged in the event and
audit logs with the actor and counts, never the person's handle or text. Running it again changes
nothing (and logs the request again).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from ingest.dedupe import signature
from ingest.personal_data import find_personal_data, mask_personal_data
from ingest.store.audit import record_audit
from ingest.store.models import (
    AuditRow,
    ComplaintRow,
    EventRow,
    FollowupRow,
    ForwardRow,
    LabelRow,
    MentionRow,
    NearDuplicateBandRow,
    NearDuplicateTextRow,
    OptOutRow,
    QuarantineRow,
    ReplyRow,
    ResponseRow,
    StateRow,
)
from ingest.store.near_duplicates import index_complaint
from ingest.store.store import Store, add_event

FORGOTTEN_TEXT = "[dihapus atas permintaan]"
FORGOTTEN_FLAG = "forgotten"
NO_AUTHOR = "0"  # X ids start at 1: no account has this one
REDACTED = "[dihapus]"
REASON = "forgotten on request"
LOG_KIND = "forgotten"
# A bare handle (no "@") is redacted only when it cannot be an ordinary word of someone else's text.
_BARE_MIN = 5
_ID = re.compile(r"^\d{1,20}$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_CHUNK = 500
_UNSENT = ("queued", "failed")  # cancelled; a reply being sent keeps its status and loses its text


class ForgetError(ValueError):
    """The tweet id or user given cannot name anything on X."""


@dataclass
class ForgetReport:
    """What a forget changed: rows per table, and the complaints kept for the statistics."""

    kind: str  # tweet | user
    counts: dict[str, int] = field(default_factory=dict)
    tracking_numbers: list[str] = field(default_factory=list)

    def add(self, table: str, rows: int = 1) -> None:
        """Count rows changed in one table."""
        if rows:
            self.counts[table] = self.counts.get(table, 0) + rows

    @property
    def total(self) -> int:
        """Return the number of rows changed."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """Return the counts as one line without personal data."""
        return ", ".join(f"{table} {n}" for table, n in sorted(self.counts.items())) or "nothing left to remove"


@dataclass(frozen=True)
class _Scope:
    tweet_ids: frozenset[str]  # the person's tweets to forget (edit chains included)
    author_ids: frozenset[str] = frozenset()
    handles: frozenset[str] = frozenset()  # lower case, without "@"


def forget_tweet(store: Store, tweet_id: str, now: datetime, actor: str) -> ForgetReport:
    """Delete one tweet (every version of it) and what was derived from it."""
    tweet_id = tweet_id.strip()
    if not _ID.match(tweet_id):
        raise ForgetError(f"a tweet id is 1-20 digits, not {tweet_id[:40]!r}")
    report = ForgetReport("tweet")
    with store.session() as session:
        ids = _edit_chain(session, tweet_id)
        if not ids:
            session.add(_placeholder(tweet_id, now))
            report.add("mention")
            ids = {tweet_id}
        _forget(session, _Scope(frozenset(ids)), now, actor, report)
        _log(session, report, actor, now, tweet_id)
    return report


def forget_user(store: Store, username_or_author_id: str, now: datetime, actor: str) -> ForgetReport:
    """Delete every tweet of one X account and its personal data ("@name" or "name": a handle; digits: an id)."""
    who = username_or_author_id.strip()
    report = ForgetReport("user")
    with store.session() as session:
        author_ids, handles = _identify(session, who)
        tweet_ids = set(_values(session, MentionRow.tweet_id, col(MentionRow.author_id), author_ids))
        _forget(session, _Scope(frozenset(tweet_ids), frozenset(author_ids), frozenset(handles)), now, actor, report)
        _log(session, report, actor, now, None)
    return report


def forgotten_among(session: Session, ids: Iterable[str]) -> set[str]:
    """Return those of `ids` that are forgotten tweets or the originals of forgotten edit chains."""
    wanted = set(ids)
    if not wanted:
        return set()
    query = select(MentionRow.tweet_id, MentionRow.original_id).where(
        or_(col(MentionRow.tweet_id).in_(wanted), col(MentionRow.original_id).in_(wanted)),
        col(MentionRow.flags_json).contains(f'"{FORGOTTEN_FLAG}"'),
    )
    return {value for row in session.execute(query) for value in row} & wanted


def is_forgotten(flags_json: str | None) -> bool:
    """Return whether a complaint's or mention's flags say it was forgotten."""
    return FORGOTTEN_FLAG in json.loads(flags_json or "[]")


def redact(text: str, handles: Iterable[str], author_ids: Iterable[str] = ()) -> str:
    """Return `text` with the handles ("@name", and long bare names) and X user ids replaced."""
    for handle in handles:
        at = "@?" if len(handle) >= _BARE_MIN else "@"
        pattern = rf"(?<![A-Za-z0-9_])({at}){re.escape(handle)}(?![A-Za-z0-9_])"
        text = re.sub(pattern, lambda m: m.group(1) + REDACTED, text, flags=re.IGNORECASE)
    for author_id in author_ids:
        text = re.sub(rf"(?<!\d){re.escape(author_id)}(?!\d)", NO_AUTHOR, text)
    return text


def scrub_note(text: str | None, handles: Iterable[str] = ()) -> str | None:
    """Return an officer's or agency's note with personal data masked and the handles redacted."""
    if not text:
        return text
    return redact(mask_personal_data(text, find_personal_data(text)), handles)


def with_flag(flags_json: str | None, flag: str) -> str:
    """Return the flags JSON with `flag` added once."""
    flags = list(json.loads(flags_json or "[]"))
    return json.dumps(flags if flag in flags else [*flags, flag])


# --- finding the person ---------------------------------------------------------------------


def _identify(session: Session, who: str) -> tuple[set[str], set[str]]:
    """Return the person's X user ids and handles (every handle their rows were stored with)."""
    name = who.removeprefix("@")
    if not who.startswith("@") and _ID.match(who):
        author_ids, handles = {who}, set()
    elif _HANDLE.match(name):
        handles = {name.lower()}
        author_ids = set()
        for model in (MentionRow, ComplaintRow, OptOutRow):
            query = select(model.author_id).where(func.lower(model.author_username) == name.lower()).distinct()
            author_ids |= set(session.exec(query))
    else:
        raise ForgetError(f"an X user is @name (letters, digits, _) or a numeric id, not {who[:40]!r}")
    author_ids.discard(NO_AUTHOR)
    for model in (MentionRow, ComplaintRow, OptOutRow):
        found = _values(session, model.author_username, col(model.author_id), author_ids)
        handles |= {h.lower() for h in found if h}
    return author_ids, handles


def _edit_chain(session: Session, tweet_id: str) -> set[str]:
    """Return the stored versions of a tweet: every mention sharing its edit chain's original."""
    originals = set(session.exec(select(MentionRow.original_id).where(
        or_(MentionRow.tweet_id == tweet_id, MentionRow.original_id == tweet_id))))
    return set(_values(session, MentionRow.tweet_id, col(MentionRow.original_id), originals))


def _placeholder(tweet_id: str, now: datetime) -> MentionRow:
    """Return the tombstone of a tweet never stored, so that no poll stores it later."""
    return MentionRow(
        tweet_id=tweet_id, author_id=NO_AUTHOR, text=FORGOTTEN_TEXT, created_at=now, language="und",
        original_id=tweet_id, referenced_json="[]", link=LOG_KIND, link_reason=REASON, kind=LOG_KIND,
        category=LOG_KIND, reasons_json="[]", flags_json=json.dumps([FORGOTTEN_FLAG]), answerable=False,
        raw_json="{}", fetched_at=now, reply_state="skipped", reply_reason=REASON,
    )


# --- forgetting -------------------------------------------------------------------------------


def _forget(session: Session, scope: _Scope, now: datetime, actor: str, report: ForgetReport) -> None:
    mentions = _rows(session, MentionRow, col(MentionRow.tweet_id), scope.tweet_ids)
    complaints = {c.id: c for c in _rows(session, ComplaintRow, col(ComplaintRow.first_tweet_id), scope.tweet_ids)}
    complaints |= {c.id: c for c in _rows(session, ComplaintRow, col(ComplaintRow.author_id), scope.author_ids)}
    for complaint in complaints.values():
        _forget_complaint(session, complaint, scope, now, actor, report)
    for mention in mentions:
        if mention.complaint_id is not None and mention.complaint_id not in complaints:
            _cut_from_complaint(session, mention, report)
        report.add("mention", _tombstone(mention))
    copies = _retweet_copies(session, scope)
    for copy in copies:
        report.add("mention", _tombstone(copy, keep_author=True))
    cids = [cid for cid in complaints if cid is not None]
    tweets = scope.tweet_ids | {c.tweet_id for c in copies}
    _forget_replies(session, tweets, cids, now, report)
    _forget_followups(session, cids, now, report)
    _blank_events(session, tweets, cids, report)
    _forget_audit_and_labels(session, cids, scope, report)
    _forget_opt_outs(session, scope, report)
    _forget_quarantine(session, tweets, report)
    if scope.handles or scope.author_ids:
        _redact_everywhere(session, scope, report)


def _forget_complaint(session: Session, complaint: ComplaintRow, scope: _Scope, now: datetime, actor: str,
                      report: ForgetReport) -> None:
    assert complaint.id is not None
    changed = _assign(
        complaint, text=FORGOTTEN_TEXT, author_id=NO_AUTHOR, author_username=None, conversation_id=None,
        rejection_reason=scope_note(complaint.rejection_reason, scope),
        flags_json=with_flag(complaint.flags_json, FORGOTTEN_FLAG),
    )
    bands = session.execute(select(func.count()).where(NearDuplicateBandRow.complaint_id == complaint.id)).scalar_one()
    indexed = session.get(NearDuplicateTextRow, complaint.id)
    if bands or indexed is None or indexed.text:
        texts = 1 if indexed is not None and indexed.text else 0
        index_complaint(session, complaint.id, signature(""))  # an empty entry: never a candidate
        report.add("near_duplicate_band", bands)
        report.add("near_duplicate_text", texts)
    if changed:
        complaint.updated_at = now
        record_audit(session, complaint.id, actor, "forget", now, field="text", reason=REASON)
        report.add("complaint")
        report.tracking_numbers.append(complaint.tracking_number)


def scope_note(text: str | None, scope: _Scope) -> str | None:
    """Return a note kept on a forgotten complaint, masked and without the person's handles."""
    return scrub_note(text, scope.handles)


def _cut_from_complaint(session: Session, mention: MentionRow, report: ForgetReport) -> None:
    """Take a forgotten continuation's text out of a complaint that is otherwise kept."""
    complaint = session.get(ComplaintRow, mention.complaint_id)
    if complaint is None or not mention.text or mention.text == FORGOTTEN_TEXT or mention.text not in complaint.text:
        return
    complaint.text = complaint.text.replace(mention.text, FORGOTTEN_TEXT)
    assert complaint.id is not None
    index_complaint(session, complaint.id, signature(complaint.text))
    report.add("complaint")


def _tombstone(mention: MentionRow, *, keep_author: bool = False) -> int:
    """Blank a mention down to its ids, link and triage; return 1 if anything changed."""
    values: dict[str, Any] = dict(
        text=FORGOTTEN_TEXT, conversation_id=None, in_reply_to_user_id=None, referenced_json="[]",
        link_reason=REASON, reasons_json="[]", raw_json="{}", flags_json=with_flag(mention.flags_json, FORGOTTEN_FLAG),
    )
    if not keep_author:
        values.update(author_id=NO_AUTHOR, author_username=None)
    if mention.reply_state == "pending":
        values.update(reply_state="skipped", reply_reason=REASON)
    return int(_assign(mention, **values))


def _retweet_copies(session: Session, scope: _Scope) -> list[MentionRow]:
    """Return other accounts' retweets of the forgotten tweets (their text is a copy)."""
    if not scope.tweet_ids:
        return []
    needles = [col(MentionRow.referenced_json).contains(f'"{tid}"') for tid in scope.tweet_ids][:_CHUNK]
    needles += [col(MentionRow.text).icontains(f"@{h}", autoescape=True) for h in scope.handles]
    found = session.exec(select(MentionRow).where(or_(*needles), col(MentionRow.tweet_id).not_in(scope.tweet_ids)))
    return [m for m in found if _retweets(m, scope.tweet_ids)]


def _retweets(mention: MentionRow, tweet_ids: frozenset[str]) -> bool:
    refs = json.loads(mention.referenced_json or "[]")
    return any(kind == "retweeted" and ref in tweet_ids for kind, ref in refs)


def _forget_replies(session: Session, tweets: frozenset[str] | set[str], cids: list[int], now: datetime,
                    report: ForgetReport) -> None:
    replies = {r.id: r for r in _rows(session, ReplyRow, col(ReplyRow.in_reply_to_tweet_id), tweets)}
    replies |= {r.id: r for r in _rows(session, ReplyRow, col(ReplyRow.complaint_id), cids)}
    for reply in replies.values():
        values: dict[str, Any] = dict(text="", exclude_user_ids_json="[]", author_id=None)
        if reply.status in _UNSENT:
            values.update(status="cancelled", last_error=REASON, updated_at=now)
        report.add("reply", int(_assign(reply, **values)))


def _forget_followups(session: Session, cids: list[int], now: datetime, report: ForgetReport) -> None:
    for followup in _rows(session, FollowupRow, col(FollowupRow.complaint_id), cids):
        values: dict[str, Any] = dict(text=None)
        if followup.state == "waiting":
            values.update(state="skipped", reason=REASON, updated_at=now)
        report.add("followup", int(_assign(followup, **values)))


def _blank_events(session: Session, tweets: Iterable[str], cids: list[int], report: ForgetReport) -> None:
    """Replace the messages of events about the forgotten tweets and complaints (they quote the text)."""
    for column, keys in ((col(EventRow.tweet_id), list(tweets)), (col(EventRow.complaint_id), cids)):
        for chunk in _chunks(keys):
            result = session.execute(
                update(EventRow)
                .where(column.in_(chunk), EventRow.kind != LOG_KIND, EventRow.message != FORGOTTEN_TEXT)
                .values(message=FORGOTTEN_TEXT)
            )
            report.add("event", result.rowcount)


def _forget_audit_and_labels(session: Session, cids: list[int], scope: _Scope, report: ForgetReport) -> None:
    for line in _rows(session, AuditRow, col(AuditRow.complaint_id), cids):
        changed = _assign(line, previous=scope_note(line.previous, scope), value=scope_note(line.value, scope),
                          reason=scope_note(line.reason, scope) or "")
        report.add("audit", int(changed))
    for chunk in _chunks(cids):
        # The labels pair a correction with the complaint's text: without the text they teach nothing.
        report.add("label", session.execute(delete(LabelRow).where(col(LabelRow.complaint_id).in_(chunk))).rowcount)


def _forget_opt_outs(session: Session, scope: _Scope, report: ForgetReport) -> None:
    """Keep the opt-outs (they protect the person) but drop the usernames."""
    named = [func.lower(OptOutRow.author_username) == h for h in scope.handles]
    rows = {row.author_id: row for row in _rows(session, OptOutRow, col(OptOutRow.author_id), scope.author_ids)}
    if named:
        rows |= {row.author_id: row for row in session.exec(select(OptOutRow).where(or_(*named)))}
    for row in rows.values():
        report.add("opt_out", int(_assign(row, author_username=None)))


def _forget_quarantine(session: Session, tweets: Iterable[str], report: ForgetReport) -> None:
    """Empty quarantined payloads of the tweets; the digest stays, so the same payload is not kept again."""
    for row in _rows(session, QuarantineRow, col(QuarantineRow.tweet_id), list(tweets)):
        report.add("quarantine", int(_assign(row, raw_json="{}", reason=REASON)))


# Text columns where other people's rows may name the person; JSON columns take the same redaction.
_TEXT_COLUMNS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (MentionRow, ("text", "raw_json", "link_reason", "reasons_json")),
    (ComplaintRow, ("text", "acknowledgement_reason", "rejection_reason")),
    (ReplyRow, ("text", "last_error", "exclude_user_ids_json")),
    (EventRow, ("message",)),
    (AuditRow, ("previous", "value", "reason")),
    (FollowupRow, ("text", "reason")),
    (ResponseRow, ("note",)),
    (QuarantineRow, ("raw_json", "reason")),
    (ForwardRow, ("last_error",)),
    (StateRow, ("value",)),
)
# Where the person's X user id can appear in other people's rows (quoted, in JSON).
_ID_COLUMNS: tuple[tuple[Any, str], ...] = (
    (MentionRow, "raw_json"), (QuarantineRow, "raw_json"), (ReplyRow, "exclude_user_ids_json"),
)


def _redact_everywhere(session: Session, scope: _Scope, report: ForgetReport) -> None:
    """Redact the person's handles and user ids in every other row that names them."""
    for model, names in _TEXT_COLUMNS:
        needles = [col(getattr(model, n)).icontains(h, autoescape=True) for n in names for h in scope.handles]
        ids = [col(getattr(model, n)).contains(f'"{a}"') for m, n in _ID_COLUMNS if m is model
               for a in scope.author_ids]
        if needles or ids:
            for row in session.exec(select(model).where(or_(*needles, *ids))):
                _redact_row(session, row, names, scope, report)
    for row in _rows(session, MentionRow, col(MentionRow.in_reply_to_user_id), scope.author_ids):
        report.add("mention", int(_assign(row, in_reply_to_user_id=None)))


def _redact_row(session: Session, row: Any, names: Sequence[str], scope: _Scope, report: ForgetReport) -> None:
    values = {n: redact(v, scope.handles, scope.author_ids) for n in names if (v := getattr(row, n))}
    if isinstance(row, ReplyRow):  # X refuses an unknown id among those excluded: drop it instead
        kept = [u for u in json.loads(row.exclude_user_ids_json or "[]") if u not in scope.author_ids]
        values["exclude_user_ids_json"] = json.dumps(kept)
    if not _assign(row, **values):
        return
    report.add(row.__tablename__)
    if isinstance(row, ComplaintRow) and "text" in values and row.id is not None:
        index_complaint(session, row.id, signature(row.text))  # the index keeps a normalised copy


# --- small helpers ----------------------------------------------------------------------------


def _log(session: Session, report: ForgetReport, actor: str, now: datetime, tweet_id: str | None) -> None:
    """Record the forget in the event and audit logs: who, what kind, how many rows; nothing personal."""
    summary = report.summary()
    add_event(session, LOG_KIND, f"a {report.kind} was forgotten on request by {actor}: {summary}", now,
              tweet_id=tweet_id)
    record_audit(session, None, actor, "forget", now, field=report.kind, value=tweet_id, reason=summary)


def _assign(row: Any, **values: Any) -> bool:
    """Set attributes that differ; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _rows(session: Session, model: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for chunk in _chunks(list(keys)):
        found += session.exec(select(model).where(column.in_(chunk))).all()
    return found


def _values(session: Session, wanted: Any, column: Any, keys: Iterable[Any]) -> list[Any]:
    found: list[Any] = []
    for chunk in _chunks(list(keys)):
        found += session.exec(select(wanted).where(column.in_(chunk))).all()
    return found


def _chunks(keys: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]
